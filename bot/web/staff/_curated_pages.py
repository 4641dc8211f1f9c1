"""The curated answers (协会答复) pages: the list, writing one by hand, editing with its version history,
removing, restoring and clearing a flag. The form is shared with the gap page's "写协会答复"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.web.staff._context import STAFF_TIMEZONE, StaffContext
from bot.web.staff._render import message_page, render
from bot.web.staff._security import StaffUser, require_staff, staff_page_router
from conversations import CuratedAnswer, CuratedAnswerNotFoundError, CuratedAnswerStore

STATUS_LABELS = {"active": "使用中", "removed": "已删除"}


@dataclass(frozen=True)
class CuratedForm:
    """What the staff typed into a curated-answer form, kept as typed so a refused form loses nothing."""

    question: str = ""
    answer: str = ""
    phrasings: str = ""  # one per line
    programme: str = ""
    cite_file: str = ""
    cite_section: str = ""

    @classmethod
    def of(cls, answer: CuratedAnswer) -> CuratedForm:
        return cls(
            question=answer.question,
            answer=answer.answer,
            phrasings="\n".join(answer.phrasings),
            programme=answer.programme or "",
            cite_file=answer.cite_file or "",
            cite_section=answer.cite_section or "",
        )

    def phrasing_lines(self) -> list[str]:
        return [line.strip() for line in self.phrasings.splitlines() if line.strip()]


@dataclass(frozen=True)
class FormChoices:
    """The programme and notice options of the form; a value saved earlier stays selectable even when
    the index no longer has it, so opening and saving an old answer does not change it."""

    programmes: dict[str, str] = field(default_factory=dict)  # id -> label
    notices: dict[str, str] = field(default_factory=dict)  # file -> title


def form_choices(staff: StaffContext, keep: CuratedForm | None = None) -> FormChoices:
    programmes, notices = staff.programme_labels(), staff.notice_titles()
    if keep is not None and keep.programme and keep.programme not in programmes:
        programmes[keep.programme] = keep.programme
    if keep is not None and keep.cite_file and keep.cite_file not in notices:
        notices[keep.cite_file] = keep.cite_file
    return FormChoices(programmes=programmes, notices=notices)


def form_error(staff: StaffContext, form: CuratedForm, saved: CuratedAnswer | None = None) -> str | None:
    """The Chinese reason the form cannot be saved beyond the store's own checks (empty, too long):
    a citation or programme the index does not know (one the answer already had is accepted)."""
    if form.cite_file.strip():
        known = staff.notice_titles()
        kept = saved is not None and saved.cite_file == form.cite_file.strip()
        if form.cite_file.strip() not in known and not kept:
            return f"引用的通知文件不存在：{form.cite_file.strip()}，请从列表中选择。"
    if form.programme.strip():
        kept = saved is not None and saved.programme == form.programme.strip()
        if form.programme.strip() not in staff.programme_labels() and not kept:
            return f"不认识的申报项目：{form.programme.strip()}，请从列表中选择。"
    return None


def publish(staff: StaffContext, form: CuratedForm, by: str) -> CuratedAnswer:
    """Saves a new curated answer from `form`; ValueError (Chinese) when it cannot be."""
    curated = _curated(staff)
    error = form_error(staff, form)
    if error is not None:
        raise ValueError(error)
    return curated.add(
        question=form.question,
        answer=form.answer,
        by=by,
        phrasings=form.phrasing_lines(),
        programme=form.programme or None,
        cite_file=form.cite_file or None,
        cite_section=form.cite_section or None,
    )


def form_fields(
    question: str, answer: str, phrasings: str, programme: str, cite_file: str, cite_section: str
) -> CuratedForm:
    return CuratedForm(
        question=question,
        answer=answer,
        phrasings=phrasings,
        programme=programme.strip(),
        cite_file=cite_file.strip(),
        cite_section=cite_section,
    )


def _curated(staff: StaffContext) -> CuratedAnswerStore:
    if staff.curated is None:
        raise RuntimeError("the staff context has no curated answers")
    return staff.curated


def _staff(request: Request) -> StaffContext:
    return request.app.state.web.staff  # type: ignore[no-any-return]


def staff_time(moment: datetime) -> str:
    """A stored moment in the associations' time (SQLite hands back naive UTC)."""
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return moment.astimezone(STAFF_TIMEZONE).strftime("%Y-%m-%d %H:%M")


Text = Annotated[str, Form()]


