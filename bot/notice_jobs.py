"""Background re-ingests started from the staff pages, with their progress in the `notice_jobs` table.

A staff member's change to the notices (`knowledge.NoticeLibrary`) is saved at once; the re-ingest
that makes the index follow runs here, in a daemon thread, one job at a time per `NoticeJobs`. Every
worker of `serve` can show a job's progress: it is in the database. Another process ingesting the
same index (`IndexBusyError`) keeps the job queued until it is done, up to `busy_wait_s`.

Each queued or running job holds a lease in the shared-state table, renewed while its owner lives.
A job whose lease lapsed (its process died mid-ingest) is shown as failed; the index is then still
the last generation that was fully built, because a build only ever swaps in a finished one.
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations import Store
from conversations._store import NoticeJobRow
from knowledge import IndexBusyError, IngestReport

if TYPE_CHECKING:
    from bot.shared_state import SharedState

logger = logging.getLogger(__name__)

JobAction = Literal["add", "replace", "withdraw", "restore", "reingest"]
JobStatus = Literal["queued", "running", "done", "failed"]
# (files done, files in all, the file just handled): what `KnowledgeBase.ingest` reports.
IngestProgress = Callable[[int, int, str], None]
RunIngest = Callable[[IngestProgress], IngestReport]
# Called after a successful job that changed what a notice says (replaced, withdrawn, restored):
# (file, action). The staff console flags the curated answers citing that file.
OnChange = Callable[[str, str], None]

CHANGING_ACTIONS = frozenset({"replace", "withdraw", "restore"})
_LEASE_PREFIX = "notice-job:"
INTERRUPTED = "导入被中断（服务重启或进程退出）；索引仍是上一次完整导入的版本。请重新提交这项操作。"
BUSY = "另一个导入一直在更新索引，本次未能开始；索引未改动。请稍后重新提交。"
INTERNAL_ERROR = "导入失败（内部错误）；索引未改动。请稍后重试或联系技术人员。"
WAITING = "另一个导入正在更新索引，等它结束后开始……"


class NoticeJob(BaseModel):
    """A job as the staff pages show it."""

    id: int
    action: str
    file: str
    status: JobStatus
    done: int
    total: int
    current: str
    message: str
    started_by: str
    created_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return round(100 * self.done / self.total) if self.total else 0


class NoticeJobs:
    """Runs re-ingest jobs in a background thread and records their progress."""

    def __init__(
        self,
        store: Store,
        run_ingest: RunIngest,
        on_change: OnChange | None = None,
        *,
        leases: SharedState | None = None,
        lease_ttl_s: float = 30.0,
        busy_wait_s: float = 300.0,
        busy_retry_s: float = 2.0,
    ) -> None:
        """`leases`: where job leases live (default: the store's database, seen by every worker)."""
        from bot.shared_state import DatabaseSharedState

        self._store = store
        self._run_ingest = run_ingest
        self._on_change = on_change
        self._leases = leases if leases is not None else DatabaseSharedState(store.engine)
        self._lease_ttl_s = lease_ttl_s
        self._busy_wait_s = busy_wait_s
        self._busy_retry_s = busy_retry_s
        self._owner = f"{os.getpid()}-{secrets.token_hex(6)}"
        self._queue: queue.Queue[int] = queue.Queue()
        self._owned: set[int] = set()
        self._owned_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._heart: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stopped = threading.Event()
        self.fail_interrupted()

    # --- public ---

    def start(self, action: JobAction, file: str, by: str) -> int:
        """Queues a re-ingest after `action` on `file` (for replace: the notice replaced) by staff
        member `by`; returns the job's id at once."""
        if action not in get_args(JobAction):
            raise ValueError(f"unknown notice job action {action!r}")
        with self._store.session() as session:
            row = NoticeJobRow(action=action, file=file, status="queued", started_by=by)
            session.add(row)
            session.commit()
            job_id = row.id
        self._leases.set(self._lease_key(job_id), self._owner, self._lease_ttl_s)
        with self._owned_lock:
            self._owned.add(job_id)
        self._ensure_worker()
        self._queue.put(job_id)
        return job_id

    def job(self, job_id: int) -> NoticeJob | None:
        with self._store.session() as session:
            row = session.get(NoticeJobRow, job_id)
            if row is None:
                return None
            self._fail_if_orphaned(session, [row])
            return _view(row)

    def recent(self, n: int = 20) -> list[NoticeJob]:
        """The latest `n` jobs, newest first."""
        with self._store.session() as session:
            rows = list(session.scalars(select(NoticeJobRow).order_by(NoticeJobRow.id.desc()).limit(n)))
            self._fail_if_orphaned(session, rows)
            return [_view(row) for row in rows]

    def wait(self, job_id: int, timeout_s: float = 60.0) -> NoticeJob:
        """The job once it finished (for the command line and tests); TimeoutError if it did not."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.job(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.finished:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"notice job {job_id} still {job.status} after {timeout_s} s")
            time.sleep(0.05)

    def fail_interrupted(self) -> int:
        """Marks failed every queued or running job whose owner is gone; returns how many."""
        with self._store.session() as session:
            rows = list(
                session.scalars(select(NoticeJobRow).where(NoticeJobRow.status.in_(("queued", "running"))))
            )
            return self._fail_if_orphaned(session, rows)

    def close(self) -> None:
        """Stops the worker after the job it runs (queued jobs stay queued, then read as interrupted)."""
        self._stopped.set()

    # --- the worker ---

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="notice-jobs", daemon=True)
                self._worker.start()
            if self._heart is None or not self._heart.is_alive():
                self._heart = threading.Thread(target=self._heartbeat, name="notice-job-leases", daemon=True)
                self._heart.start()

    def _work(self) -> None:
        while not self._stopped.is_set():
            try:
                job_id = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self._run(job_id)
            except Exception:  # the worker must outlive a job, whatever happened to it
                logger.exception("notice job %s failed unexpectedly", job_id)
                # When the database itself fails, the lease lapses and the job reads as interrupted.
                with suppress(Exception):
                    self._finish(job_id, "failed", INTERNAL_ERROR)
            finally:
                with self._owned_lock:
                    self._owned.discard(job_id)
                self._release(job_id)

    def _release(self, job_id: int) -> None:
        """Drops a finished job's lease; one that cannot be dropped simply expires."""
        try:
            self._leases.delete(self._lease_key(job_id))
        except Exception:
            logger.warning("could not drop the lease of notice job %s", job_id, exc_info=True)

    def _run(self, job_id: int) -> None:
        self._update(job_id, status="running", message="正在导入……")
        waited_since = time.monotonic()
        while True:
            try:
                report = self._run_ingest(lambda done, total, file: self._progress(job_id, done, total, file))
                break
            except IndexBusyError:
                if time.monotonic() - waited_since >= self._busy_wait_s:
                    self._finish(job_id, "failed", BUSY)
                    return
                self._update(job_id, status="queued", message=WAITING)
                time.sleep(self._busy_retry_s)
                self._update(job_id, status="running", message="正在导入……")
            except Exception as error:  # the serving generation is untouched: a build swaps only when done
                reason = str(error) if _is_chinese(str(error)) else f"{type(error).__name__}: {error}"
                logger.warning("notice job %s: ingest failed: %s", job_id, reason)
                self._finish(job_id, "failed", f"导入失败：{reason}。索引未改动。")
                return
        job = self.job(job_id)
        assert job is not None
        failed = next((s for s in report.skipped if s.file == job.file and job.action == "add"), None)
        warnings = "".join(f"\n已跳过 {s.file}：{s.reason}" for s in report.skipped)
        if failed is not None:
            self._finish(job_id, "failed", f"{failed.file} 未能编入索引：{failed.reason}{warnings}")
            return
        message = report.summary_line() + warnings
        if self._on_change is not None and job.action in CHANGING_ACTIONS:
            try:
                self._on_change(job.file, job.action)
            except Exception:  # the index is updated; only the flagging of answers failed
                logger.exception("notice job %s: on_change(%r, %r) failed", job_id, job.file, job.action)
                message += "\n注意：引用这份通知的标准答案未能标记，请人工检查。"
        self._finish(job_id, "done", message, done=report.files_seen, total=report.files_seen)

    def _heartbeat(self) -> None:
        """Renews the leases of this process's jobs while they wait or run."""
        interval = max(self._lease_ttl_s / 3, 0.05)
        while not self._stopped.wait(interval):
            with self._owned_lock:
                owned = list(self._owned)
            for job_id in owned:
                try:
                    self._leases.set(self._lease_key(job_id), self._owner, self._lease_ttl_s)
                except Exception:  # a database hiccup: the next beat tries again
                    logger.warning("could not renew the lease of notice job %s", job_id, exc_info=True)

    # --- rows ---

    def _progress(self, job_id: int, done: int, total: int, file: str) -> None:
        self._update(job_id, done=done, total=total, current=file[:255])

    def _update(self, job_id: int, **values: object) -> None:
        with self._store.session() as session:
            row = session.get(NoticeJobRow, job_id)
            if row is None:
                return
            for name, value in values.items():
                setattr(row, name, value)
            session.commit()

    def _finish(self, job_id: int, status: JobStatus, message: str, **values: object) -> None:
        self._update(job_id, status=status, message=message, finished_at=_utcnow(), current="", **values)

    def _fail_if_orphaned(self, session: Session, rows: list[NoticeJobRow]) -> int:
        """Running or queued rows whose lease lapsed belong to a process that died: failed. A row
        younger than a lease is spared: its owner takes the lease just after inserting it."""
        failed = 0
        grace = _utcnow() - timedelta(seconds=self._lease_ttl_s)
        for row in rows:
            if row.status not in ("queued", "running") or _aware(row.created_at) > grace:
                continue
            if self._leases.get(self._lease_key(row.id)) is None:
                row.status, row.message, row.finished_at = "failed", INTERRUPTED, _utcnow()
                failed += 1
        if failed:
            session.commit()
        return failed

    @staticmethod
    def _lease_key(job_id: int) -> str:
        return f"{_LEASE_PREFIX}{job_id}"


def _view(row: NoticeJobRow) -> NoticeJob:
    return NoticeJob(
        id=row.id,
        action=row.action,
        file=row.file,
        status=row.status,  # type: ignore[arg-type]  # the column holds only JobStatus values
        done=row.done,
        total=row.total,
        current=row.current,
        message=row.message,
        started_by=row.started_by,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite returns the stored UTC times without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)
