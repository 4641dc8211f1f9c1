"""The notice pages, driven as staff use them: upload next year's notice (prefilled fields, confirm,
background job), then the worker's dialogue answers it; refused uploads change nothing; withdraw,
restore and replace follow in the answers and flag the curated answers citing the notice."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import pytest
from docx import Document
from fastapi.testclient import TestClient

from bot._wiring import knowledge_base_with_curated
from bot.notice_jobs import NoticeJob, NoticeJobs
from bot.settings import Settings
from bot.web.staff._pending import PENDING_DIRNAME
from conversations import CuratedAnswerStore, Incoming, Store
from conversations._store import NoticeJobRow
from knowledge import MAX_UPLOAD_BYTES, KnowledgeBase, NoticeLibrary
from knowledge._index import read_current
from tests.bot.web.staff_app import STAFF_NAME, Clock, login, session_csrf, staff_client

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
HUBEI_QUESTION = "2027年湖北服务之星申报截止到哪天？"
GANSU_FILE = "gansu-2027-quality-award.docx"
GANSU_QUESTION = "甘肃质量奖的自评报告要多少字？"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        notices=corpus,
        public_base_url="https://bot.example.org",
        today=date(2027, 4, 1),
    )


@contextmanager
def notices_client(settings: Settings, database_url: str, clock: Clock) -> Iterator[TestClient]:
    """The app over a real knowledge base (the one-notice corpus, indexed) and store, with one staff
    account; not yet signed in."""

    def indexed(store: Store) -> KnowledgeBase:
        kb = knowledge_base_with_curated(settings, store)
        kb.ingest(NoticeLibrary(settings.resolved_notices(), settings.managed_notices_dir))
        return kb

    with staff_client(settings, database_url, clock, answerer=indexed, today=date(2027, 4, 1)) as client:
        yield client


@pytest.fixture
def client(settings: Settings, database_url: str, clock: Clock) -> Iterator[TestClient]:
    with notices_client(settings, database_url, clock) as test_client:
        assert login(test_client).status_code == 303
        yield test_client


def _kb(client: TestClient) -> KnowledgeBase:
    return client.app.state.web.dialogue.answerer  # type: ignore[attr-defined,no-any-return]


def _jobs(client: TestClient) -> NoticeJobs:
    return client.app.state.web.staff.jobs  # type: ignore[attr-defined,no-any-return]


def _store(client: TestClient) -> Store:
    return client.app.state.web.dialogue.store  # type: ignore[attr-defined,no-any-return]


def _upload(client: TestClient, filename: str, data: bytes, *, replace: str = "") -> httpx.Response:
    return client.post(
        "/staff/notices/upload",
        data={"csrf_token": session_csrf(client), "replace": replace},
        files={"file": (filename, data, "application/octet-stream")},
    )


def _form_fields(page: str) -> dict[str, str]:
    """The confirm form's fields as the browser would send them (inputs and the selected kind)."""
    form = re.search(r'<form method="post" action="/staff/notices/confirm">(.*?)</form>', page, re.S)
    assert form is not None, "no confirm form on the page"
    fields = {
        name: html.unescape(value) for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', form[1])
    }
    selected = re.search(r'<option value="(\w+)" selected>', form[1])
    fields["kind"] = selected[1] if selected else ""
    return fields


def _confirm(client: TestClient, page: str, **changes: str) -> NoticeJob:
    """Confirms the prefilled form (with `changes`), follows to the job page and waits for the job."""
    response = client.post("/staff/notices/confirm", data={**_form_fields(page), **changes})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    job_id = int(re.fullmatch(r"/staff/notices/jobs/(\d+)", location)[1])  # type: ignore[index]
    return _jobs(client).wait(job_id, timeout_s=60)


def _add_hubei(client: TestClient) -> NoticeJob:
    page = _upload(client, HUBEI_FILE, HUBEI.encode("utf-8"))
    assert page.status_code == 200, page.text
    job = _confirm(client, page.text)
    assert job.status == "done", job.message
    return job


def _change(client: TestClient, action: str, file: str, source: str = "staff") -> NoticeJob:
    form = client.get("/staff/notices/change", params={"action": action, "file": file, "source": source})
    assert form.status_code == 200 and 'name="confirmed"' in form.text
    data = {"csrf_token": session_csrf(client), "action": action, "file": file, "source": source}
    unconfirmed = client.post("/staff/notices/change", data=data)
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.text
    response = client.post("/staff/notices/change", data={**data, "confirmed": "yes"})
    assert response.status_code == 303, response.text
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    return _jobs(client).wait(job_id, timeout_s=60)


