"""The units a passage is read in (knowledge/_sentences.py): a table row with the rest of its cells,
and prose after a table that is not a cell's rest."""

from __future__ import annotations

from knowledge._sentences import display_text, split_units

RUBRIC_THEN_VETO = (
    "评分项目\t分值\t主要内容\n"
    "班组管理\t20\t制度健全、分工明确\n"
    "有下列情形之一的，一票否决：\n"
    "1.近2年内发生人身伤亡事故的；\n"
    "2.申报材料弄虚作假的。"
)


def test_a_line_announcing_a_list_under_a_table_is_prose_not_the_last_cell():
    units = split_units(RUBRIC_THEN_VETO)
    rows = [u.text for u in units if u.kind == "row"]
    # each row ends with its own cells
    assert rows == ["评分项目 | 分值 | 主要内容", "班组管理 | 20 | 制度健全、分工明确"]
    [block] = [u for u in units if u.kind == "block"]
    # the list's items are read with the line announcing them, so "哪些情形一票否决" gets all of them
    assert block.text == "有下列情形之一的，一票否决： 1.近2年内发生人身伤亡事故的； 2.申报材料弄虚作假的。"
    for unit in units:
        assert display_text(RUBRIC_THEN_VETO[unit.start : unit.end]) == unit.text


def test_a_cells_short_label_ending_in_a_colon_is_still_the_rows_rest():
    text = "初审意见\t评价结论\t评价得分：\n优良/80分以上\n合格/60分以上\t建议等级"
    rows = [u.text for u in split_units(text) if u.kind == "row"]
    assert rows == ["初审意见 | 评价结论 | 评价得分： 优良/80分以上 合格/60分以上 | 建议等级"]
