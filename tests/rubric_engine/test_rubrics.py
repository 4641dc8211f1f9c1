"""The six shipped rubrics: structure, fidelity to the notices, and every inconsistency of the printed tables.

Each inconsistency test puts the literal fragment of the notice back into the shipped data, proves that
validation rejects it with a precise message, and proves that the shipped YAML records the resolution.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from rubric_engine import ItemKind, Rubric, SourceNote, list_rubrics, load_rubric
from rubric_engine._loading import RUBRICS_DIR, RubricFileError, RubricNotFoundError, load_rubric_file

NOTICES = Path(__file__).resolve().parents[3] / "shared" / "notices"

EXPECTED = {
    "lianyungang-2016-enterprise": ("附件3-1", "连云港市用户满意服务企业(单位)自评标准", ["单位", "评分人"]),
    "lianyungang-2016-manager": (
        "附件3-2",
        "连云港市用户满意服务杰出管理者自评标准",
        ["姓名", "单位", "岗位", "自评总分"],
    ),
    "lianyungang-2016-team": (
        "附件3-3",
        "连云港市用户满意之星班组自评标准",
        ["班组名称", "单位", "自评总分"],
    ),
    "lianyungang-2016-star": (
        "附件3-4",
        "连云港市用户满意之星自评标准",
        ["姓名", "单位", "岗位", "自评总分"],
    ),
    "qinghai-2025-manager": (
        "附件3-1",
        "青海省用户满意服务杰出管理者自评表",
        ["姓名", "单位", "岗位", "自评得分"],
    ),
    "qinghai-2025-star": (
        "附件3-2",
        "青海省用户满意服务之星自评表（个人）",
        ["姓名", "单位", "岗位", "自评总分"],
    ),
}


def _raw(rubric_id: str) -> dict[str, Any]:
    return yaml.safe_load((RUBRICS_DIR / f"{rubric_id}.yaml").read_text(encoding="utf-8"))


def _raw_item(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    for category in data["categories"]:
        for item in category["items"]:
            if item["id"] == item_id:
                return item
    raise KeyError(item_id)


def _raw_category(data: dict[str, Any], category_id: str) -> dict[str, Any]:
    return next(category for category in data["categories"] if category["id"] == category_id)


def _notes_with(notes: list[SourceNote], literal_part: str) -> list[SourceNote]:
    return [note for note in notes if literal_part in note.literal]


# ------------------------------------------------------------------------------------------------ structure


def test_all_six_forms_are_shipped() -> None:
    assert list_rubrics() == sorted(EXPECTED)


@pytest.mark.parametrize("rubric_id", sorted(EXPECTED))
def test_each_rubric_is_worth_100_with_pass_mark_80(rubric_id: str) -> None:
    rubric = load_rubric(rubric_id)
    assert rubric.max_total == 100
    assert sum(item.cap for item in rubric.items) == 100
    assert sum(max(item.allowed_scores) for item in rubric.items) == 100
    assert rubric.pass_mark == 80


@pytest.mark.parametrize("rubric_id", sorted(EXPECTED))
def test_identity_title_and_header_fields_are_as_printed(rubric_id: str) -> None:
    rubric = load_rubric(rubric_id)
    appendix, title, labels = EXPECTED[rubric_id]
    assert (rubric.appendix, rubric.source.appendix, rubric.title) == (appendix, appendix, title)
    assert rubric.programme == (
        "qinghai-2025" if rubric_id.startswith("qinghai") else "lianyungang-2016-service-star"
    )
    assert [field.label for field in rubric.header_fields] == labels
    if rubric_id == "lianyungang-2016-enterprise":
        assert rubric.columns == ["项目", "评分内容", "分值", "得分"]
        assert rubric.subject is None and rubric.footer == [] and rubric.total_row_label == "总得分"
    else:
        assert rubric.columns == ["评审项目", "评审细项", "评分标准", "评分"]
        assert [field.label for field in rubric.header_fields if field.fill == "total"] == [labels[-1]]
        assert rubric.footer[0].startswith("所在组织（或推荐机构）审核意见")
        assert "盖章" in rubric.footer[1]


def test_subjects_and_item_counts() -> None:
    counts = {rubric_id: len(load_rubric(rubric_id).items) for rubric_id in EXPECTED}
    assert counts == {
        "lianyungang-2016-enterprise": 21,
        "lianyungang-2016-manager": 7,
        "lianyungang-2016-team": 7,
        "lianyungang-2016-star": 7,
        "qinghai-2025-manager": 7,
        "qinghai-2025-star": 7,
    }
    assert load_rubric("lianyungang-2016-team").subject == "一线基层服务班、组、站、所"
    assert load_rubric("qinghai-2025-manager").subject == "推进用户满意工程的企业高层管理人员"


def test_enterprise_vetoes_are_the_three_printed_conditions() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    assert [veto.condition for veto in rubric.vetoes] == [
        "存在重大质量、安全、环保责任事故",
        "企业在苏境内注册未满3年",
        "特殊行业无相应资质",
    ]
    assert all(veto.item is None and veto.question.endswith("？") for veto in rubric.vetoes)


@pytest.mark.parametrize("rubric_id", ["lianyungang-2016-manager", "qinghai-2025-manager"])
def test_manager_accident_veto_lives_on_the_organisational_performance_item(rubric_id: str) -> None:
    rubric = load_rubric(rubric_id)
    item = rubric.item("organisational-performance")
    assert item.veto == "organisation-accident" and rubric.veto("organisation-accident").item == item.id
    assert item.allowed_scores == (0, *range(3, 11))  # bands 3 / 4-7 / 8-10, 0 only as the veto
    assert [level.points for level in item.levels] == ["（3分）", "（4-7分）", "（8-10分）"]
    assert item.levels[0].remark == "（注：该项目为一票否决，得分为0时不得申报）"


def test_enterprise_item_kinds() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    kinds = {item.id: item.kind for item in rubric.items if item.kind is not ItemKind.BANDED}
    assert kinds == {
        "business-scale": ItemKind.OPTIONS,
        "management-system": ItemKind.OPTIONS,
        "evaluation-result": ItemKind.DERIVED,
    }
    assert [(level.text, level.min_points) for level in rubric.item("business-scale").levels] == [
        (">50亿元", 5),
        (">10亿元", 4),
        (">2亿元", 3),
    ]
    assert [group.name for category in rubric.categories for group in category.groups] == [
        "企业规模",
        "企业质量实力",
        "服务文化",
        "服务体系",
        "服务环",
        "服务改进",
    ]


def test_derived_satisfaction_index_exactly_90_scores_3_and_the_note_says_why() -> None:
    item = load_rubric("lianyungang-2016-enterprise").item("evaluation-result")
    assert [item.points_for_figure(figure)[0] for figure in (100, 90.1, 90, 85.5, 85, 80.01, 80, 0)] == [
        4,
        4,
        3,
        3,
        2,
        2,
        0,
        0,
    ]
    (note,) = item.source_notes
    assert "严格大于" in note.resolution and "恰为90分落在“超过85分”一档得3分" in note.reason


def test_unknown_rubric_id_lists_the_known_ones() -> None:
    with pytest.raises(RubricNotFoundError) as caught:
        load_rubric("shanghai-2030")
    assert "lianyungang-2016-star" in str(caught.value)


def test_a_rubric_file_whose_id_differs_from_its_name_is_refused(tmp_path: Path) -> None:
    data = _raw("qinghai-2025-star")
    path = tmp_path / "renamed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RubricFileError, match="与文件名不一致"):
        load_rubric_file(path)


# ------------------------------------------------------------------------------------ inconsistencies


def test_lianyungang_manager_conduct_printed_15_is_rejected_and_shipped_as_10() -> None:
    data = _raw("lianyungang-2016-manager")
    literal = copy.deepcopy(data)
    category = _raw_category(literal, "conduct")
    category["cap"], category["cap_text"] = 15, "（15分）"  # as printed: 作风优良（15分）
    with pytest.raises(
        ValidationError, match=r"评审项目「作风优良」\(conduct\)标明满分15分，但其细项满分合计为10分"
    ):
        Rubric.model_validate(literal)
    shipped = load_rubric("lianyungang-2016-manager").categories[1]
    assert (shipped.name, shipped.cap) == ("作风优良", 10)
    (note,) = _notes_with(shipped.source_notes, "作风优良（15分）")
    assert "10分" in note.resolution and "105" in note.reason


def test_lianyungang_manager_105_total_is_rejected_even_if_the_item_were_15() -> None:
    data = _raw("lianyungang-2016-manager")
    category = _raw_category(data, "conduct")
    category["cap"], category["cap_text"] = 15, "（15分）"
    item = category["items"][0]
    item["cap"], item["cap_text"] = 15, "（15分）"
    item["levels"][-1]["points"] = "（9-15分）"
    with pytest.raises(ValidationError, match="各评审项目满分合计为105分，应为100分"):
        Rubric.model_validate(data)


def test_lianyungang_team_teamwork_bands_1_7_8_11_9_10_are_rejected_and_shipped_as_1_7_8_9_10() -> None:
    data = _raw("lianyungang-2016-team")
    item = _raw_item(data, "teamwork")
    item["levels"][0]["points"], item["levels"][1]["points"] = "（1-7分）", "（8-11分）"
    with pytest.raises(ValidationError) as caught:
        Rubric.model_validate(data)
    message = str(caught.value)
    assert "细项「科学管理，团结协作」(teamwork)" in message
    assert "分值「（8-11分）」超出该项满分10分" in message
    assert "档次「（8-11分）」与「（9-10分）」重叠或顺序颠倒" in message
    shipped = load_rubric("lianyungang-2016-team").item("teamwork")
    # Only the second band is defective: the printed first band 1-7 stays, the second is what is left (8).
    assert [level.points for level in shipped.levels] == ["（1-7分）", "（8分）", "（9-10分）"]
    assert shipped.levels[0].source_notes == [] and shipped.levels[2].source_notes == []
    (note,) = shipped.levels[1].source_notes
    assert note.literal.endswith("（8-11分）") and "（8分）" in note.resolution
    assert shipped.allowed_scores == tuple(range(1, 11))


def test_lianyungang_enterprise_management_system_range_overlapping_fixed_options_is_rejected() -> None:
    data = _raw("lianyungang-2016-enterprise")
    item = _raw_item(data, "management-system")
    item["levels"][0]["points"] = "3-5分"  # as printed: GB/T27922+... 3-5分 / ... 4分 / 仅有单体系认证 3分
    with pytest.raises(
        ValidationError, match="选项「GB/T27922\\+质量、环境、职业健康安全等多体系认证」的分值「3-5分」是区间"
    ):
        Rubric.model_validate(data)
    item["kind"] = "banded"  # read as bands instead: they overlap
    with pytest.raises(ValidationError, match="档次「3-5分」与「4分」重叠或顺序颠倒"):
        Rubric.model_validate(data)
    shipped = load_rubric("lianyungang-2016-enterprise").item("management-system")
    assert shipped.kind is ItemKind.OPTIONS
    assert [level.min_points for level in shipped.levels] == [5, 4, 3]
    (note,) = shipped.levels[0].source_notes
    assert note.literal.endswith("3-5分") and "5分" in note.resolution and "重叠" in note.reason


@pytest.mark.parametrize(
    ("rubric_id", "item_id", "level_index", "literal_mark", "problem", "shipped_mark"),
    [
        ("lianyungang-2016-star", "moral-character", 0, "（1-6分", "缺少右括号", "（1-6分）"),
        ("lianyungang-2016-star", "innovation-ability", 2, "（9-10）", "缺少“分”字", "（9-10分）"),
        ("qinghai-2025-manager", "organisation-recognition", 0, "（1-18）", "缺少“分”字", "（1-18分）"),
        ("qinghai-2025-manager", "organisation-recognition", 1, "（19-21）", "缺少“分”字", "（19-21分）"),
    ],
)
def test_defective_band_marks_are_rejected_and_shipped_corrected_with_a_note(
    rubric_id: str, item_id: str, level_index: int, literal_mark: str, problem: str, shipped_mark: str
) -> None:
    data = _raw(rubric_id)
    _raw_item(data, item_id)["levels"][level_index]["points"] = literal_mark
    with pytest.raises(ValidationError, match=f"分值标注「{re.escape(literal_mark)}」格式不完整：{problem}"):
        Rubric.model_validate(data)
    level = load_rubric(rubric_id).item(item_id).levels[level_index]
    assert level.points == shipped_mark
    (note,) = level.source_notes
    assert note.literal.endswith(literal_mark) and shipped_mark in note.resolution


@pytest.mark.parametrize(
    ("rubric_id", "item_id", "literal_mark", "problem"),
    [
        ("lianyungang-2016-star", "satisfaction-project", "（10分", "缺少右括号"),
        ("lianyungang-2016-manager", "political-stance", "10（分）", "应写作"),
        ("lianyungang-2016-team", "teamwork", "10（分）", "应写作"),
        ("lianyungang-2016-star", "moral-character", "10（分）", "应写作"),
    ],
)
def test_defective_item_cap_marks_are_rejected_and_shipped_corrected_with_a_note(
    rubric_id: str, item_id: str, literal_mark: str, problem: str
) -> None:
    data = _raw(rubric_id)
    _raw_item(data, item_id)["cap_text"] = literal_mark
    with pytest.raises(ValidationError, match=f"满分标注「{re.escape(literal_mark)}」格式不完整：{problem}"):
        Rubric.model_validate(data)
    item = load_rubric(rubric_id).item(item_id)
    assert item.cap_text == "（10分）"
    (note,) = _notes_with(item.source_notes, literal_mark)
    assert "（10分）" in note.resolution


@pytest.mark.parametrize(
    ("item_id", "typo", "correct"),
    [
        ("political-stance", "始终同党在央", "始终同党中央"),
        ("political-stance", "自学遵守", "自觉遵守"),
        ("political-stance", "传播正式能量", "传播正能量"),
        ("learning-organisation", "充分挥员工", "充分发挥员工"),
        ("personal-recognition", "“巾帼建功”、等", "“巾帼建功”等"),
    ],
)
def test_lianyungang_manager_typos_are_kept_verbatim_and_listed(
    item_id: str, typo: str, correct: str
) -> None:
    item = load_rubric("lianyungang-2016-manager").item(item_id)
    level = next(level for level in item.levels if typo in level.text)
    assert [note.resolution for note in _notes_with(level.source_notes, typo)] == ["保留原文"]
    qinghai = load_rubric("qinghai-2025-manager").item(item_id)
    assert any(correct in level.text for level in qinghai.levels)  # the 青海 reprint has it right


def test_enterprise_gaps_below_the_lowest_option_are_recorded_not_invented() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    for item_id in ("business-scale", "management-system"):
        item = rubric.item(item_id)
        assert 0 not in item.allowed_scores
        assert any("不提供0分" in note.resolution for note in item.source_notes)


def test_qinghai_pass_mark_is_flagged_as_not_printed_in_the_qinghai_material() -> None:
    for rubric_id in ("qinghai-2025-manager", "qinghai-2025-star"):
        notes = load_rubric(rubric_id).source_notes
        assert any("没有载明自评申报线" in note.reason for note in notes)


# ------------------------------------------------------------------------------------------------ fidelity


@pytest.fixture(scope="module")
def notices() -> Path:
    if not NOTICES.is_dir():
        pytest.skip(f"notice corpus not found at {NOTICES}")
    return NOTICES


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _appendix_text(path: Path, appendix: str) -> str:
    """The lines from the appendix heading ("附件3-2") to the next appendix heading."""
    lines = path.read_text(encoding="utf-8").splitlines()
    heading = re.compile(r"^附件\d+(-\d+)?$")
    start = next(index for index, line in enumerate(lines) if line.strip() == appendix)
    end = next(
        (index for index in range(start + 1, len(lines)) if heading.match(lines[index].strip())), len(lines)
    )
    return "\n".join(lines[start:end])


def _is_corrected(notes: list[SourceNote]) -> bool:
    return any(note.resolution != "保留原文" for note in notes)


@pytest.mark.parametrize("rubric_id", sorted(EXPECTED))
def test_every_printed_text_is_verbatim_from_the_notice(notices: Path, rubric_id: str) -> None:
    rubric = load_rubric(rubric_id)
    whole = _compact((notices / rubric.source.file).read_text(encoding="utf-8"))
    section = _compact(_appendix_text(notices / rubric.source.file, rubric.source.appendix))
    expected: list[str] = [
        rubric.title,
        *(field.label for field in rubric.header_fields),
        "".join(rubric.columns),
    ]
    expected += [rubric.subject or "", rubric.note or "", rubric.total_row_label or "", *rubric.footer]
    expected += [veto.printed for veto in rubric.vetoes]
    notes: list[SourceNote] = []
    for category in rubric.categories:
        notes += category.source_notes
        if not _is_corrected(category.source_notes):
            expected.append(category.name + (category.cap_text or ""))
        expected += [group.name + (group.cap_text or "") for group in category.groups]
        for item in category.items:
            notes += item.source_notes
            expected.append(
                item.name if _is_corrected(item.source_notes) else item.name + (item.cap_text or "")
            )
            for level in item.levels:
                notes += level.source_notes
                expected.append(level.text)
                if not _is_corrected(level.source_notes):
                    expected.append(level.text + level.points + (level.remark or ""))
    missing = [text for text in expected if _compact(text) not in section]
    assert missing == []
    assert [note.literal for note in notes if _compact(note.literal) not in section] == []
    assert [note.literal for note in rubric.source_notes if _compact(note.literal) not in whole] == []


def test_items_appear_in_the_official_order(notices: Path) -> None:
    for rubric_id in sorted(EXPECTED):
        rubric = load_rubric(rubric_id)
        section = _compact(_appendix_text(notices / rubric.source.file, rubric.source.appendix))
        positions = [section.index(_compact(level.text)) for item in rubric.items for level in item.levels]
        assert positions == sorted(positions), rubric_id


@pytest.mark.parametrize("rubric_id", sorted(EXPECTED))
def test_printed_marks_kept_for_the_form_are_verbatim_from_the_notice(notices: Path, rubric_id: str) -> None:
    rubric = load_rubric(rubric_id)
    section = _compact(_appendix_text(notices / rubric.source.file, rubric.source.appendix))
    printed = [c.name + c.printed_cap_text for c in rubric.categories if c.printed_cap_text]
    printed += [
        level.text + level.printed_points
        for item in rubric.items
        for level in item.levels
        if level.printed_points
    ]
    assert [text for text in printed if _compact(text) not in section] == []