def _notice_row(client: TestClient, file: str) -> str:
    page = client.get("/staff/notices")
    assert page.status_code == 200
    row = next((r for r in re.findall(r"<tr>(.*?)</tr>", page.text, re.S) if f">{file}<" in r), None)
    assert row is not None, f"{file} not listed"
    return re.sub(r"\s+", " ", row)


def _gansu_docx() -> bytes:
    document = Document()
    document.add_paragraph("关于开展2027年度甘肃省质量奖评审工作的通知")
    document.add_paragraph("甘质协〔2027〕12号")
    document.add_paragraph("一、申报材料")
    document.add_paragraph("自评报告字数不少于2万字，须附组织结构图。")
    document.add_paragraph("甘肃省质量协会")
    document.add_paragraph("2027年2月15日")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_an_uploaded_txt_notice_is_prefilled_confirmed_and_answers_once_its_job_is_done(
    client: TestClient,
) -> None:
    assert not _kb(client).ask(HUBEI_QUESTION).answered
    form = client.get("/staff/notices/upload")
    assert form.status_code == 200 and 'accept=".docx,.pdf,.txt,.html"' in form.text
    page = _upload(client, HUBEI_FILE, HUBEI.encode("utf-8"))
    assert page.status_code == 200
    fields = _form_fields(page.text)
    assert fields["title"] == "关于开展2027年度湖北省用户满意服务之星活动的通知"
    assert fields["doc_number"] == "鄂质协〔2027〕7号"
    assert fields["issuer"] == "湖北省质量协会" and fields["published"] == "2027-03-01"
    assert fields["programme_year"] == "2027" and fields["region"] == "湖北省"
    assert fields["programme"] == "hubei-2027-service-star" and fields["kind"] == "notice"

    job = _confirm(client, page.text, issuer="湖北省质量协会（秘书处）")
    assert job.status == "done" and job.action == "add" and job.started_by == STAFF_NAME
    shown = client.get(f"/staff/notices/jobs/{job.id}")
    assert "新通知已生效" in shown.text and 'http-equiv="refresh"' not in shown.text
    assert 'href="/staff/notices/ask?programme=hubei-2027-service-star"' in shown.text

    client.app.state.web.dialogue.handle(Incoming(channel="wechat", user_id="u1", text=HUBEI_QUESTION))  # type: ignore[attr-defined]
    answer = _kb(client).ask(HUBEI_QUESTION)
    assert answer.answered and "2027年5月20日" in answer.answer
    assert [citation.file for citation in answer.citations] == [HUBEI_FILE]
    tried = client.get("/staff/notices/ask", params={"q": HUBEI_QUESTION})
    assert "2027年5月20日" in tried.text and HUBEI_FILE in tried.text
    row = _notice_row(client, HUBEI_FILE)
    assert "工作人员上传" in row and "有效" in row and STAFF_NAME in row
    entry = next(r for r in client.app.state.web.staff.library.notices() if r.file == HUBEI_FILE)  # type: ignore[attr-defined]
    assert entry.issuer == "湖北省质量协会（秘书处）"  # the edited field, not the prefilled one
    assert not any((client.app.state.web.settings.data_dir / PENDING_DIRNAME).iterdir())  # type: ignore[attr-defined]


def test_an_uploaded_word_notice_is_prefilled_from_its_text_and_answers(client: TestClient) -> None:
    page = _upload(client, GANSU_FILE, _gansu_docx())
    assert page.status_code == 200, page.text
    fields = _form_fields(page.text)
    assert fields["title"] == "关于开展2027年度甘肃省质量奖评审工作的通知"
    assert fields["doc_number"] == "甘质协〔2027〕12号" and fields["published"] == "2027-02-15"
    job = _confirm(client, page.text, programme="gansu-2027-quality-award")
    assert job.status == "done", job.message
    answer = _kb(client).ask(GANSU_QUESTION)
    assert answer.answered and "2万字" in answer.answer
    assert [citation.file for citation in answer.citations] == [GANSU_FILE]


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("hubei-2027.docx", b"PK\x03\x04 a truncated Word file", "已损坏"),
        ("hubei-2027.txt", b"", "是空文件"),
        ("setup.exe", b"MZ\x90\x00 not a notice", "不支持的文件类型 .exe"),
    ],
)
def test_an_unusable_upload_is_refused_with_its_reason_and_changes_nothing(
    client: TestClient, settings: Settings, filename: str, data: bytes, reason: str
) -> None:
    generation = read_current(settings.index_dir)
    before = _kb(client).ask("申报截止日期是什么时候？")
    response = _upload(client, filename, data)
    assert response.status_code == 400 and reason in response.text
    assert 'type="file"' in response.text  # the upload form again, to pick another file
    assert read_current(settings.index_dir) == generation
    assert not settings.managed_notices_dir.exists()
    assert not (settings.data_dir / PENDING_DIRNAME).exists()
    assert _jobs(client).recent() == []
    after = _kb(client).ask("申报截止日期是什么时候？")
    assert (after.answer, after.citations) == (before.answer, before.citations)


