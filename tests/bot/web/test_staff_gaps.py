"""The gap pages with questions sent through the real dialogue over a one-notice index: refused
paraphrases become one group; staff review a drafted answer, publish it, and the bot answers the next
paraphrase with it; ignore, revert and linking an existing answer; no applicant can be identified."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conversations import CuratedAnswerStore
from tests.bot.web.curation_app import NOTICE, NOTICE_FILE, NOTICE_TITLE, curation_client, say
from tests.bot.web.staff_app import STAFF_NAME, Clock, hidden_csrf

ALICE = "oAlice-OpenID-7f3a91"  # channel ids: never to be shown
BOB = "tg-556677889"
CAROL = "oCarol-OpenID-22b0c4"
PHONE = "13812345678"
FEE_ANSWER = "参加评选不收取任何费用。"


@pytest.fixture
def client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    with curation_client(tmp_path, database_url, Clock()) as test_client:
        yield test_client


def _ask_about_fees(client: TestClient) -> None:
    """Two applicants ask whether taking part costs money (the notice does not say); one asks about
    prize money, a different question."""
    say(client, ALICE, "参加评选要收费吗？")
    say(client, BOB, f"我电话{PHONE}，参加评选收不收费", channel="telegram")
    say(client, CAROL, "获奖有奖金吗")


def _group_key(html: str, question_part: str) -> str:
    found = re.search(rf'<a href="/staff/gaps/(g\d+)">[^<]*{question_part}[^<]*</a>', html)
    assert found is not None, f"no group for {question_part}"
    return found.group(1)


def _listed(client: TestClient, path: str, key: str) -> bool:
    """Whether the list at `path` links group `key` (not just holds the letters: a CSRF token may)."""
    return f'href="/staff/gaps/{key}"' in client.get(path).text


def _rows(html: str) -> list[dict[str, str]]:
    return [
        dict(re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row))
        for row in re.findall(r"<tr>(<td data-label=.*?)</tr>", html, flags=re.S)
    ]


def _field(html: str, name: str) -> str:
    found = re.search(rf'<input type="text" name="{name}" value="([^"]*)"', html) or re.search(
        rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, flags=re.S
    )
    assert found is not None, name
    return found.group(1)


def _selected(html: str, name: str) -> str:
    select = re.search(rf'<select name="{name}">(.*?)</select>', html, flags=re.S)
    assert select is not None, name
    found = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return found.group(1) if found else ""


def _curated(client: TestClient) -> CuratedAnswerStore:
    return client.app.state.web.staff.curated  # type: ignore[attr-defined,no-any-return]


def _post(client: TestClient, path: str, page: str, **fields: str) -> str:
    """Submits a form of `page` (its CSRF token) and returns the page it leads to."""
    response = client.post(path, data={"csrf_token": hidden_csrf(page), **fields})
    assert response.status_code == 303, (path, response.status_code, response.text[:500])
    followed = client.get(response.headers["location"])
    assert followed.status_code == 200
    return followed.text


def test_refused_paraphrases_are_one_group_with_reasons_trend_and_masked_examples(client: TestClient) -> None:
    _ask_about_fees(client)
    page = client.get("/staff/gaps")
    assert page.status_code == 200
    rows = {re.sub(r"<[^>]+>", "", row["代表问题"]): row for row in _rows(page.text)}
    fees = next(row for question, row in rows.items() if "收费" in question)
    assert fees["次数"] == "2" and fees["原因"] == "拒答 ×2" and fees["状态"] == "待处理"
    assert fees["渠道"] == "telegram、wechat" and fees["申报项目"] == "海安2024"
    assert fees["近14天"].startswith('<svg class="spark"') and "：2</title>" in fees["近14天"]
    assert any("奖金" in question for question in rows)  # the other question is its own group

    group = client.get(f"/staff/gaps/{_group_key(page.text, '收费')}").text
    examples = _rows(group)
    assert [row["问题"] for row in examples] == ["我电话[号码已隐去]，参加评选收不收费", "参加评选要收费吗？"]
    assert all(row["申请人"].startswith("申请人-") for row in examples)
    assert all("海安市质量协会" in row["机器人的回答"] for row in examples)  # the bot's refusal
    assert examples[0]["申请人"] != examples[1]["申请人"]
    for html in (page.text, group):
        assert ALICE not in html and BOB not in html and PHONE not in html


def test_a_reviewed_draft_published_from_the_group_answers_the_next_paraphrase(client: TestClient) -> None:
    _ask_about_fees(client)
    key = _group_key(client.get("/staff/gaps").text, "收费")
    form = client.get(f"/staff/gaps/{key}/answer").text
    assert "草稿" in form and "尚未发布" in form
    draft, section = _field(form, "answer"), _field(form, "cite_section")
    assert draft.splitlines()[-1] in NOTICE  # drafted from a passage of the notice, citing its section
    assert _selected(form, "cite_file") == NOTICE_FILE and section and section in NOTICE
    phrasings = _field(form, "phrasings").splitlines()
    asked = {"参加评选要收费吗？", "我电话[号码已隐去]，参加评选收不收费"}
    assert {_field(form, "question"), *phrasings} == asked
    # Drafting published nothing: the bot still refuses.
    assert _curated(client).all(include_removed=True) == []
    assert "协会答复" not in say(client, CAROL, "参加评选收费吗")

    group = _post(
        client,
        f"/staff/gaps/{key}/answer",
        form,
        question=_field(form, "question"),
        answer=FEE_ANSWER,
        phrasings="\n".join(phrasings),
        programme="",
        cite_file=NOTICE_FILE,
        cite_section="三、申报材料",
    )
    assert 'id="status">已解决<' in group
    [published] = _curated(client).all()
    assert published.created_by == STAFF_NAME and f"/staff/curated/{published.id}" in group
    assert f"{STAFF_NAME}：已解决" in group  # the decision history

    reply = say(client, "oDave-OpenID-9", "參加評選收費嗎？")  # traditional characters
    assert f"协会答复：{FEE_ANSWER}" in reply
    assert f"出处：《{NOTICE_TITLE}》三、申报材料" in reply
    assert not _listed(client, "/staff/gaps", key)  # the default list shows new groups only
    assert _listed(client, "/staff/gaps?status=resolved", key)

    reverted = _post(client, f"/staff/gaps/{key}/revert", group)
    assert 'id="status">待处理<' in reverted and "（已撤销）" in reverted
    assert _listed(client, "/staff/gaps", key)


def test_ignoring_hides_a_group_until_it_is_reverted(client: TestClient) -> None:
    _ask_about_fees(client)
    page = client.get("/staff/gaps").text
    key = _group_key(page, "奖金")
    group = client.get(f"/staff/gaps/{key}").text
    ignored = _post(client, f"/staff/gaps/{key}/ignore", group)
    assert 'id="status">已忽略<' in ignored and f"{STAFF_NAME}：忽略" in ignored
    assert not _listed(client, "/staff/gaps", key)
    assert _listed(client, "/staff/gaps?status=ignored", key)
    assert _listed(client, "/staff/gaps?status=all", key)
    _post(client, f"/staff/gaps/{key}/revert", ignored)
    assert _listed(client, "/staff/gaps", key)


def test_a_group_linked_to_an_existing_answer_adds_its_questions_as_phrasings(client: TestClient) -> None:
    existing = _curated(client).add(question="评审费用是多少", answer=FEE_ANSWER, by="李老师")
    assert "协会答复" not in say(client, ALICE, "获奖有奖金吗")
    key = _group_key(client.get("/staff/gaps").text, "奖金")
    group = client.get(f"/staff/gaps/{key}").text
    linked = _post(client, f"/staff/gaps/{key}/link", group, curated_answer_id=str(existing.id))
    assert 'id="status">已解决<' in linked
    updated = _curated(client).get(existing.id)
    assert updated is not None and "获奖有奖金吗" in updated.phrasings and updated.version == 2
    assert f"协会答复：{FEE_ANSWER}" in say(client, BOB, "获奖有没有奖金")


def test_a_refused_answer_form_keeps_what_was_typed_and_publishes_nothing(client: TestClient) -> None:
    _ask_about_fees(client)
    key = _group_key(client.get("/staff/gaps").text, "收费")
    form = client.get(f"/staff/gaps/{key}/answer").text
    typed = {"question": "参加评选收费吗", "phrasings": "评选要交钱吗", "programme": "", "cite_section": "三"}
    for fields, message in (
        ({"answer": "", "cite_file": NOTICE_FILE}, "答复内容不能为空"),
        ({"answer": FEE_ANSWER, "cite_file": "last-year.txt"}, "引用的通知文件不存在：last-year.txt"),
        ({"answer": "很长" * 1001, "cite_file": ""}, "答复内容过长"),
    ):
        response = client.post(
            f"/staff/gaps/{key}/answer", data={"csrf_token": hidden_csrf(form), **typed, **fields}
        )
        assert response.status_code == 400 and message in response.text
        assert _field(response.text, "question") == "参加评选收费吗"
        assert _field(response.text, "phrasings") == "评选要交钱吗"
        assert _field(response.text, "answer") == fields["answer"]
    assert _curated(client).all(include_removed=True) == []
    assert 'id="status">待处理<' in client.get(f"/staff/gaps/{key}").text


def test_filters_by_programme_and_date_and_the_overview_links_the_top_groups(client: TestClient) -> None:
    _ask_about_fees(client)
    everything = client.get("/staff/gaps").text
    key = _group_key(everything, "收费")
    assert _listed(client, "/staff/gaps?programme=haian-2024-service-star", key)
    assert "没有符合条件的问题组" in client.get("/staff/gaps?programme=other-2030").text
    tomorrow = date.today() + timedelta(days=2)
    assert "没有符合条件的问题组" in client.get(f"/staff/gaps?since={tomorrow}").text
    assert _listed(client, "/staff/gaps?since=not-a-date", key)  # unreadable: ignored, not refused
    overview = client.get("/staff/").text
    assert f'<a href="/staff/gaps/{key}">' in overview


def test_an_unknown_group_is_a_chinese_404(client: TestClient) -> None:
    response = client.get("/staff/gaps/g999")
    assert response.status_code == 404 and "没有这个问题组" in response.text
