"""The notices staff manage: the list, the two-step upload (file, then its catalog fields), replace,
withdraw and restore, the background job's progress, and a page to try a question on the index.

A change is saved in the `NoticeLibrary` at once; the re-ingest that makes the answers follow runs as
a `NoticeJobs` job, whose page refreshes itself (a meta refresh: the CSP allows no script).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from bot.notice_jobs import NoticeJob, NoticeJobs
from bot.web.staff._context import STAFF_TIMEZONE, StaffContext
from bot.web.staff._pending import PENDING_DIRNAME, PendingUploads
from bot.web.staff._render import message_page, render
from bot.web.staff._security import SESSION_COOKIE, StaffUser, require_staff, staff_page_router
from knowledge import MAX_UPLOAD_BYTES, DocumentMeta, NoticeLibrary, NoticeRecord, NoticeRejected

ACCEPTED_SUFFIXES = ".docx,.pdf,.txt,.html"
REFRESH_S = 2
RECENT_JOBS = 10
READ_CHUNK = 1024 * 1024
# A multipart body carries the file plus its boundaries and the other fields.
MULTIPART_OVERHEAD = 64 * 1024
SOURCE_LABELS = {"base": "样例", "staff": "工作人员上传"}
STATUS_LABELS = {"active": "有效", "withdrawn": "已撤回", "replaced": "已替换"}
JOB_STATUS_LABELS = {"queued": "排队中", "running": "导入中", "done": "已完成", "failed": "失败"}
ACTION_LABELS = {
    "add": "新增",
    "replace": "替换",
    "withdraw": "撤回",
    "restore": "恢复",
    "reingest": "重新导入",
}
KIND_CHOICES = (
    ("notice", "申报通知"),
    ("forms", "申报表格"),
    ("rules", "评价规则"),
    ("examples", "事迹样例"),
)
DEFAULT_KIND = "notice"  # the text does not say; an upload is most often next year's notice
CATALOG_FIELDS = (
    "title",
    "issuer",
    "doc_number",
    "region",
    "programme",
    "programme_year",
    "published",
    "kind",
)
Change = Literal["withdraw", "restore"]
EXPIRED_UPLOAD = "这次上传已过期（超过一小时）或不属于当前登录，请重新上传文件。"
CHANGE_TEXT = {
    "withdraw": "撤回后，这份通知不再用于回答申请人；引用它的协会答复会被标记为待复核。"
    "文件会保留，可以随时恢复。",
    "restore": "恢复后，这份通知重新用于回答申请人。",
}


def _staff(request: Request) -> StaffContext:
    return request.app.state.web.staff  # type: ignore[no-any-return]


def _library(request: Request) -> NoticeLibrary:
    library = _staff(request).library
    assert library is not None, "the web app builds the notice library with the staff context"
    return library


def _jobs(request: Request) -> NoticeJobs:
    jobs = _staff(request).jobs
    assert jobs is not None, "the web app builds the notice jobs with the staff context"
    return jobs


def _pending(request: Request) -> PendingUploads:
    staff = _staff(request)
    return PendingUploads(request.app.state.web.settings.data_dir / PENDING_DIRNAME, clock=staff.clock)


def _session_token(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")  # require_staff saw a valid one


def notices_router() -> APIRouter:
    router = staff_page_router()

    @router.get("/notices", name="staff_notices", response_model=None)
    def notices(request: Request, user: Annotated[StaffUser, Depends(require_staff)]) -> Response:
        records = _library(request).notices()
        return render(
            request,
            "notices.html",
            user=user,
            title="通知管理",
            notices=[_notice_row(record) for record in records],
            jobs=[_job_row(job) for job in _jobs(request).recent(RECENT_JOBS)],
        )

    @router.get("/notices/upload", name="staff_notice_upload", response_model=None)
    def upload_form(
        request: Request, user: Annotated[StaffUser, Depends(require_staff)], replace: str = ""
    ) -> Response:
        old = _active_notice(request, replace) if replace else None
        if replace and old is None:
            return message_page(request, 404, f"通知 {replace} 不在使用中，无法替换。")
        return _upload_page(request, user, old, None, 200)

    async def upload(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        file: Annotated[UploadFile | None, File()] = None,
        replace: Annotated[str, Form()] = "",
    ) -> Response:
        old = _active_notice(request, replace) if replace else None
        if replace and old is None:
            return message_page(request, 404, f"通知 {replace} 不在使用中，无法替换。")
        if file is None or not file.filename:
            return _upload_page(request, user, old, "请选择要上传的通知文件。", 400)
        data = await _read_limited(file)
        try:
            if data is None:
                raise NoticeRejected(_too_big(file.filename))
            meta = _library(request).prefill(file.filename, data)
        except NoticeRejected as refusal:
            return _upload_page(request, user, old, refusal.reason, 400)
        token = _pending(request).save(_session_token(request), meta.file, replace or None, data)
        return _confirm_page(request, user, token, meta.file, _form_values(meta), old, None, 200)

    router.add_api_route(
        "/notices/upload",
        upload,
        methods=["POST"],
        name="staff_notice_upload_submit",
        response_model=None,
        route_class_override=BoundedUploadRoute,
    )

    @router.post("/notices/confirm", name="staff_notice_confirm", response_model=None)
    def confirm(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        token: Annotated[str, Form()] = "",
        title: Annotated[str, Form()] = "",
        issuer: Annotated[str, Form()] = "",
        doc_number: Annotated[str, Form()] = "",
        region: Annotated[str, Form()] = "",
        programme: Annotated[str, Form()] = "",
        programme_year: Annotated[str, Form()] = "",
        published: Annotated[str, Form()] = "",
        kind: Annotated[str, Form()] = "",
    ) -> Response:
        pending_uploads = _pending(request)
        pending = pending_uploads.load(_session_token(request), token)
        if pending is None:
            return message_page(
                request, 410, "这次上传已过期（超过一小时）或不属于当前登录，请重新上传文件。"
            )
        library = _library(request)
        old = _active_notice(request, pending.replace) if pending.replace else None
        fields = {
            "title": title,
            "issuer": issuer,
            "doc_number": doc_number,
            "region": region,
            "programme": programme,
            "programme_year": programme_year,
            "published": published,
            "kind": kind,
        }
        try:
            meta = _meta_from_form(pending.filename, fields)
            if pending.replace is not None:
                library.replace(pending.replace, pending.filename, pending.data, meta, by=user.name)
            else:
                library.add(pending.filename, pending.data, meta, by=user.name)
        except NoticeRejected as refusal:
            return _confirm_page(request, user, token, pending.filename, fields, old, refusal.reason, 400)
        pending_uploads.remove(token)
        if pending.replace is not None:
            job_id = _jobs(request).start("replace", pending.replace, user.name)  # the old file: flagged
        else:
            job_id = _jobs(request).start("add", pending.filename, user.name)
        return RedirectResponse(request.url_for("staff_notice_job", job_id=job_id).path, status_code=303)

    @router.get("/notices/change", name="staff_notice_change", response_model=None)
    def change_form(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        action: str = "",
        file: str = "",
        source: str = "",
    ) -> Response:
        record = _record(request, file, source)
        if action not in CHANGE_TEXT or record is None:
            return message_page(request, 404, f"找不到通知 {file}。")
        return _change_page(request, user, action, record, None, 200)  # type: ignore[arg-type]

    @router.post("/notices/change", name="staff_notice_change_submit", response_model=None)
    def change(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        action: Annotated[str, Form()] = "",
        file: Annotated[str, Form()] = "",
        source: Annotated[str, Form()] = "",
        confirmed: Annotated[str, Form()] = "",
    ) -> Response:
        record = _record(request, file, source)
        if action not in CHANGE_TEXT or record is None:
            return message_page(request, 404, f"找不到通知 {file}。")
        if confirmed != "yes":
            return _change_page(request, user, action, record, "请勾选确认后再提交。", 400)  # type: ignore[arg-type]
        library = _library(request)
        try:
            if action == "withdraw":
                library.withdraw(record.file, by=user.name)
            else:
                library.restore(record.file, by=user.name, source=record.source)
        except NoticeRejected as refusal:
            return _change_page(request, user, action, record, refusal.reason, 409)  # type: ignore[arg-type]
        job_id = _jobs(request).start(action, record.file, user.name)  # type: ignore[arg-type]
        return RedirectResponse(request.url_for("staff_notice_job", job_id=job_id).path, status_code=303)

    @router.get("/notices/jobs/{job_id}", name="staff_notice_job", response_model=None)
    def job_page(
        request: Request, user: Annotated[StaffUser, Depends(require_staff)], job_id: int
    ) -> Response:
        job = _jobs(request).job(job_id)
        if job is None:
            return message_page(request, 404, f"找不到导入任务 {job_id}。")
        notice = _notice_of(request, job)
        return render(
            request,
            "notice_job.html",
            user=user,
            title=f"导入任务 {job.id}",
            job=_job_row(job),
            raw=job,
            refresh_s=None if job.finished else REFRESH_S,
            notice=notice,
            programme=notice.programme if notice is not None else None,
        )

    @router.get("/notices/ask", name="staff_notice_ask", response_model=None)
    def try_question(
        request: Request,
        user: Annotated[StaffUser, Depends(require_staff)],
        q: str = "",
        programme: str = "",
    ) -> Response:
        """Asks the index directly, as an applicant would, without logging it as an applicant's question."""
        answerer = request.app.state.web.dialogue.answerer
        question = q.strip()[:500]
        answer = answerer.ask(question, programme or None) if question else None
        programmes = [(p.id, p.label) for p in answerer.programme_details()]
        return render(
            request,
            "notice_ask.html",
            user=user,
            title="试问",
            question=question,
            programme=programme,
            programmes=programmes,
            answer=answer,
        )

    return router


