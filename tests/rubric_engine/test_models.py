"""The rubric model's validators, on small rubrics built inside each test."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from rubric_engine import Item, ItemKind, Level, Rubric
from rubric_engine._models import parse_cap_mark, parse_points_mark


def _level(text: str, points: str, **extra: Any) -> dict[str, Any]:
    return {"text": text, "points": points, **extra}


def _item(item_id: str, cap: int, levels: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "name": f"细项{item_id}", "cap": cap, "levels": levels, **extra}


def _rubric(categories: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "tiny",
        "programme": "test",
        "appendix": "附件0",
        "title": "测试表",
        "source": {"file": "x.txt", "appendix": "附件0"},
        "header_fields": [
            {"id": "name", "label": "姓名"},
            {"id": "total", "label": "自评总分", "fill": "total"},
        ],
        "columns": ["评审项目", "评审细项", "评分标准", "评分"],
        "pass_mark": 80,
        "categories": categories,
        **extra,
    }


def _two_categories(first_cap: int = 60) -> list[dict[str, Any]]:
    return [
        {
            "id": "a",
            "name": "甲",
            "cap": first_cap,
            "items": [_item("a1", 60, [_level("低", "（1-30分）"), _level("高", "（31-60分）")])],
        },
        {"id": "b", "name": "乙", "cap": 40, "items": [_item("b1", 40, [_level("全", "（1-40分）")])]},
    ]


@pytest.mark.parametrize(
    ("mark", "expected"),
    [("（1-6分）", (1, 6)), ("（5分）", (5, 5)), ("2-5分", (2, 5)), ("4分", (4, 4))],
)
def test_point_marks_as_printed_on_the_forms_parse(mark: str, expected: tuple[int, int]) -> None:
    assert parse_points_mark(mark) == expected


@pytest.mark.parametrize(
    ("mark", "problem"),
    [
        ("（1-6分", "缺少右括号"),
        ("（9-10）", "缺少“分”字"),
        ("（1-18）", "缺少“分”字"),
        ("1-6分）", "缺少左括号"),
    ],
)
def test_defective_point_marks_are_named(mark: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_points_mark(mark)


def test_cap_marks_accept_both_bracket_widths_and_reject_misplaced_brackets() -> None:
    assert parse_cap_mark("（10分）") == 10
    assert parse_cap_mark("(25分)") == 10 + 15
    with pytest.raises(ValueError, match="缺少右括号"):
        parse_cap_mark("（10分")
    with pytest.raises(ValueError, match="应写作"):
        parse_cap_mark("10（分）")


def test_a_consistent_rubric_validates_and_exposes_items_in_order() -> None:
    rubric = Rubric.model_validate(_rubric(_two_categories()))
    assert [item.id for item in rubric.items] == ["a1", "b1"]
    assert rubric.max_total == 100
    assert rubric.item("a1").allowed_scores == tuple(range(1, 61))


def test_category_cap_must_equal_the_sum_of_its_items() -> None:
    with pytest.raises(ValidationError, match=r"评审项目「甲」\(a\)标明满分65分，但其细项满分合计为60分"):
        Rubric.model_validate(_rubric(_two_categories(first_cap=65)))


def test_the_categories_must_add_up_to_100() -> None:
    categories = _two_categories()
    categories[1] = {
        "id": "b",
        "name": "乙",
        "cap": 30,
        "items": [_item("b1", 30, [_level("全", "（1-30分）")])],
    }
    with pytest.raises(ValidationError, match="各评审项目满分合计为90分，应为100分"):
        Rubric.model_validate(_rubric(categories))


def test_levels_must_lie_inside_the_item_cap_and_reach_it() -> None:
    with pytest.raises(ValidationError, match="分值「（9-11分）」超出该项满分10分"):
        Item.model_validate(_item("x", 10, [_level("a", "（1-8分）"), _level("b", "（9-11分）")]))
    with pytest.raises(ValidationError, match="满分为10分，但各档最高只到8分"):
        Item.model_validate(_item("x", 10, [_level("a", "（1-8分）")]))


def test_bands_must_be_ordered_without_overlap_or_gap() -> None:
    with pytest.raises(ValidationError, match="档次「（7-8分）」与「（1-6分）」重叠或顺序颠倒"):
        Item.model_validate(_item("x", 8, [_level("a", "（7-8分）"), _level("b", "（1-6分）")]))
    with pytest.raises(ValidationError, match="档次「（1-5分）」与「（7-8分）」之间有空缺分值"):
        Item.model_validate(_item("x", 8, [_level("a", "（1-5分）"), _level("b", "（7-8分）")]))


def test_zero_points_in_a_band_is_refused_because_only_a_veto_gives_zero() -> None:
    with pytest.raises(ValidationError, match="含0分"):
        Item.model_validate(_item("x", 5, [_level("a", "（0-5分）")]))


def test_options_must_be_fixed_distinct_and_ordered() -> None:
    with pytest.raises(ValidationError, match="是区间"):
        Item.model_validate(_item("x", 5, [_level("a", "3-5分"), _level("b", "4分")], kind="options"))
    with pytest.raises(ValidationError, match="选项分值重复"):
        Item.model_validate(_item("x", 5, [_level("a", "5分"), _level("b", "5分")], kind="options"))
    with pytest.raises(ValidationError, match="重复的档次/选项文字"):
        Item.model_validate(_item("x", 5, [_level("a", "5分"), _level("a", "4分")], kind="options"))


def test_derived_rows_need_descending_thresholds_and_a_figure() -> None:
    figure = {"name": "指数", "minimum": 0, "maximum": 100, "below_text": "不超过80"}
    good = _item(
        "x",
        4,
        [_level("超过90", "4分", above=90), _level("超过80", "2分", above=80)],
        kind="derived",
        figure=figure,
    )
    item = Item.model_validate(good)
    assert item.kind is ItemKind.DERIVED
    assert item.allowed_scores == (0, 2, 4)
    assert item.points_for_figure(90) == (2, 1)  # 超过 is strictly greater
    assert item.points_for_figure(90.5) == (4, 0)
    assert item.points_for_figure(80) == (0, None)
    bad = _item(
        "x",
        4,
        [_level("超过80", "2分", above=80), _level("超过90", "4分", above=90)],
        kind="derived",
        figure=figure,
    )
    with pytest.raises(ValidationError, match="从高到低"):
        Item.model_validate(bad)
    with pytest.raises(ValidationError, match="必须给出figure"):
        Item.model_validate({**good, "figure": None})


def test_ids_must_be_unique_across_the_rubric() -> None:
    categories = _two_categories()
    categories[1]["items"][0]["id"] = "a1"
    with pytest.raises(ValidationError, match="id重复：a1"):
        Rubric.model_validate(_rubric(categories))


def test_group_caps_must_add_up_and_groups_be_contiguous() -> None:
    categories = _two_categories()
    categories[1] = {
        "id": "b",
        "name": "乙",
        "cap": 40,
        "groups": [{"id": "g", "name": "分组", "cap": 25}],
        "items": [
            _item("b1", 20, [_level("全", "（1-20分）")], group="g"),
            _item("b2", 20, [_level("全", "（1-20分）")], group="g"),
        ],
    }
    with pytest.raises(ValidationError, match="「分组」标明满分25分，但其细项满分合计为40分"):
        Rubric.model_validate(_rubric(categories))


def test_a_veto_and_its_item_must_point_at_each_other() -> None:
    categories = _two_categories()
    categories[1]["items"][0]["veto"] = "accident"
    veto = {
        "id": "accident",
        "printed": "p",
        "condition": "c",
        "question": "q？",
        "explanation": "e",
        "item": "a1",
    }
    with pytest.raises(ValidationError, match="veto字段不一致"):
        Rubric.model_validate(_rubric(categories, vetoes=[veto]))
    veto["item"] = "b1"
    rubric = Rubric.model_validate(_rubric(categories, vetoes=[veto]))
    assert rubric.item("b1").allowed_scores[0] == 0  # the veto makes 0 a score


def test_a_level_keeps_its_printed_mark_and_exposes_the_range() -> None:
    level = Level(text="立足岗位实际", points="（9-10分）")
    assert (level.min_points, level.max_points, level.is_fixed, level.range_text) == (9, 10, False, "9-10分")
    assert Level(text="国家级", points="（5分）").range_text == "5分"
