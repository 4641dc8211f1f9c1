"""Reading messages: commands, their natural-language forms, ratings, and questions during a walk."""

from __future__ import annotations

import pytest

from conversations._intents import Command, FreeText, RatingIntent, looks_like_question, parse


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("/help", "help", ""),
        ("/start", "help", ""),
        ("/programme 青海2025", "programme", "青海2025"),
        ("切换项目到 连云港2016", "programme", "连云港2016"),
        ("/check", "check", ""),
        ("我能报吗", "check", ""),
        ("请问我能报吗？", "check", ""),
        ("我符合条件吗", "check", ""),
        ("/assess qinghai-2025-star", "assess", "qinghai-2025-star"),
        ("我要自评", "assess", ""),
        ("开始自评", "assess", ""),
        ("/back", "back", ""),
        ("上一题", "back", ""),
        ("/edit 3 8分", "edit", "3 8分"),
        ("改第3项为8分", "edit", "3 8分"),
        ("改第三项为8分", "edit", "三 8分"),
        ("第3项改成10分", "edit", "3 10分"),
        ("修改第2项", "edit", "2"),
        ("/summary", "summary", ""),
        ("汇总", "summary", ""),
        ("/confirm", "confirm", ""),
        ("确认", "confirm", ""),
        ("/form", "form", ""),
        ("/cancel", "cancel", ""),
        ("退出", "cancel", ""),
        ("／ＨＥＬＰ", "help", ""),  # full-width, as some phone keyboards type it
    ],
)
def test_commands_and_their_natural_forms(text: str, name: str, argument: str) -> None:
    assert parse(text) == Command(name, argument)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "我是班组长，两年前的报告我能报吗",  # a question with context is for the notices, not the walk
        "申报截止日期是哪天？",
        "/unknown 命令",
        "8分",
        "第二档",
        "是",
    ],
)
def test_everything_else_is_free_text(text: str) -> None:
    assert isinstance(parse(text), FreeText)


def test_ratings_by_word_anywhere_and_by_digit_only_as_a_hint() -> None:
    assert parse("有用") == RatingIntent("useful", explicit=True)
    assert parse("2 没用") == RatingIntent("useless", explicit=True)
    assert parse("1") == RatingIntent("useful", explicit=False)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("报告要近几年的？", True),
        ("截止日期是哪天", True),
        ("需要第三方测评吗", True),
        ("8分", False),
        ("第二档", False),
        ("没有", False),
        ("是", False),
        ("B", False),
        ("92.5", False),
    ],
)
def test_questions_are_told_from_answers_during_a_walk(text: str, question: bool) -> None:
    assert looks_like_question(text) is question
