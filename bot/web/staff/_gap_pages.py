"""The gap pages: the ranked groups of questions the bot did not answer well, one group's examples and
decisions, and answering a group with a curated answer (a new one from a reviewed draft, or an
existing one). Questions are shown with typed numbers masked and applicants as pseudonyms."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from bot.web.staff._charts import sparkline
from bot.web.staff._context import StaffContext
from bot.web.staff._curated_pages import CuratedForm, form_choices, form_fields, publish, staff_time
from bot.web.staff._log_pages import KIND_LABELS, RATING_LABELS
from bot.web.staff._pseudonym import mask_numbers
from bot.web.staff._render import message_page, render
from bot.web.staff._security import StaffUser, require_staff, staff_page_router
from conversations import GapAnalytics, GapGroup, GapNotFound
from conversations._store import GapDecisionRow, QuestionLogRow, UserRow

REASON_LABELS = {
    "refused": "拒答",
    "related": "相关条款",
    "low_confidence": "低置信度",
    "useless": "评为没用",
    "reasked": "换说法重问",
}
STATUS_LABELS = {"new": "待处理", "resolved": "已解决", "ignored": "已忽略"}
STATUS_FILTERS = {"new": "待处理", "resolved": "已解决", "ignored": "已忽略", "all": "全部"}
DECISION_LABELS = {"new": "恢复为待处理", "resolved": "已解决", "ignored": "忽略"}
EXAMPLES_SHOWN = 50
ANSWER_PREVIEW_CHARS = 200


@dataclass(frozen=True)
class GapRow:
    """One group as the list shows it."""

    key: str
    question: str
    count: int
    score: str
    reasons: list[str]  # 拒答 ×3
    programmes: list[str]
    channels: list[str]
    first_seen: str
    last_seen: str
    status: str
    trend: Markup


@dataclass(frozen=True)
class ExampleRow:
    time: str
    applicant: str
    channel: str
    programme: str
    question: str
    answer: str
    kind: str
    confidence: str
    rating: str
    reasons: list[str]


@dataclass(frozen=True)
class DecisionRow:
    time: str
    action: str
    by: str
    curated_answer_id: int | None
    reverted: bool


def _staff(request: Request) -> StaffContext:
    return request.app.state.web.staff  # type: ignore[no-any-return]


def _gaps(staff: StaffContext) -> GapAnalytics:
    if staff.gaps is None:
        raise RuntimeError("the staff context has no gap analytics")
    return staff.gaps


def _day_label(days_back: int, today: date) -> str:
    return (today - timedelta(days=days_back)).strftime("%m-%d")


def gap_row(group: GapGroup, programme_labels: dict[str, str], today: date) -> GapRow:
    days = len(group.trend)
    labels = [_day_label(days - 1 - index, today) for index in range(days)]
    return GapRow(
        key=group.key,
        question=mask_numbers(group.representative),
        count=group.count,
        score=f"{group.score:.2f}",
        reasons=[f"{REASON_LABELS.get(reason, reason)} ×{count}" for reason, count in group.reasons.items()],
        programmes=[programme_labels.get(p, p) for p in group.programmes],
        channels=group.channels,
        first_seen=staff_time(group.first_seen),
        last_seen=staff_time(group.last_seen),
        status=STATUS_LABELS.get(group.status, group.status),
        trend=sparkline(f"最近 {days} 天每日次数", labels, group.trend),
    )


def _trend_today(gaps: GapAnalytics) -> date:
    """The last day of a group's trend: the analytics count questions per UTC day."""
    return gaps.clock().astimezone(UTC).date()


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


Text = Annotated[str, Form()]