def curated_pages_router() -> APIRouter:
    router = staff_page_router()

    @router.get("/curated", name="staff_curated", response_model=None)
    def curated_list(
        request: Request, user: Annotated[StaffUser, Depends(require_staff)], tab: str = "active"
    ) -> Response:
        staff = _staff(request)
        removed_tab = tab == "removed"
        answers = [
            answer
            for answer in _curated(staff).all(include_removed=removed_tab)
            if answer.active != removed_tab
        ]
        # Flagged first: their notice changed, and the bot is not using them until someone looks.
        answers.sort(key=lambda answer: (answer.flagged is None, -answer.updated_at.timestamp()))
        return render(
            request,
            "curated.html",
            user=user,
            title="协会答复",
            answers=answers,
            removed_tab=removed_tab,
            programmes=staff.programme_labels(),
            time=staff_time,
        )

    @router.get("/curated/new", name="staff_curated_new", response_model=None)
    def new_form(request: Request, user: Annotated[StaffUser, Depends(require_staff)]) -> Response:
        return _edit_page(request, user, CuratedForm(), None, None)

    @router.post("/curated/new", response_model=None)
    def create(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        question: Text = "",
        answer: Text = "",
        phrasings: Text = "",
        programme: Text = "",
        cite_file: Text = "",
        cite_section: Text = "",
    ) -> Response:
        form = form_fields(question, answer, phrasings, programme, cite_file, cite_section)
        try:
            added = publish(_staff(request), form, user.name)
        except ValueError as error:
            return _edit_page(request, user, form, None, str(error), status=400)
        return RedirectResponse(f"/staff/curated/{added.id}?saved=1", status_code=303)

    @router.get("/curated/{answer_id}", name="staff_curated_edit", response_model=None)
    def edit_form(
        request: Request, user: Annotated[StaffUser, Depends(require_staff)], answer_id: int, saved: int = 0
    ) -> Response:
        found = _curated(_staff(request)).get(answer_id)
        if found is None:
            return message_page(request, 404, f"没有编号为 {answer_id} 的协会答复。")
        notice = "已保存。" if saved else None
        return _edit_page(request, user, CuratedForm.of(found), found, None, notice=notice)

    @router.post("/curated/{answer_id}", response_model=None)
    def edit(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        answer_id: int,
        question: Text = "",
        answer: Text = "",
        phrasings: Text = "",
        programme: Text = "",
        cite_file: Text = "",
        cite_section: Text = "",
    ) -> Response:
        staff = _staff(request)
        curated = _curated(staff)
        saved = curated.get(answer_id)
        if saved is None:
            return message_page(request, 404, f"没有编号为 {answer_id} 的协会答复。")
        form = form_fields(question, answer, phrasings, programme, cite_file, cite_section)
        try:
            error = form_error(staff, form, saved)
            if error is not None:
                raise ValueError(error)
            curated.edit(
                answer_id,
                by=user.name,
                question=form.question,
                answer=form.answer,
                phrasings=form.phrasing_lines(),
                programme=form.programme or None,
                cite_file=form.cite_file or None,
                cite_section=form.cite_section or None,
            )
        except ValueError as error:
            return _edit_page(request, user, form, saved, str(error), status=400)
        return RedirectResponse(f"/staff/curated/{answer_id}?saved=1", status_code=303)

    def status_action(path: str, act: str) -> None:
        def action(
            request: Request, user: Annotated[StaffUser, Depends(require_staff)], answer_id: int
        ) -> Response:
            curated = _curated(_staff(request))
            change = {"remove": curated.remove, "restore": curated.restore, "clear_flag": curated.clear_flag}
            try:
                change[act](answer_id, by=user.name)
            except CuratedAnswerNotFoundError as error:
                return message_page(request, 404, str(error))
            return RedirectResponse(f"/staff/curated/{answer_id}", status_code=303)

        router.add_api_route(path, action, methods=["POST"], response_model=None, name=f"staff_curated_{act}")

    status_action("/curated/{answer_id}/remove", "remove")
    status_action("/curated/{answer_id}/restore", "restore")
    status_action("/curated/{answer_id}/clear-flag", "clear_flag")
    return router


def _edit_page(
    request: Request,
    user: StaffUser,
    form: CuratedForm,
    saved: CuratedAnswer | None,
    error: str | None,
    *,
    status: int = 200,
    notice: str | None = None,
) -> Response:
    staff = _staff(request)
    versions = _curated(staff).versions(saved.id) if saved is not None else []
    return render(
        request,
        "curated_edit.html",
        user=user,
        status=status,
        title=f"协会答复 #{saved.id}" if saved is not None else "新建协会答复",
        form=form,
        saved=saved,
        error=error,
        notice=notice,
        action=f"/staff/curated/{saved.id}" if saved is not None else "/staff/curated/new",
        choices=form_choices(staff, form),
        versions=list(reversed(versions)),
        status_labels=STATUS_LABELS,
        time=staff_time,
        draft=None,
    )
