"""The curated answers pages: written by hand, edited (each save a version in the history), removed
and restored, flags cleared, with the dialogue over a one-notice index answering accordingly; a
refused form keeps what was typed; no page shows an applicant's channel id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conversations import CuratedAnswerStore
from tests.bot.web.curation_app import NOTICE_FILE, NOTICE_TITLE, curation_client, say
from tests.bot.web.staff_app import STAFF_NAME, Clock, hidden_csrf

ALICE = "oAlice-OpenID-7f3a91"
QUESTION = "申报材料寄到哪里"
ANSWER = "请寄至海安市质量协会（海安市长江中路1号）。"
PARAPHRASE = "申報材料郵寄到什麼地方？"


@pytest.fixture
def client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    with curation_client(tmp_path, database_url, Clock()) as test_client:
        yield test_client


def _curated(client: TestClient) -> CuratedAnswerStore:
    return client.app.state.web.staff.curated  # type: ignore[attr-defined,no-any-return]


def _fields(**changed: str) -> dict[str, str]:
    fields = {
        "question": QUESTION,
        "answer": ANSWER,
        "phrasings": "材料交到哪里\n材料邮寄地址",
        "programme": "",
        "cite_file": NOTICE_FILE,
        "cite_section": "三、申报材料",
    }
    return {**fields, **changed}


def _submit(client: TestClient, path: str, **fields: str) -> httpx.Response:
    page = client.get(path if not path.endswith(("/remove", "/restore", "/clear-flag")) else "/staff/curated")
    return client.post(path, data={"csrf_token": hidden_csrf(page.text), **fields})


def _create(client: TestClient, **changed: str) -> int:
    response = _submit(client, "/staff/curated/new", **_fields(**changed))
    assert response.status_code == 303, response.text[:500]
    found = re.fullmatch(r"/staff/curated/(\d+)\?saved=1", response.headers["location"])
    assert found is not None
    return int(found.group(1))


def _history(html: str) -> list[tuple[str, str, str]]:
    table = re.search(r'<table class="stack versions">(.*?)</table>', html, flags=re.S)
    assert table is not None
    cells = r'<td data-label="版本">(\d+)</td>.*?<td data-label="修改人">([^<]*)</td>.*?'
    rows = re.findall(cells + r'<td data-label="答复">([^<]*)</td>', table.group(1))
    return [(version, by, answer) for version, by, answer in rows]


def test_an_answer_written_by_hand_is_served_with_its_citation(client: TestClient) -> None:
    assert "协会答复" not in say(client, ALICE, PARAPHRASE)
    form = client.get("/staff/curated/new").text
    assert f'<option value="{NOTICE_FILE}">{NOTICE_TITLE}' in form  # the notices to cite
    assert '<option value="haian-2024-service-star">海安2024</option>' in form  # the index's programmes
    answer_id = _create(client)
    page = client.get(f"/staff/curated/{answer_id}?saved=1").text
    assert "已保存" in page and _history(page) == [("1", STAFF_NAME, ANSWER)]
    reply = say(client, ALICE, PARAPHRASE)
    assert f"协会答复：{ANSWER}" in reply and f"出处：《{NOTICE_TITLE}》三、申报材料" in reply
    listed = client.get("/staff/curated").text
    assert f'<a href="/staff/curated/{answer_id}">{QUESTION}</a>' in listed


def test_an_edit_is_a_new_version_in_the_history_and_served_at_once(client: TestClient) -> None:
    answer_id = _create(client)
    new_answer = "请寄至海安市质量协会（海安市人民路8号），信封注明“服务之星”。"
    response = _submit(client, f"/staff/curated/{answer_id}", **_fields(answer=new_answer))
    assert response.status_code == 303
    page = client.get(f"/staff/curated/{answer_id}").text
    assert _history(page) == [("2", STAFF_NAME, new_answer), ("1", STAFF_NAME, ANSWER)]
    assert "第 2 版" in page
    assert f"协会答复：{new_answer}" in say(client, ALICE, PARAPHRASE)


def test_a_removed_answer_is_not_used_until_it_is_restored(client: TestClient) -> None:
    answer_id = _create(client)
    assert _submit(client, f"/staff/curated/{answer_id}/remove").status_code == 303
    assert "协会答复" not in say(client, ALICE, PARAPHRASE)
    assert f"/staff/curated/{answer_id}" not in client.get("/staff/curated").text
    assert f"/staff/curated/{answer_id}" in client.get("/staff/curated?tab=removed").text
    assert "恢复使用" in client.get(f"/staff/curated/{answer_id}").text

    assert _submit(client, f"/staff/curated/{answer_id}/restore").status_code == 303
    assert f"协会答复：{ANSWER}" in say(client, ALICE, PARAPHRASE)
    page = client.get(f"/staff/curated/{answer_id}").text
    statuses = re.findall(r'<td data-label="状态">([^<]+)</td>', page)
    assert statuses == ["使用中", "已删除", "使用中"]  # newest first


def test_a_flagged_answer_is_listed_first_and_served_again_once_cleared(client: TestClient) -> None:
    flagged_id = _create(client)
    uncited = {"phrasings": "", "cite_file": "", "cite_section": ""}
    other_id = _create(client, question="评审费用是多少", answer="不收取费用。", **uncited)
    _curated(client).flag_citing(NOTICE_FILE, "引用的通知已更新")
    listed = client.get("/staff/curated").text
    assert listed.index(f"/staff/curated/{flagged_id}") < listed.index(f"/staff/curated/{other_id}")
    assert "已标记：引用的通知已更新" in listed
    assert "协会答复" not in say(client, ALICE, PARAPHRASE)  # last year's rule is not served

    assert _submit(client, f"/staff/curated/{flagged_id}/clear-flag").status_code == 303
    assert "已标记" not in client.get("/staff/curated").text
    assert f"协会答复：{ANSWER}" in say(client, ALICE, PARAPHRASE)


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"question": "  "}, "问题不能为空"),
        ({"answer": ""}, "答复内容不能为空"),
        ({"answer": "很长" * 1001}, "答复内容过长"),
        ({"phrasings": "问" * 501}, "问法过长"),
        ({"cite_file": "last-year.txt"}, "引用的通知文件不存在：last-year.txt"),
        ({"cite_file": "", "cite_section": "三、申报材料"}, "须同时指定通知文件"),
        ({"programme": "nowhere-2030"}, "不认识的申报项目"),
    ],
)
def test_a_refused_form_shows_why_and_keeps_the_input(
    client: TestClient, changed: dict[str, str], message: str
) -> None:
    typed = _fields(**changed)
    created = _submit(client, "/staff/curated/new", **typed)
    assert created.status_code == 400 and message in created.text
    assert f'name="question" value="{typed["question"]}"' in created.text
    assert f">{typed['answer']}</textarea>" in created.text
    assert f">{typed['phrasings']}</textarea>" in created.text
    assert _curated(client).all(include_removed=True) == []

    answer_id = _create(client)
    edited = _submit(client, f"/staff/curated/{answer_id}", **typed)
    assert edited.status_code == 400 and message in edited.text
    assert f">{typed['answer']}</textarea>" in edited.text
    saved = _curated(client).get(answer_id)
    assert saved is not None and saved.version == 1 and saved.answer == ANSWER


def test_an_old_citation_the_index_no_longer_has_can_still_be_kept_on_edit(client: TestClient) -> None:
    kept = _curated(client).add(question=QUESTION, answer=ANSWER, by="李老师", cite_file="old-2023.txt")
    page = client.get(f"/staff/curated/{kept.id}").text
    assert '<option value="old-2023.txt" selected>' in page
    fields = _fields(cite_file="old-2023.txt", answer="新的答复。")
    response = _submit(client, f"/staff/curated/{kept.id}", **fields)
    assert response.status_code == 303
    assert _curated(client).get(kept.id).answer == "新的答复。"  # type: ignore[union-attr]


def test_no_page_shows_a_channel_id_and_unknown_answers_are_a_chinese_404(client: TestClient) -> None:
    say(client, ALICE, "获奖有奖金吗")
    answer_id = _create(client)
    pages = ["/staff/curated", "/staff/curated?tab=removed", "/staff/curated/new"]
    pages += [f"/staff/curated/{answer_id}"]
    pages += ["/staff/gaps", "/staff/gaps?status=all"]
    key = re.search(r'href="/staff/gaps/(g\d+)"', client.get("/staff/gaps").text)
    assert key is not None
    pages += [f"/staff/gaps/{key.group(1)}", f"/staff/gaps/{key.group(1)}/answer"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert ALICE.encode() not in response.content, path
    missing = client.get("/staff/curated/999")
    assert missing.status_code == 404 and "没有编号为 999 的协会答复" in missing.text