def gap_pages_router() -> APIRouter:
    router = staff_page_router()

    @router.get("/gaps", name="staff_gaps", response_model=None)
    def gaps_page(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        status: str = "new",
        programme: str = "",
        since: str = "",
    ) -> Response:
        staff = _staff(request)
        gaps = _gaps(staff)
        status = status if status in STATUS_FILTERS else "new"
        since_day = _date(since)
        groups = gaps.groups(status=status, programme=programme or None, since=since_day)
        today = _trend_today(gaps)
        labels = staff.programme_labels()
        programmes = staff.log.programmes()  # those asked about: a gap's programme is one of them
        return render(
            request,
            "gaps.html",
            user=user,
            title="问题缺口",
            rows=[gap_row(group, labels, today) for group in groups],
            statuses=STATUS_FILTERS,
            form={"status": status, "programme": programme, "since": str(since_day or "")},
            programmes=[(p, labels.get(p, p)) for p in programmes],
        )

    @router.get("/gaps/{key}", name="staff_gap", response_model=None)
    def gap_page(request: Request, user: Annotated[StaffUser, Depends(require_staff)], key: str) -> Response:
        staff = _staff(request)
        group = _gaps(staff).group(key)
        if group is None:
            return _gone(request, key)
        return _group_page(request, user, staff, group)

    @router.post("/gaps/{key}/ignore", name="staff_gap_ignore", response_model=None)
    def ignore(request: Request, user: Annotated[StaffUser, Depends(require_staff)], key: str) -> Response:
        return _decide(request, key, lambda gaps: gaps.ignore(key, by=user.name))

    @router.post("/gaps/{key}/revert", name="staff_gap_revert", response_model=None)
    def revert(request: Request, user: Annotated[StaffUser, Depends(require_staff)], key: str) -> Response:
        return _decide(request, key, lambda gaps: gaps.revert(key, by=user.name))

    @router.get("/gaps/{key}/answer", name="staff_gap_answer", response_model=None)
    def answer_form(
        request: Request, user: Annotated[StaffUser, Depends(require_staff)], key: str
    ) -> Response:
        staff = _staff(request)
        group = _gaps(staff).group(key)
        if group is None:
            return _gone(request, key)
        return _answer_page(request, user, staff, group, _drafted_form(staff, group), drafted=True)

    @router.post("/gaps/{key}/answer", response_model=None)
    def publish_answer(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        key: str,
        question: Text = "",
        answer: Text = "",
        phrasings: Text = "",
        programme: Text = "",
        cite_file: Text = "",
        cite_section: Text = "",
    ) -> Response:
        staff = _staff(request)
        gaps = _gaps(staff)
        group = gaps.group(key)
        if group is None:
            return _gone(request, key)
        form = form_fields(question, answer, phrasings, programme, cite_file, cite_section)
        try:
            added = publish(staff, form, user.name)
        except ValueError as error:
            return _answer_page(request, user, staff, group, form, drafted=False, error=str(error))
        # Regrouped meanwhile: the answer is saved and serves; the group shows as new.
        with suppress(GapNotFound):
            gaps.resolve(key, curated_answer_id=added.id, by=user.name)
        return RedirectResponse(f"/staff/gaps/{key}", status_code=303)

    @router.post("/gaps/{key}/link", name="staff_gap_link", response_model=None)
    def link_answer(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        key: str,
        curated_answer_id: Text = "",
    ) -> Response:
        staff = _staff(request)
        gaps = _gaps(staff)
        group = gaps.group(key)
        if group is None:
            return _gone(request, key)
        curated = staff.curated
        existing = curated.get(int(curated_answer_id)) if curated and curated_answer_id.isdigit() else None
        if curated is None or existing is None or not existing.active:
            return _group_page(request, user, staff, group, error="请选择一条使用中的协会答复。", status=400)
        # Its questions become the answer's phrasings, so the paraphrases get the answer from now on.
        curated.add_phrasings(existing.id, _phrasings(group), by=user.name)
        gaps.resolve(key, curated_answer_id=existing.id, by=user.name)
        return RedirectResponse(f"/staff/gaps/{key}", status_code=303)

    return router


def _decide(request: Request, key: str, decide: Callable[[GapAnalytics], GapGroup]) -> Response:
    gaps = _gaps(_staff(request))
    try:
        decide(gaps)
    except GapNotFound as error:
        return message_page(request, 404, str(error))
    return RedirectResponse(f"/staff/gaps/{key}", status_code=303)


def _gone(request: Request, key: str) -> Response:
    message = f"没有这个问题组：{key}（问题记录变化后可能已重新分组，请回到列表刷新）。"
    return message_page(request, 404, message)


def _phrasings(group: GapGroup) -> list[str]:
    """The group's questions as phrasings of its answer: oldest first, numbers masked (an applicant's
    phone number is no part of how a question is asked)."""
    seen: list[str] = []
    for question in reversed(group.questions):
        text = mask_numbers(question.question).strip()
        if text and text not in seen:
            seen.append(text)
    return seen


