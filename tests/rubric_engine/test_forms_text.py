"""The plain-text rendering for chat: complete, compact, safe."""

from __future__ import annotations

import unicodedata

import rubric_engine
from rubric_engine import render_form_text


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def test_text_lists_every_category_and_item_with_scores_and_the_verdict() -> None:
    rubric = rubric_engine.load_rubric("lianyungang-2016-star")
    result = rubric_engine.assess(rubric, [9, 13, 8, 7, 4, 16, 12], {})
    text = render_form_text(rubric, result, {"姓名": "张三", "单位": "某某公司"})
    lines = text.splitlines()
    assert lines[0] == "【附件3-4】连云港市用户满意之星自评标准"
    assert lines[1] == "姓名：张三　单位：某某公司"
    for category in result.categories:
        assert f"{category.name}　{category.score}/{category.max}分" in lines
    for item in result.items:
        assert any(
            line.startswith("· ") and f"：{item.score}/{item.max}分，{item.level_label}" in line
            for line in lines
        )
    assert "自评总分：69/100分，申报线80分" in lines
    assert "结论：暂不符合申报条件" in lines
    assert all(f"· {reason}" in lines for reason in result.reasons)


def test_text_is_phone_width_and_short() -> None:
    rubric = rubric_engine.load_rubric("lianyungang-2016-enterprise")
    scores = [item.allowed_scores[-1] for item in rubric.items]
    result = rubric_engine.assess(rubric, scores, {veto.id: False for veto in rubric.vetoes})
    lines = render_form_text(rubric, result).splitlines()
    assert (
        len(lines)
        <= len(rubric.items) + len(rubric.categories) + len(rubric.vetoes) + len(result.reasons) + 6
    )
    item_lines = [line for line in lines if line.startswith("· ") and "/" in line]
    assert item_lines and max(display_width(line) for line in item_lines) <= 60
    assert "结论：可以申报" in lines
    assert all(
        any(veto.condition in line and line.endswith("：否") for line in lines) for veto in rubric.vetoes
    )


def test_long_item_names_are_cut_at_their_first_clause() -> None:
    rubric = rubric_engine.load_rubric("lianyungang-2016-star")
    result = rubric_engine.assess(rubric, [item.allowed_scores[-1] for item in rubric.items], {})
    text = render_form_text(rubric, result)
    assert "· 积极参与实施用户满意工程活动…：10/10分" in text
    assert "积极参加用户满意服务之星创建活动" not in text


def test_triggered_veto_and_hostile_fields() -> None:
    rubric = rubric_engine.load_rubric("lianyungang-2016-manager")
    veto = rubric.vetoes[0]
    scores = [0 if item.id == veto.item else item.allowed_scores[-1] for item in rubric.items]
    result = rubric_engine.assess(rubric, scores, {veto.id: True})
    text = render_form_text(rubric, result, {"姓名": "李\x00四\u202e\n<b>"})
    assert "姓名：李四 <b>" in text and "\x00" not in text and "\u202e" not in text
    assert f"一票否决·{veto.condition}：是，一票否决" in text
    assert "结论：暂不符合申报条件" in text
