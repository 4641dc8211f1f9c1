"""The background re-ingest behind the staff pages' notice changes: progress and failures recorded
where every worker can read them, one ingest at a time, crashed jobs shown as failed, and a new
notice answering at once in another process's knowledge base."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.notice_jobs import BUSY, INTERRUPTED, NoticeJobs
from conversations import Store
from conversations._store import NoticeJobRow
from knowledge import CatalogError, IngestReport, KnowledgeBase, KnowledgeConfig, NoticeLibrary
from knowledge._index import ingest_lock

HUBEI_FILE = "hubei-2027-service-star.txt"
HUBEI = """\
关于开展2027年度湖北省用户满意服务之星活动的通知
鄂质协〔2027〕7号

一、申报条件
申报单位须在湖北省内连续经营满3年。
二、申报时间
申报截止时间：2027年5月20日。逾期不予受理。

湖北省质量协会
2027年3月1日
"""
BASE = """\
2025年青海省用户满意服务之星申报通知

一、申报要求
自评分数80分及以上方可申报。
二、申报时间
材料申报截止日期为2025年8月25日。逾期不予受理。
"""


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.close()


@pytest.fixture
def library(tmp_path: Path) -> NoticeLibrary:
    base = tmp_path / "base"
    base.mkdir()
    (base / "qinghai-2025-notice.txt").write_text(BASE, encoding="utf-8")
    return NoticeLibrary(base, tmp_path / "managed")


@pytest.fixture
def config(tmp_path: Path) -> KnowledgeConfig:
    return KnowledgeConfig(index_dir=tmp_path / "index")


def report(files: int = 1) -> IngestReport:
    return IngestReport(generation="gen-000002", changed=True, embedder="test", files_seen=files)


def test_progress_is_recorded_while_the_job_runs_and_the_summary_when_done(store: Store) -> None:
    seen: list[tuple[str, int, int, str]] = []
    jobs: NoticeJobs

    def run_ingest(progress) -> IngestReport:
        for done, name in enumerate(["a.txt", "b.txt", "c.txt"], start=1):
            progress(done, 3, name)
            job = jobs.job(job_id)
            assert job is not None
            seen.append((job.status, job.done, job.total, job.current))
        return report(files=3)

    jobs = NoticeJobs(store, run_ingest)
    job_id = jobs.start("add", "c.txt", "李老师")
    job = jobs.wait(job_id, timeout_s=10)
    assert seen == [("running", 1, 3, "a.txt"), ("running", 2, 3, "b.txt"), ("running", 3, 3, "c.txt")]
    assert (job.status, job.percent, job.started_by, job.action) == ("done", 100, "李老师", "add")
    assert "索引已更新：3 个文件" in job.message and job.finished_at is not None
    assert [j.id for j in jobs.recent(5)] == [job_id]


def test_a_failed_ingest_is_recorded_with_its_reason(store: Store) -> None:
    def run_ingest(progress) -> IngestReport:
        progress(1, 2, "a.txt")
        raise CatalogError("catalog.yaml: 不是有效的 YAML（第 3 行）。")

    jobs = NoticeJobs(store, run_ingest)
    job = jobs.wait(jobs.start("replace", "a.txt", "李老师"), timeout_s=10)
    assert job.status == "failed"
    assert "不是有效的 YAML" in job.message and "索引未改动" in job.message
    assert job.finished_at is not None


def test_jobs_of_one_process_run_one_at_a_time(store: Store) -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def run_ingest(progress) -> IngestReport:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return report()

    jobs = NoticeJobs(store, run_ingest)
    ids = [jobs.start("withdraw", f"{n}.txt", "李老师") for n in range(3)]
    assert [jobs.wait(i, timeout_s=10).status for i in ids] == ["done"] * 3
    assert most == 1


def test_a_job_waits_for_another_process_ingest_then_runs(
    store: Store, library: NoticeLibrary, config: KnowledgeConfig
) -> None:
    kb = KnowledgeBase(config)
    jobs = NoticeJobs(store, lambda progress: kb.ingest(library, progress), busy_wait_s=10, busy_retry_s=0.05)
    with ingest_lock(config.index_dir):  # the command line's ingest, say
        job_id = jobs.start("reingest", "", "李老师")
        deadline = time.monotonic() + 5
        while (job := jobs.job(job_id)) is not None and "等它结束" not in job.message:
            assert time.monotonic() < deadline, job
            time.sleep(0.02)
        assert job is not None and job.status == "queued"
    assert jobs.wait(job_id, timeout_s=30).status == "done"


def test_a_job_gives_up_on_an_index_that_stays_busy(
    store: Store, library: NoticeLibrary, config: KnowledgeConfig
) -> None:
    kb = KnowledgeBase(config)
    jobs = NoticeJobs(
        store, lambda progress: kb.ingest(library, progress), busy_wait_s=0.2, busy_retry_s=0.05
    )
    with ingest_lock(config.index_dir):
        job = jobs.wait(jobs.start("reingest", "", "李老师"), timeout_s=10)
    assert (job.status, job.message) == ("failed", BUSY)
    assert not kb.has_index()


def test_a_job_whose_process_died_is_shown_as_failed_on_the_next_start(store: Store) -> None:
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    with store.session() as session:
        crashed = NoticeJobRow(action="add", file="a.txt", status="running", done=1, total=4)
        crashed.created_at = long_ago
        elsewhere = NoticeJobRow(action="add", file="b.txt", status="running")
        elsewhere.created_at = long_ago
        session.add_all([crashed, elsewhere])
        session.commit()
        crashed_id, elsewhere_id = crashed.id, elsewhere.id
    # Another worker, alive, renews the lease of the job it runs.
    from bot.shared_state import DatabaseSharedState

    DatabaseSharedState(store.engine).set(f"notice-job:{elsewhere_id}", "another-worker", 60)

    jobs = NoticeJobs(store, lambda progress: report())
    crashed_job, elsewhere_job = jobs.job(crashed_id), jobs.job(elsewhere_id)
    assert crashed_job is not None and elsewhere_job is not None
    assert (crashed_job.status, crashed_job.message) == ("failed", INTERRUPTED)
    assert elsewhere_job.status == "running"


def test_a_running_job_keeps_its_lease_and_is_not_taken_for_a_crashed_one(store: Store) -> None:
    release = threading.Event()

    def run_ingest(progress) -> IngestReport:
        release.wait(5)
        return report()

    jobs = NoticeJobs(store, run_ingest, lease_ttl_s=0.3)
    job_id = jobs.start("add", "a.txt", "李老师")
    time.sleep(0.8)  # longer than a lease: only the heartbeat keeps it
    other_worker = NoticeJobs(store, lambda progress: report(), lease_ttl_s=0.3)
    job = other_worker.job(job_id)
    assert job is not None and job.status == "running"
    release.set()
    assert jobs.wait(job_id, timeout_s=10).status == "done"


def test_changes_to_a_notice_are_announced_once_the_index_follows(store: Store) -> None:
    changes: list[tuple[str, str]] = []
    jobs = NoticeJobs(
        store, lambda progress: report(), on_change=lambda file, action: changes.append((file, action))
    )
    for action in ("add", "replace", "withdraw", "restore"):
        jobs.wait(jobs.start(action, f"{action}.txt", "李老师"), timeout_s=10)
    assert changes == [("replace.txt", "replace"), ("withdraw.txt", "withdraw"), ("restore.txt", "restore")]

    def failing(file: str, action: str) -> None:
        raise RuntimeError("store down")

    jobs = NoticeJobs(store, lambda progress: report(), on_change=failing)
    job = jobs.wait(jobs.start("withdraw", "a.txt", "李老师"), timeout_s=10)
    assert job.status == "done" and "未能标记" in job.message


def test_an_added_notice_answers_at_once_in_another_knowledge_base(
    store: Store, library: NoticeLibrary, config: KnowledgeConfig
) -> None:
    staff_side = KnowledgeBase(config)
    staff_side.ingest(library)
    applicant_side = KnowledgeBase(config)  # another worker's, opened before the upload
    question = "2027年湖北服务之星申报截止到哪天？"
    assert not applicant_side.ask(question).answered

    data = HUBEI.encode("utf-8")
    library.add(HUBEI_FILE, data, library.prefill(HUBEI_FILE, data), by="李老师")
    jobs = NoticeJobs(store, lambda progress: staff_side.ingest(library, progress))
    job = jobs.wait(jobs.start("add", HUBEI_FILE, "李老师"), timeout_s=60)
    assert job.status == "done", job.message

    answer = applicant_side.ask(question)
    assert answer.answered and "2027年5月20日" in answer.answer
    assert [citation.file for citation in answer.citations] == [HUBEI_FILE]