def test_a_refused_confirmation_shows_the_reason_and_keeps_the_fields_typed(client: TestClient) -> None:
    page = _upload(client, HUBEI_FILE, HUBEI.encode("utf-8"))
    response = client.post(
        "/staff/notices/confirm",
        data={**_form_fields(page.text), "programme_year": "二〇二七", "title": "新标题"},
    )
    assert response.status_code == 400 and "项目年度应为四位数字的年份" in response.text
    assert _form_fields(response.text)["title"] == "新标题"
    assert _jobs(client).recent() == []
    job = _confirm(client, response.text, programme_year="2027")  # the same upload, corrected
    assert job.status == "done", job.message


def test_an_upload_not_confirmed_within_an_hour_or_from_another_session_is_gone(
    client: TestClient, settings: Settings, database_url: str, clock: Clock
) -> None:
    page = _upload(client, HUBEI_FILE, HUBEI.encode("utf-8"))
    fields = _form_fields(page.text)
    other = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    assert login(other).status_code == 303  # the same staff member, another browser
    stolen = other.post("/staff/notices/confirm", data={**fields, "csrf_token": session_csrf(other)})
    assert stolen.status_code == 410 and "重新上传" in stolen.text
    clock.advance(61 * 60)
    late = client.post("/staff/notices/confirm", data=fields)
    assert late.status_code == 410
    assert not settings.managed_notices_dir.exists() and _jobs(client).recent() == []
    assert not any((settings.data_dir / PENDING_DIRNAME).iterdir())


def test_withdraw_stops_the_answers_and_flags_the_curated_answers_citing_it_until_restored(
    client: TestClient,
) -> None:
    _add_hubei(client)
    curated = CuratedAnswerStore(_store(client))
    citing = curated.add(
        question="湖北服务之星要经营几年才能申报",
        answer="须在湖北省内连续经营满3年。",
        by=STAFF_NAME,
        cite_file=HUBEI_FILE,
        cite_section="一、申报条件",
    )
    other = curated.add(question="青海的自评分数要求", answer="80分及以上。", by=STAFF_NAME)

    job = _change(client, "withdraw", HUBEI_FILE)
    assert job.status == "done", job.message
    assert "通知已撤回" in client.get(f"/staff/notices/jobs/{job.id}").text
    answer = _kb(client).ask(HUBEI_QUESTION)
    assert HUBEI_FILE not in [citation.file for citation in answer.citations]
    assert "2027年5月20日" not in answer.answer
    flagged = {entry.id: entry.flagged for entry in curated.all()}
    assert flagged[other.id] is None
    assert flagged[citing.id] is not None and "已被撤回" in flagged[citing.id]  # type: ignore[operator]
    assert "关于开展2027年度湖北省用户满意服务之星活动的通知" in flagged[citing.id]  # type: ignore[operator]
    row = _notice_row(client, HUBEI_FILE)
    assert "已撤回" in row and f"{STAFF_NAME} 已撤回于" in row and "action=restore" in row

    job = _change(client, "restore", HUBEI_FILE)
    assert job.status == "done", job.message
    answer = _kb(client).ask(HUBEI_QUESTION)
    assert answer.answered and [citation.file for citation in answer.citations] == [HUBEI_FILE]
    assert "有效" in _notice_row(client, HUBEI_FILE)


def test_a_replacement_answers_and_the_old_notice_is_shown_as_replaced(client: TestClient) -> None:
    _add_hubei(client)
    curated = CuratedAnswerStore(_store(client))
    citing = curated.add(
        question="湖北服务之星的截止日期", answer="2027年5月20日。", by=STAFF_NAME, cite_file=HUBEI_FILE
    )
    form = client.get("/staff/notices/upload", params={"replace": HUBEI_FILE})
    assert "替换" in form.text and f'name="replace" value="{HUBEI_FILE}"' in form.text
    revised = HUBEI.replace("2027年5月20日", "2027年6月30日")
    new_file = "hubei-2027-service-star-revised.txt"
    page = _upload(client, new_file, revised.encode("utf-8"), replace=HUBEI_FILE)
    assert page.status_code == 200 and "将替换 <strong>" in page.text
    job = _confirm(client, page.text)
    assert job.status == "done" and job.action == "replace" and job.file == HUBEI_FILE, job.message
    assert "新通知已生效" in client.get(f"/staff/notices/jobs/{job.id}").text
    answer = _kb(client).ask(HUBEI_QUESTION)
    assert answer.answered and "2027年6月30日" in answer.answer
    assert [citation.file for citation in answer.citations] == [new_file]
    old = _notice_row(client, HUBEI_FILE)
    assert "已替换" in old and f"由 {new_file} 替换" in old
    assert "有效" in _notice_row(client, new_file)
    assert "已被替换，请复核" in str(next(a for a in curated.all() if a.id == citing.id).flagged)


