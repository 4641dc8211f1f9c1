"""Login, logout and the overview."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.web.staff._accounts import LoginRefusal
from bot.web.staff._charts import Series, bar_chart, line_chart
from bot.web.staff._context import STAFF_TIMEZONE, StaffContext
from bot.web.staff._render import render
from bot.web.staff._security import (
    LOGIN_COOKIE,
    LOGIN_PATH,
    SESSION_COOKIE,
    StaffUser,
    cookie_options,
    require_staff,
    safe_next,
    staff_page_router,
)

OVERVIEW_DAYS = 30
TOP_GAPS = 5
RATING_LABELS = {"useful": "有用", "useless": "没用", "none": "未评价"}
KIND_LABELS = {"answer": "已回答", "related": "相关条款", "not_found": "未找到"}


def _staff(request: Request) -> StaffContext:
    return request.app.state.web.staff  # type: ignore[no-any-return]


def login_router() -> APIRouter:
    """The only staff routes open to anonymous visitors."""
    router = APIRouter(prefix="/staff")

    @router.get("/login", name="staff_login", response_model=None)
    def login_form(request: Request, next: str | None = None) -> Response:
        staff = _staff(request)
        if staff.sessions.lookup(request.cookies.get(SESSION_COOKIE)) is not None:
            return RedirectResponse(safe_next(next), status_code=303)
        return _login_page(request, staff, safe_next(next), None, 200)

    @router.post("/login", name="staff_login_submit", response_model=None)
    def login(
        request: Request,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        staff = _staff(request)
        target = safe_next(next)
        if not staff.login_tokens.valid(csrf_token, request.cookies.get(LOGIN_COOKIE)):
            return _login_page(request, staff, target, "登录表单已过期或来源不明，请重新输入。", 403)
        result = staff.accounts.verify(name, password)
        if isinstance(result, LoginRefusal):
            return _login_page(request, staff, target, result.message, 401)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            staff.sessions.create(result),
            max_age=staff.sessions.max_age_s,
            **cookie_options(staff.secure_cookies),
        )
        response.delete_cookie(LOGIN_COOKIE, **cookie_options(staff.secure_cookies))
        return response

    return router


def _login_page(
    request: Request, staff: StaffContext, target: str, error: str | None, status: int
) -> Response:
    token, cookie = staff.login_tokens.issue()
    response = render(
        request,
        "login.html",
        status=status,
        title="工作人员登录",
        login_token=token,
        next=target,
        error=error,
    )
    response.set_cookie(LOGIN_COOKIE, cookie, max_age=30 * 60, **cookie_options(staff.secure_cookies))
    return response


def overview_router() -> APIRouter:
    router = staff_page_router()

    @router.post("/logout", name="staff_logout", response_model=None)
    def logout(request: Request) -> Response:
        staff = _staff(request)
        staff.sessions.delete(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(SESSION_COOKIE, **cookie_options(staff.secure_cookies))
        return response

    @router.get("/", name="staff_overview", response_model=None)
    def overview(request: Request, user: Annotated[StaffUser, Depends(require_staff)]) -> Response:
        staff = _staff(request)
        today = staff.clock().astimezone(STAFF_TIMEZONE).date()
        summary = staff.log.summary(today - timedelta(days=OVERVIEW_DAYS - 1), today)
        labels = [day.day.strftime("%m-%d") for day in summary.days]
        questions_chart = bar_chart("每日提问数", labels, [day.questions for day in summary.days])
        rates_chart = line_chart(
            "每日回答率与未找到率",
            labels,
            [
                Series("回答率", "#2e8b57", [day.answered_rate for day in summary.days]),
                Series("未找到率", "#c0392b", [day.refusal_rate for day in summary.days]),
            ],
        )
        answered = sum(day.answered for day in summary.days)
        refused = sum(day.refused for day in summary.days)
        gaps = list(staff.top_gaps(TOP_GAPS)) if staff.top_gaps is not None else None
        return render(
            request,
            "overview.html",
            user=user,
            title="概览",
            days=OVERVIEW_DAYS,
            total=summary.questions,
            answered=answered,
            refused=refused,
            answered_rate=f"{answered / summary.questions:.0%}" if summary.questions else "—",
            refusal_rate=f"{refused / summary.questions:.0%}" if summary.questions else "—",
            ratings=[(RATING_LABELS[key], summary.ratings.get(key, 0)) for key in RATING_LABELS],
            kinds=[(KIND_LABELS[key], summary.kinds.get(key, 0)) for key in KIND_LABELS],
            questions_chart=questions_chart,
            rates_chart=rates_chart,
            gaps=gaps,
        )

    return router