class BoundedUploadRoute(APIRoute):
    """Refuses an upload whose declared size passes the library's limit before its body is read: the
    form parser (and the CSRF gate after it) would otherwise spool all of it to disk first. A body
    without a declared size is bounded while the file is read (`_read_limited`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
                return message_page(request, 413, _too_big("上传的文件"))
            return await handler(request)

        return bounded


# --- reading the form -------------------------------------------------------------------------


async def _read_limited(file: UploadFile) -> bytes | None:
    """The upload's bytes, or None once they pass the library's limit (the rest is never read)."""
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(READ_CHUNK):
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(filename: str) -> str:
    return f"{filename} 超过上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB；请压缩或拆分后再上传。"


def _meta_from_form(filename: str, fields: dict[str, str]) -> DocumentMeta:
    """The catalog entry staff confirmed; `NoticeRejected` with the field's problem."""
    values = {name: value.strip() for name, value in fields.items()}
    if not values["title"]:
        raise NoticeRejected("请填写通知标题。")
    year = values["programme_year"]
    if year and not (year.isdigit() and len(year) == 4):
        raise NoticeRejected(f"项目年度应为四位数字的年份，例如 2027，而不是“{year}”。")
    return DocumentMeta(
        file=filename,
        title=values["title"],
        issuer=values["issuer"] or None,
        doc_number=values["doc_number"] or None,
        region=values["region"] or None,
        programme=values["programme"] or None,
        programme_year=int(year) if year else None,
        published=_published(values["published"]),
        kind=values["kind"] or None,
    )


