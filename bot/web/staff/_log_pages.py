"""The question log page and its CSV / XLSX exports: the same filters, applicants as pseudonyms, typed
numbers masked, no channel id anywhere."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.web._forms import content_disposition
from bot.web.staff._context import STAFF_TIMEZONE, StaffContext
from bot.web.staff._pseudonym import mask_numbers
from bot.web.staff._render import render
from bot.web.staff._security import StaffUser, require_staff, staff_page_router
from conversations import LogEntry, LogFilter
from conversations._analytics._log import KINDS, AnsweredFilter, RatingFilter

ANSWER_PREVIEW_CHARS = 120
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {"answer": "已回答", "related": "相关条款", "not_found": "未找到"}
RATING_LABELS = {"useful": "有用", "useless": "没用"}
EXPORT_HEADER = ["时间", "申请人", "渠道", "申报项目", "问题", "回答", "类型", "置信度", "评价"]
EXPORT_WIDTHS = [18, 16, 10, 26, 50, 70, 10, 8, 8]
FILTER_FIELDS = ("date_from", "date_to", "programme", "channel", "answered", "kind", "rating", "q")


@dataclass(frozen=True)
class LogRow:
    """One logged question as staff see it."""

    time: str
    applicant: str
    channel: str
    programme: str
    question: str
    answer: str
    kind: str
    confidence: str
    rating: str

    def cells(self) -> list[str]:
        return [
            self.time,
            self.applicant,
            self.channel,
            self.programme,
            self.question,
            self.answer,
            self.kind,
            self.confidence,
            self.rating,
        ]


def log_filter_from(params: Mapping[str, str]) -> LogFilter:
    """The filter of the page's query string; unreadable values are ignored rather than refused."""
    answered = params.get("answered", "any")
    rating = params.get("rating", "any")
    kind = params.get("kind") or None
    return LogFilter(
        date_from=_date(params.get("date_from")),
        date_to=_date(params.get("date_to")),
        programme=params.get("programme") or None,
        channel=params.get("channel") or None,
        answered=answered if answered in get_args(AnsweredFilter) else "any",  # type: ignore[arg-type]
        kind=kind if kind in KINDS else None,
        rating=rating if rating in get_args(RatingFilter) else "any",  # type: ignore[arg-type]
        text=(params.get("q") or "").strip()[:200] or None,
    )


def log_row(staff: StaffContext, entry: LogEntry, *, full_answer: bool) -> LogRow:
    answer = mask_numbers(entry.answer)
    if not full_answer and len(answer) > ANSWER_PREVIEW_CHARS:
        answer = answer[:ANSWER_PREVIEW_CHARS] + "…"
    return LogRow(
        time=entry.created_at.astimezone(STAFF_TIMEZONE).strftime("%Y-%m-%d %H:%M"),
        applicant=staff.pseudonyms.of(entry.channel, entry.channel_user_id),
        channel=entry.channel,
        programme=entry.programme or "",
        question=mask_numbers(entry.question),
        answer=answer,
        kind=KIND_LABELS.get(entry.kind, entry.kind),
        confidence=f"{entry.confidence:.2f}",
        rating=RATING_LABELS.get(entry.rating or "", "未评价"),
    )


def log_router() -> APIRouter:
    router = staff_page_router()

    @router.get("/log", name="staff_log", response_model=None)
    def log_page(
        request: Request, user: Annotated[StaffUser, Depends(require_staff)], page: int = 1
    ) -> Response:
        staff: StaffContext = request.app.state.web.staff
        params = request.query_params
        found = staff.log.page(log_filter_from(params), page=page)
        kept = {name: params[name] for name in FILTER_FIELDS if params.get(name)}
        query = urlencode(kept)
        return render(
            request,
            "log.html",
            user=user,
            title="问答记录",
            rows=[log_row(staff, entry, full_answer=False) for entry in found.entries],
            found=found,
            form=kept,
            query=query,
            programmes=staff.log.programmes(),
            channels=staff.log.channels(),
            kinds=KIND_LABELS,
            previous_page=f"?{urlencode({**kept, 'page': found.page - 1})}" if found.page > 1 else None,
            next_page=f"?{urlencode({**kept, 'page': found.page + 1})}" if found.page < found.pages else None,
        )

    @router.get("/log.csv", name="staff_log_csv", response_model=None)
    def log_csv(request: Request) -> Response:
        staff: StaffContext = request.app.state.web.staff
        # UTF-8 with a BOM: Excel opens it as UTF-8 (Chinese) only with one.
        body = "\ufeff" + "".join(_csv_lines(staff, log_filter_from(request.query_params)))
        return Response(
            body.encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": content_disposition(_export_name("csv"))},
        )

    @router.get("/log.xlsx", name="staff_log_xlsx", response_model=None)
    def log_xlsx(request: Request) -> Response:
        staff: StaffContext = request.app.state.web.staff
        return Response(
            _xlsx(staff, log_filter_from(request.query_params)),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": content_disposition(_export_name("xlsx"))},
        )

    return router


def _csv_lines(staff: StaffContext, log_filter: LogFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    for entry in staff.log.all(log_filter):
        writer.writerow(_export_cells(log_row(staff, entry, full_answer=True)))
    yield buffer.getvalue()


def _xlsx(staff: StaffContext, log_filter: LogFilter) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "问答记录"
    sheet.append(EXPORT_HEADER)
    for entry in staff.log.all(log_filter):
        sheet.append(_export_cells(log_row(staff, entry, full_answer=True)))
    for index, width in enumerate(EXPORT_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _export_cells(row: LogRow) -> list[str]:
    """The row's cells, with a quote before any that a spreadsheet would run as a formula: applicants
    type the questions (CSV/formula injection)."""
    return ["'" + cell if cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell for cell in row.cells()]


def _export_name(extension: str) -> str:
    return f"问答记录-{date.today():%Y%m%d}.{extension}"


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
