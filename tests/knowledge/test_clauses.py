"""A question asked in parts: the parts the notices answer are answered, the first part decides."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeBase, KnowledgeConfig
from knowledge._clauses import clauses_of
from tests.knowledge.test_service import CATALOG, LYG, QH, TODAY, MemorySearcher, chunk

CHUNKS = [
    chunk(
        "lyg.txt",
        LYG,
        2016,
        "三、申报要求 › （四）测评报告",
        "申报用户满意服务之星班组、用户满意服务之星，必须提供用户满意度测评报告（近2年内），"
        "可以由本单位自行测评。",
    ),
    chunk(
        "lyg.txt",
        LYG,
        2016,
        "二、申报评审工作 › 评定名额",
        "最终提交推进小组评定“连云港市用户满意服务之星班组”30个，“连云港市用户满意服务之星”40个。",
    ),
    chunk(
        "qh.txt",
        QH,
        2025,
        "（六）被访者名单",
        "若被访者总数不超过50人，提供所有相关信息；超过50人，提供50至100人信息即可。",
    ),
]


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase(
        KnowledgeConfig(index_dir=tmp_path),
        retriever=MemorySearcher(CHUNKS),
        catalog=CATALOG,
        clock=lambda: TODAY,
    )


def test_clauses_are_cut_at_the_questions_punctuation():
    text = "我是班组长，报告能不能自己测？要近几年的？电话呢"
    assert [text[s:e] for s, e in clauses_of(text)] == ["我是班组长", "报告能不能自己测", "要近几年的"]


def test_who_asks_is_context_and_each_question_is_answered(kb):
    answer = kb.ask("我是班组长，连云港报服务之星班组的话测评报告能不能我们单位自己测？报告要近几年的？")
    assert answer.answered
    assert "自行测评" in answer.answer and "近2年内" in answer.answer
    assert all(citation.file == "lyg.txt" for citation in answer.citations)


def test_a_part_the_notices_do_not_settle_is_named_as_not_covered(kb):
    answer = kb.ask("连云港服务之星班组一共评几个？名额紧不紧")
    assert answer.answered and "30个" in answer.answer
    assert "名额紧不紧" in answer.answer and "没有说明" in answer.answer


def test_when_the_first_thing_asked_is_not_in_the_notices_the_question_is_refused(kb):
    # The follow-up mentions 50, as the interviewee rule does; it must not answer the age question.
    answer = kb.ask("报服务之星有没有年龄限制，超过50岁还能报吗")
    assert not answer.answered


def test_spaces_between_chinese_words_separate_the_asks():
    text = "连云港服务之星班组评几个 测评报告要近几年的"
    assert [text[s:e] for s, e in clauses_of(text)] == ["连云港服务之星班组评几个", "测评报告要近几年的"]


def test_an_answered_question_gets_the_second_ask_added(kb):
    # The whole question's best sentence answers the first ask only; the second is added.
    answer = kb.ask("连云港服务之星班组一共评几个 测评报告要近几年的")
    assert answer.answered
    assert "30个" in answer.answer and "近2年内" in answer.answer


def test_a_fragment_set_off_by_a_space_is_the_topic_of_the_next_ask(kb):
    answer = kb.ask("连云港服务之星测评报告 要近几年的")
    assert answer.answered and "近2年内" in answer.answer


def test_a_clause_with_a_question_word_is_an_ask_of_its_own(kb):
    answer = kb.ask("连云港服务之星班组一共评几个 还有测评报告是啥情况")
    assert "30个" in answer.answer and "近2年内" in answer.answer


def test_a_sentence_answering_two_asks_is_shown_once(kb):
    answer = kb.ask("连云港服务之星班组测评报告要近几年的 能自己单位测吗")
    assert answer.answer.count("近2年内") == 1


CONTACT_CHUNKS = [
    chunk(
        "lyg.txt",
        LYG,
        2016,
        "三、申报要求 › 联系方式",
        "联系人：连云港市质量协会 朱炳功 电话：0518-85807519",
    ),
    chunk(
        "lyg.txt",
        LYG,
        2016,
        "二、申报评审工作 › 推进小组",
        "各县（区）推进小组负责初审，市总工会办公室座机：0518-86212345。",
    ),
]


def test_an_answered_contact_question_does_not_add_another_bodys_phone(tmp_path: Path):
    # "电话：0518-85807519" says the 座机 the second part asks for: a label stays with its value,
    # and 座机 is said by 电话.
    kb = KnowledgeBase(
        KnowledgeConfig(index_dir=tmp_path),
        retriever=MemorySearcher(CONTACT_CHUNKS),
        catalog=CATALOG,
        clock=lambda: TODAY,
    )
    answer = kb.ask("连云港服务之星的联系人是谁，座机多少？")
    assert answer.answered and "朱炳功" in answer.answer and "0518-85807519" in answer.answer
    assert "86212345" not in answer.answer