def _published(text: str) -> date | int | str | None:
    """A date (2027-03-01), a year (2027), or the text as typed (the catalog accepts all three)."""
    if not text:
        return None
    if text.isdigit() and len(text) == 4:
        return int(text)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NoticeRejected(f"发布日期应写成 2027-03-01 或 2027，而不是“{text}”。") from None


# --- what the pages show ----------------------------------------------------------------------


def _active_notice(request: Request, file: str) -> NoticeRecord | None:
    return next((r for r in _library(request).notices() if r.file == file and r.status == "active"), None)


def _record(request: Request, file: str, source: str) -> NoticeRecord | None:
    return next((r for r in _library(request).notices() if r.file == file and r.source == source), None)


def _notice_of(request: Request, job: NoticeJob) -> NoticeRecord | None:
    """The notice a job is about: for a replacement, the one now in use in place of the old file."""
    records = _library(request).notices()
    record = next((r for r in records if r.file == job.file and r.status == "active"), None)
    if record is None:
        record = next((r for r in records if r.file == job.file), None)
    if job.action == "replace" and record is not None and record.status == "replaced" and record.replaced_by:
        record = next((r for r in records if r.file == record.replaced_by and r.status == "active"), record)
    return record


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite returns the stored UTC times without their zone
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STAFF_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def _notice_row(record: NoticeRecord) -> dict[str, object]:
    if record.status == "active":
        who, when = record.uploaded_by, record.uploaded_at
        history = f"{who} 上传于 {_when(when)}" if who else ""
    else:
        verb = STATUS_LABELS[record.status]
        history = f"{record.changed_by or ''} {verb}于 {_when(record.changed_at)}".strip()
        if record.replaced_by:
            history += f"（由 {record.replaced_by} 替换）"
    year = DocumentMeta.model_construct(
        file=record.file,
        programme=record.programme,
        programme_year=record.programme_year,
        published=record.published,
    ).year
    return {
        "record": record,
        "year": year or "",
        "source": SOURCE_LABELS[record.source],
        "status": STATUS_LABELS[record.status],
        "history": history,
    }