def test_the_base_notices_are_listed_as_samples_with_their_programme(client: TestClient) -> None:
    row = _notice_row(client, "qinghai-2025-notice.txt")
    assert "2025年青海省用户满意服务之星申报通知" in row and "qinghai-2025" in row
    assert "样例" in row and "有效" in row and "2025" in row and "青海省" in row


def test_a_withdrawn_sample_notice_stops_answering_and_its_folder_is_not_written(
    client: TestClient, corpus: Path
) -> None:
    question = "青海服务之星材料申报截止日期是哪天？"
    assert "2025年8月25日" in _kb(client).ask(question).answer
    before = sorted(path.name for path in corpus.iterdir())
    job = _change(client, "withdraw", "qinghai-2025-notice.txt", source="base")
    assert job.status == "done", job.message
    assert "2025年8月25日" not in _kb(client).ask(question).answer
    assert "已撤回" in _notice_row(client, "qinghai-2025-notice.txt")
    assert sorted(path.name for path in corpus.iterdir()) == before
    job = _change(client, "restore", "qinghai-2025-notice.txt", source="base")
    assert job.status == "done" and "2025年8月25日" in _kb(client).ask(question).answer


def test_a_running_job_page_refreshes_itself_and_shows_its_progress(client: TestClient) -> None:
    with _store(client).session() as session:
        row = NoticeJobRow(
            action="add",
            file=HUBEI_FILE,
            status="running",
            started_by=STAFF_NAME,
            done=1,
            total=3,
            current="a.txt",
        )
        session.add(row)
        session.commit()
        job_id = row.id
    page = client.get(f"/staff/notices/jobs/{job_id}")
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert 'value="33"' in page.text and "1 / 3" in page.text and "a.txt" in page.text
    assert "<script" not in page.text
    listed = client.get("/staff/notices").text
    assert f'href="/staff/notices/jobs/{job_id}"' in listed and "导入中" in listed


def test_an_anonymous_upload_is_refused_and_nothing_is_written(
    settings: Settings, database_url: str, clock: Clock
) -> None:
    with notices_client(settings, database_url, clock) as anonymous:
        response = _upload_raw(anonymous, "x")
        assert response.status_code == 401 and "请先登录" in response.text
        assert anonymous.get("/staff/notices").status_code == 303
    assert not settings.managed_notices_dir.exists() and not (settings.data_dir / PENDING_DIRNAME).exists()


def test_a_forged_csrf_token_on_the_multipart_upload_is_refused_and_nothing_is_written(
    client: TestClient, settings: Settings
) -> None:
    genuine = session_csrf(client)
    for token in ("forged", genuine[:-1] + ("A" if genuine[-1] != "A" else "B"), ""):
        response = _upload_raw(client, token)
        assert response.status_code == 403 and "安全校验失败" in response.text
    assert not settings.managed_notices_dir.exists() and not (settings.data_dir / PENDING_DIRNAME).exists()
    assert _jobs(client).recent() == []


def _upload_raw(client: TestClient, csrf: str) -> httpx.Response:
    return client.post(
        "/staff/notices/upload",
        data={"csrf_token": csrf},
        files={"file": (HUBEI_FILE, HUBEI.encode("utf-8"), "text/plain")},
    )


@pytest.mark.parametrize(
    ("extra", "status"),
    [(1, 400), (1024 * 1024, 413)],  # found reading the file; refused by its declared size, unread
)
def test_an_upload_over_the_size_limit_is_refused_with_the_limit_and_nothing_is_written(
    client: TestClient, settings: Settings, extra: int, status: int
) -> None:
    size = MAX_UPLOAD_BYTES + extra
    data = ("湖北" * (size // 6 + 1)).encode("utf-8")[:size]
    response = _upload(client, HUBEI_FILE, data)
    assert response.status_code == status and "超过上限 20 MB" in response.text
    assert not settings.managed_notices_dir.exists() and not (settings.data_dir / PENDING_DIRNAME).exists()
    assert _jobs(client).recent() == []
