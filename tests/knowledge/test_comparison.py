"""Programmes set side by side: each one's own rule, labelled, and a word for the one that is silent."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge import Answer, KnowledgeBase, KnowledgeConfig, analyse_question
from knowledge._comparison import answer_each_programme
from knowledge._extractive_types import ExtractiveResult, GroupAnswer
from knowledge._scope import Scope

MH, YZ, CS = "minhang-2025", "yangzhou-water-2025", "changsha-2025"
CATALOG = f"""documents:
  - file: mh.txt
    title: 关于开展2025年度闵行区用户满意服务明星班组创建活动的通知
    issuer: 闵行区质量协会
    region: 上海市闵行区
    published: 2025-03-10
    programme: {MH}
    kind: notice
  - file: yz.txt
    title: 关于开展2025年度扬州市水务行业服务明星班组评选活动的通知
    issuer: 扬州市水务行业协会
    region: 江苏省扬州市
    published: 2025-04-01
    programme: {YZ}
    kind: notice
  - file: cs.txt
    title: 关于开展2025年度长沙市用户满意服务明星创建活动的通知
    issuer: 长沙市质量协会
    region: 湖南省长沙市
    published: 2025-05-01
    programme: {CS}
    kind: notice
"""
NOTICES = {
    "mh.txt": "关于开展2025年度闵行区用户满意服务明星班组创建活动的通知\n"
    "一、申报要求\n（一）班组成员5人以上50人以下，成立满2年。\n（二）近三年未发生重大质量事故。\n"
    "二、评审办法\n综合得分80分以上的班组认定为服务明星班组。\n"
    "三、申报时间\n请于2025年6月30日前报送。\n四、联系方式\n联系人：王五 电话：021-64123456\n",
    "yz.txt": "关于开展2025年度扬州市水务行业服务明星班组评选活动的通知\n"
    "一、申报要求\n（一）班组人数不少于8人，在岗一年以上。\n（二）服务窗口群众满意率90%以上。\n"
    "二、申报时间\n请于2025年7月15日前报送扬州市水务行业协会。\n"
    "三、联系方式\n联系人：赵六 电话：0514-87654321\n",
    "cs.txt": "关于开展2025年度长沙市用户满意服务明星创建活动的通知\n"
    "一、申报条件\n（一）企业依法注册，运营满三年。\n二、申报时间\n请于2025年8月1日前报送。\n",
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    folder = tmp_path_factory.mktemp("notices")
    (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    for name, text in NOTICES.items():
        (folder / name).write_text(text, encoding="utf-8")
    kb = KnowledgeBase(
        KnowledgeConfig(index_dir=tmp_path_factory.mktemp("index")), clock=lambda: date(2025, 5, 20)
    )
    kb.ingest(folder)
    return kb


def test_two_programmes_compared_are_each_answered_by_their_own_rule(kb):
    answer = kb.ask("闵行的明星班组和扬州水务的服务明星班组对班组人数的要求有啥不一样")
    assert answer.answered and answer.programme is None
    lines = answer.answer.split("\n")
    assert any(line.startswith("【闵行2025】") and "5人以上50人以下" in line for line in lines)
    assert any(line.startswith("【扬州2025】") and "不少于8人" in line for line in lines)
    assert {c.file for c in answer.citations} == {"mh.txt", "yz.txt"}


def test_a_compared_programme_whose_notices_do_not_say_is_named_as_silent(kb):
    answer = kb.ask("闵行、扬州水务和长沙的班组人数要求有啥不一样")
    assert "5人以上50人以下" in answer.answer and "不少于8人" in answer.answer
    assert answer.answer.endswith("（长沙2025：通知中没有说明。）")
    assert "运营满三年" not in answer.answer


# --- answer_each_programme itself, with stand-in answers ----------------------------------------


def _group(programme: str) -> GroupAnswer:
    return GroupAnswer(programme, [], 1.0, 1.0, 1.0, True, True, 1.0)


def _result(programme: str, kind: str) -> ExtractiveResult:
    answer = Answer(
        question="q", answer=f"{programme}:{kind}", answered=kind != "not_found", kind=kind, confidence=0.5
    )
    return ExtractiveResult(answer, [] if kind == "not_found" else [_group(programme)], analyse_question("q"))


def _each(kinds: dict[str, str], whole: ExtractiveResult) -> ExtractiveResult | None:
    scope = Scope(programmes=list(kinds), how="named")
    return answer_each_programme(
        scope,
        whole,
        lambda alone: _result(alone.programmes[0], kinds[alone.programmes[0]]),
        lambda groups: Answer(
            question="q", answer="+".join(g.programme or "" for g in groups), answered=True, confidence=0.5
        ),
        lambda programme: programme.upper(),
    )


def test_each_programme_answering_or_related_is_shown_and_a_silent_one_is_named():
    each = _each({"a": "answer", "b": "related", "c": "not_found"}, _result("a", "answer"))
    assert each is not None
    assert [g.programme for g in each.groups] == ["a", "b"]
    assert each.answer.answer == "a+b\n（C：通知中没有说明。）"


def test_a_silent_programme_is_named_beside_the_one_the_whole_answer_shows():
    # "闵行和长沙的班组人数要求有啥不一样": the whole answer shows 闵行 only; 长沙 is said to be silent.
    each = _each({"a": "answer", "b": "not_found"}, _result("a", "answer"))
    assert each is not None
    assert each.answer.answer == "a\n（B：通知中没有说明。）"


@pytest.mark.parametrize(
    ("kinds", "whole"),
    [
        ({"a": "related", "b": "not_found"}, "related"),  # no programme answers alone
        ({"a": "answer", "b": "answer"}, "both"),
    ],
)
def test_no_side_by_side_reply_when_it_would_show_no_more(kinds, whole):
    shown = _result("a", "answer" if whole != "related" else "related")
    if whole == "both":
        shown = ExtractiveResult(shown.answer, [_group("a"), _group("b")], shown.analysis)
    assert _each(kinds, shown) is None