def _job_row(job: NoticeJob) -> dict[str, object]:
    return {
        "id": job.id,
        "action": ACTION_LABELS.get(job.action, job.action),
        "file": job.file,
        "status": job.status,
        "status_label": JOB_STATUS_LABELS[job.status],
        "percent": job.percent,
        "done": job.done,
        "total": job.total,
        "current": job.current,
        "message": job.message,
        "by": job.started_by,
        "created": _when(job.created_at),
        "finished": _when(job.finished_at),
    }


def _upload_page(
    request: Request, user: StaffUser, old: NoticeRecord | None, error: str | None, status: int
) -> Response:
    return render(
        request,
        "notice_upload.html",
        user=user,
        status=status,
        title="替换通知" if old is not None else "上传通知",
        old=old,
        error=error,
        accept=ACCEPTED_SUFFIXES,
        limit_mb=MAX_UPLOAD_BYTES // 1024 // 1024,
    )


def _form_values(meta: DocumentMeta) -> dict[str, str]:
    """The prefilled form: what the text gave, the kind a notice when it did not say, the year
    the programme id names."""
    values = {name: getattr(meta, name) for name in CATALOG_FIELDS}
    shown = {name: "" if value is None else str(value) for name, value in values.items()}
    shown["kind"] = shown["kind"] or DEFAULT_KIND
    if not shown["programme_year"] and (year := meta.year_from_programme()) is not None:
        shown["programme_year"] = str(year)  # the text left it to the programme id: show it anyway
    return shown


def _confirm_page(
    request: Request,
    user: StaffUser,
    token: str,
    file: str,
    values: dict[str, str],
    old: NoticeRecord | None,
    error: str | None,
    status: int,
) -> Response:
    return render(
        request,
        "notice_confirm.html",
        user=user,
        status=status,
        title="核对通知信息",
        token=token,
        file=file,
        values=values,
        kinds=KIND_CHOICES,
        old=old,
        error=error,
    )


def _change_page(
    request: Request, user: StaffUser, action: Change, record: NoticeRecord, error: str | None, status: int
) -> Response:
    return render(
        request,
        "notice_change.html",
        user=user,
        status=status,
        title=f"{ACTION_LABELS[action]}通知",
        action=action,
        verb=ACTION_LABELS[action],
        explanation=CHANGE_TEXT[action],
        notice=_notice_row(record),
        error=error,
    )