def _only_programme(group: GapGroup) -> str | None:
    return group.programmes[0] if len(group.programmes) == 1 else None


def _drafted_form(staff: StaffContext, group: GapGroup) -> CuratedForm:
    question = mask_numbers(group.representative)
    programme = _only_programme(group)
    draft = staff.draft(question, programme) if staff.draft is not None else None
    return CuratedForm(
        question=question,
        answer=draft.answer if draft is not None else "",
        phrasings="\n".join(p for p in _phrasings(group) if p != question),
        programme=programme if programme in staff.programme_labels() else "",
        cite_file=(draft.cite_file or "") if draft is not None else "",
        cite_section=(draft.cite_section or "") if draft is not None else "",
    )


def _answer_page(
    request: Request,
    user: StaffUser,
    staff: StaffContext,
    group: GapGroup,
    form: CuratedForm,
    *,
    drafted: bool,
    error: str | None = None,
) -> Response:
    return render(
        request,
        "gap_answer.html",
        user=user,
        status=400 if error else 200,
        title="写协会答复",
        group=group,
        question=mask_numbers(group.representative),
        form=form,
        drafted=drafted and bool(form.answer),
        no_draft=drafted and not form.answer,
        error=error,
        action=f"/staff/gaps/{group.key}/answer",
        choices=form_choices(staff, form),
    )


def _group_page(
    request: Request,
    user: StaffUser,
    staff: StaffContext,
    group: GapGroup,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    curated = staff.curated
    linked = curated.get(group.curated_answer_id) if curated and group.curated_answer_id else None
    today = _trend_today(_gaps(staff))
    return render(
        request,
        "gap.html",
        user=user,
        status=status,
        title="问题组",
        group=group,
        row=gap_row(group, staff.programme_labels(), today),
        status_label=STATUS_LABELS.get(group.status, group.status),
        examples=_examples(staff, group),
        shown=min(group.count, EXAMPLES_SHOWN),
        decisions=_decisions(staff, group),
        linked=linked,
        answers=curated.all() if curated is not None else [],
        error=error,
    )


def _examples(staff: StaffContext, group: GapGroup) -> list[ExampleRow]:
    questions = group.questions[:EXAMPLES_SHOWN]
    ids = [question.id for question in questions]
    with staff.store.session() as session:
        # The applicant of each question, only to compute the pseudonym: the id is never shown.
        found = session.execute(
            select(QuestionLogRow.id, UserRow.channel_user_id)
            .join(UserRow, UserRow.id == QuestionLogRow.user_id)
            .where(QuestionLogRow.id.in_(ids))
        )
        users = {int(question_id): str(user_id) for question_id, user_id in found}
    labels = staff.programme_labels()
    rows = []
    for question in questions:
        answer = mask_numbers(question.answer)
        if len(answer) > ANSWER_PREVIEW_CHARS:
            answer = answer[:ANSWER_PREVIEW_CHARS] + "…"
        rows.append(
            ExampleRow(
                time=staff_time(question.created_at),
                applicant=staff.pseudonyms.of(question.channel, users.get(question.id, "")),
                channel=question.channel,
                programme=labels.get(question.programme or "", question.programme or ""),
                question=mask_numbers(question.question),
                answer=answer,
                kind=KIND_LABELS.get(question.kind, question.kind),
                confidence=f"{question.confidence:.2f}",
                rating=RATING_LABELS.get(question.rating or "", "未评价"),
                reasons=[REASON_LABELS.get(reason, reason) for reason in question.reasons],
            )
        )
    return rows


def _decisions(staff: StaffContext, group: GapGroup) -> Sequence[DecisionRow]:
    """Every staff decision that covered a question of the group, newest first."""
    with staff.store.session() as session:
        rows = list(session.scalars(select(GapDecisionRow).order_by(GapDecisionRow.id.desc())))
    return [
        DecisionRow(
            time=staff_time(row.decided_at),
            action=DECISION_LABELS.get(row.status, row.status),
            by=row.decided_by,
            curated_answer_id=row.curated_answer_id,
            reverted=row.reverted_at is not None,
        )
        for row in rows
        if group.question_ids & {int(i) for i in row.question_ids}
    ]
