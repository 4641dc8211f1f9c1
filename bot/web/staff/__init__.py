"""The staff pages under /staff/: login, overview, question log and its exports, gap groups
(`gap_pages_router`), curated answers (`curated_pages_router`) and notices, mounted by `bot.web.create_app`.

Adding a page: build its router with `staff_page_router()` (every route then requires a signed-in staff
member, and a valid CSRF token on POST), render with `render(request, "page.html", user=user, ...)`,
name the route as in `NAV_ENTRIES` to appear in the navigation, and include the router in
`staff_router(extra=[...])`. Read the worker's objects from ``request.app.state.web.staff``.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from bot.web.staff._accounts import (
    MIN_PASSWORD_CHARS,
    LoginRefusal,
    StaffAccount,
    StaffAccountError,
    StaffAccountInfo,
    StaffAccounts,
)
from bot.web.staff._context import STAFF_TIMEZONE, StaffContext, TopGap, staff_context
from bot.web.staff._curated_pages import curated_pages_router
from bot.web.staff._gap_pages import gap_pages_router
from bot.web.staff._log_pages import log_router
from bot.web.staff._notice_pages import notices_router
from bot.web.staff._pages import login_router, overview_router
from bot.web.staff._pseudonym import Pseudonyms, mask_numbers, pseudonym_key
from bot.web.staff._render import NAV_ENTRIES, NavEntry, RouteInfo, message_page, render, route_table
from bot.web.staff._security import (
    CSRF_FIELD,
    CSRF_HEADER,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    LoginTokens,
    StaffRefusal,
    StaffSecurityHeaders,
    StaffSessions,
    StaffUser,
    require_staff,
    staff_page_router,
)

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LOGIN_COOKIE",
    "MIN_PASSWORD_CHARS",
    "NAV_ENTRIES",
    "SESSION_COOKIE",
    "STAFF_TIMEZONE",
    "LoginRefusal",
    "LoginTokens",
    "NavEntry",
    "Pseudonyms",
    "RouteInfo",
    "StaffAccount",
    "StaffAccountError",
    "StaffAccountInfo",
    "StaffAccounts",
    "StaffContext",
    "StaffRefusal",
    "StaffSecurityHeaders",
    "StaffSessions",
    "StaffUser",
    "TopGap",
    "curated_pages_router",
    "gap_pages_router",
    "mask_numbers",
    "message_page",
    "mount_staff",
    "notices_router",
    "pseudonym_key",
    "render",
    "require_staff",
    "route_table",
    "staff_context",
    "staff_page_router",
    "staff_router",
]


def staff_router(extra: Sequence[APIRouter] = ()) -> APIRouter:
    """Every staff route: the login (the only anonymous one), the overview, the log, and `extra` pages."""
    router = APIRouter()
    router.include_router(login_router())
    router.include_router(overview_router())
    router.include_router(log_router())
    router.include_router(notices_router())
    for page in extra:
        router.include_router(page)
    return router


def mount_staff(app: FastAPI, extra: Sequence[APIRouter] = ()) -> None:
    """The staff routes, the handler that turns the gate's refusals into pages, and the headers."""
    app.include_router(staff_router(extra))
    app.add_exception_handler(StaffRefusal, _refusal_response)  # type: ignore[arg-type]
    app.add_middleware(StaffSecurityHeaders)


async def _refusal_response(request: Request, refusal: StaffRefusal) -> Response:
    if refusal.location is not None:
        return RedirectResponse(refusal.location, status_code=refusal.status)
    return message_page(request, refusal.status, refusal.message)
