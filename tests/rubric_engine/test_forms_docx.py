"""The completed .docx form: read back with python-docx and compared with the rubric, cell by cell."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table

import rubric_engine
from rubric_engine import FormFieldError, render_form_docx

STAR = "lianyungang-2016-star"  # 附件3-4
MANAGER = "lianyungang-2016-manager"  # 附件3-2, carries the accident veto in a band
ENTERPRISE = "lianyungang-2016-enterprise"  # 附件3-1, 项目 · 评分内容 · 分值 · 得分


def scores_for(rubric: rubric_engine.Rubric, pick: str = "top") -> list[int]:
    """A valid score per item: the top of the last band, or the bottom of the first band."""
    if pick == "top":
        return [item.allowed_scores[-1] for item in rubric.items]
    return [min(score for score in item.allowed_scores if score > 0) for item in rubric.items]


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def row_texts(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.fixture(scope="module")
def star() -> rubric_engine.Rubric:
    return rubric_engine.load_rubric(STAR)


@pytest.fixture(scope="module")
def star_form(star: rubric_engine.Rubric) -> tuple[rubric_engine.AssessmentResult, docx.document.Document]:
    scores = [9, 13, 8, 7, 4, 16, 12]  # mixed bands: top, top, middle, middle, second, third, second
    result = rubric_engine.assess(star, scores, {})
    fields = {"姓名": "张三", "单位": "连云港市供电公司客户服务中心", "岗位": "客户经理"}
    return result, open_docx(render_form_docx(star, result, fields))


def test_heading_subject_and_header_fields(star: rubric_engine.Rubric, star_form) -> None:
    result, document = star_form
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == "附件3-4"
    assert texts[1] == "连云港市用户满意之星自评标准" == star.title
    assert "评审对象：工作在服务一线的从业人员" in texts
    header = "".join(texts[3:]).replace("\u3000", "")
    assert "姓名：张三" in header
    assert "单位：连云港市供电公司客户服务中心" in header
    assert "岗位：客户经理" in header
    assert f"自评总分：{result.total}" in header
    assert result.total == 69


def test_every_category_item_and_level_is_printed_with_the_score_only_in_the_chosen_row(
    star: rubric_engine.Rubric, star_form
) -> None:
    result, document = star_form
    assert len(document.tables) == 1
    rows = row_texts(document.tables[0])
    assert rows[0] == ["评审项目", "评审细项", "评分标准", "评分"]
    by_wording = {row[2]: row for row in rows[1:]}
    outcomes = {entry.id: entry for entry in result.items}
    for category in star.categories:
        for item in category.items:
            outcome = outcomes[item.id]
            for index, level in enumerate(item.levels):
                row = by_wording[f"{level.text}{level.points}{level.remark or ''}"]
                assert row[0] == f"{category.name}\n{category.cap_text}"
                assert row[1] == f"{item.name}\n{item.cap_text}"
                expected = str(outcome.score) if index == outcome.level_index else ""
                assert row[3] == expected, (item.id, index)
    level_rows = sum(len(item.levels) for item in star.items)
    assert len(rows) == 1 + level_rows + 1  # header, bands, 审核意见: no 小计 rows the official table lacks


@pytest.mark.parametrize("rubric_id", rubric_engine.list_rubrics())
def test_the_printed_form_adds_no_rows_or_lines_the_official_table_lacks(rubric_id: str) -> None:
    rubric = rubric_engine.load_rubric(rubric_id)
    result = rubric_engine.assess(rubric, scores_for(rubric), {veto.id: False for veto in rubric.vetoes})
    document = open_docx(render_form_docx(rubric, result))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert not any("小计" in text or "签字" in text for text in cells)
    assert not any(re.search(r"年\u3000*月\u3000*日", text) for text in cells)
    if not rubric.footer:  # 附件3-1 prints no 审核意见 / 盖章 box
        assert len(document.tables) == 1 and not any("审核意见" in text or "盖章" in text for text in cells)


def test_category_and_item_cells_are_merged_down_their_rows(star: rubric_engine.Rubric, star_form) -> None:
    _result, document = star_form
    table = document.tables[0]
    first_category_rows = sum(len(item.levels) for item in star.categories[0].items)
    category_cells = [table.cell(row, 0)._tc for row in range(1, 1 + first_category_rows)]
    assert all(tc is category_cells[0] for tc in category_cells)
    assert table.cell(1 + first_category_rows, 0)._tc is not category_cells[0]
    item_cells = [table.cell(row, 1)._tc for row in range(1, 1 + len(star.items[0].levels))]
    assert all(tc is item_cells[0] for tc in item_cells)
    xml = document.tables[0]._tbl.xml
    assert xml.count('w:vMerge w:val="restart"') >= len(star.categories) + len(star.items)


def test_review_and_stamp_blanks_are_left_empty(star_form) -> None:
    _result, document = star_form
    last = document.tables[0].rows[-1].cells[0]
    text = last.text
    assert text.startswith("所在组织（或推荐机构）审核意见：")
    # The printed 盖章 line closes it, verbatim; no 负责人签字 or date line the official form lacks.
    assert last.paragraphs[-1].text == "所在组织（或推荐机构）              盖章"
    assert "签字" not in text and "日" not in text
    # Nothing filled in: no digits, no name.
    assert not re.search(r"\d", text) and "张三" not in text


def test_table_header_repeats_and_rows_never_split(star_form) -> None:
    _result, document = star_form
    rows = document.tables[0].rows
    assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in rows[1:])
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows)
    borders = document.tables[0]._tbl.tblPr.find(qn("w:tblBorders"))
    assert {child.get(qn("w:val")) for child in borders} == {"single"}


def test_page_is_a4_portrait_with_margins(star_form) -> None:
    _result, document = star_form
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert section.page_width < section.page_height
    assert Cm(1.5) <= section.left_margin <= Cm(3) and Cm(1.5) <= section.top_margin <= Cm(3)


def test_east_asian_fonts_are_named_on_styles_and_every_run(star_form) -> None:
    _result, document = star_form
    normal_fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal_fonts.get(qn("w:eastAsia")) == "宋体"
    assert normal_fonts.get(qn("w:ascii")) and normal_fonts.get(qn("w:hAnsi"))
    defaults = document.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:rFonts"))
    assert defaults.get(qn("w:eastAsia")) == "宋体" and defaults.get(qn("w:eastAsiaTheme")) is None
    runs = document.element.body.iter(qn("w:r"))
    fonts = [run.find(qn("w:rPr")).find(qn("w:rFonts")) for run in runs]
    assert fonts and all(font is not None for font in fonts)
    assert all(font.get(qn("w:eastAsia")) in {"宋体", "黑体"} for font in fonts)
    assert all(font.get(qn("w:ascii")) and font.get(qn("w:hAnsi")) for font in fonts)
    title_run = document.paragraphs[1].runs[0]
    assert title_run.element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert title_run.font.size.pt == 18  # 小二
    body_sizes = {
        run.font.size.pt
        for row in document.tables[0].rows[1:-1]
        for cell in row.cells
        for paragraph in cell.paragraphs
        for run in paragraph.runs
    }
    assert body_sizes == {10.5}  # 五号


def test_hostile_field_values_are_escaped_and_stripped() -> None:
    rubric = rubric_engine.load_rubric(STAR)
    result = rubric_engine.assess(rubric, scores_for(rubric), {})
    hostile = '<w:t>&amp;\x00</w:t></w:r><w:r>"\u202e\x07\ud800张三'
    data = render_form_docx(rubric, result, {"姓名": hostile, "单位": "A&B<公司>\n第二行"})
    document = open_docx(data)
    header = "".join(paragraph.text for paragraph in document.paragraphs).replace("\u3000", "")
    assert '姓名：<w:t>&amp;</w:t></w:r><w:r>"张三' in header
    assert "单位：A&B<公司> 第二行" in header
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert "&lt;w:t&gt;&amp;amp;" in xml
    assert "\x00" not in xml and "\u202e" not in xml and "\x07" not in xml


def test_unknown_or_computed_fields_are_refused() -> None:
    rubric = rubric_engine.load_rubric(STAR)
    result = rubric_engine.assess(rubric, scores_for(rubric), {})
    with pytest.raises(FormFieldError, match="没有“电话”这一栏，可填写：姓名、单位、岗位"):
        render_form_docx(rubric, result, {"电话": "123"})
    with pytest.raises(FormFieldError, match="自评总分"):
        render_form_docx(rubric, result, {"自评总分": "100"})
    by_id = open_docx(render_form_docx(rubric, result, {"name": "王五"}))
    assert "王五" in "".join(paragraph.text for paragraph in by_id.paragraphs)


def test_unanswered_assessment_leaves_every_score_and_the_total_blank() -> None:
    rubric = rubric_engine.load_rubric(STAR)
    empty = rubric_engine.result(rubric, rubric_engine.start(rubric))
    document = open_docx(render_form_docx(rubric, empty))
    rows = row_texts(document.tables[0])
    assert all(row[3] == "" for row in rows[1:-1])
    header = "".join(paragraph.text for paragraph in document.paragraphs).replace("\u3000", "")
    assert header.endswith("自评总分：")


def test_manager_veto_puts_zero_in_the_band_carrying_the_veto_note() -> None:
    rubric = rubric_engine.load_rubric(MANAGER)
    veto = rubric.vetoes[0]
    carrying = rubric.item(veto.item)
    scores = [0 if item.id == carrying.id else item.allowed_scores[-1] for item in rubric.items]
    result = rubric_engine.assess(rubric, scores, {veto.id: True})
    rows = row_texts(open_docx(render_form_docx(rubric, result)).tables[0])
    veto_level = next(level for level in carrying.levels if level.remark)
    veto_row = next(row for row in rows if row[2].startswith(veto_level.text))
    assert veto_row[3] == "0"
    other_rows = [row for row in rows if any(row[2].startswith(level.text) for level in carrying.levels[1:])]
    assert other_rows and all(row[3] == "" for row in other_rows)


def test_enterprise_form_has_points_column_groups_total_row_and_veto_note() -> None:
    rubric = rubric_engine.load_rubric(ENTERPRISE)
    scores = scores_for(rubric, "bottom")
    derived = next(item for item in rubric.items if item.figure is not None)
    scores[rubric.items.index(derived)] = derived.figure.below_points  # below every threshold
    vetoes = {rubric.vetoes[0].id: False, rubric.vetoes[1].id: True}  # the third is not answered
    result = rubric_engine.assess(rubric, scores, vetoes)
    document = open_docx(render_form_docx(rubric, result, {"单位": "某某公司", "评分人": "李四"}))
    table = document.tables[0]
    header = [cell.text for cell in table.rows[0].cells]
    assert header == ["项目", "评分内容", "评分内容", "评分内容", "分值", "得分"]
    rows = row_texts(table)
    outcomes = {entry.id: entry for entry in result.items}
    for item in rubric.items:
        for index, level in enumerate(item.levels):
            # The item's own cell is column 2 (grouped items) or spans columns 1-2 (the others).
            row = next(row for row in rows if row[3] == level.text and row[2].split("\n")[0] == item.name)
            assert row[4] == (level.printed_points or level.points)  # as the notice prints it
            assert row[5] == (str(outcomes[item.id].score) if index == outcomes[item.id].level_index else "")
    grouped = next(item for item in rubric.items if item.group)
    group = next(g for c in rubric.categories for g in c.groups if g.id == grouped.group)
    assert any(row[1] == f"{group.name}\n{group.cap_text}" for row in rows)
    below = next(row for row in rows if row[3] == f"{derived.figure.below_text}（原表无此行，申报助手添加）")
    assert below[5] == str(derived.figure.below_points)
    total_row = next(row for row in rows if row[0] == "总得分")
    assert total_row[-1] == str(result.total)
    assert not any("小计" in cell for row in rows for cell in row)
    notes = [paragraph.text for paragraph in document.paragraphs]
    assert rubric.note in notes
    # What the assistant added follows the printed 注, under a heading that says so.
    heading = notes.index("【申报助手说明】以下内容为填表时添加，原表没有：")
    assert heading == notes.index(rubric.note) + 1
    self_check = notes[heading + 1]
    assert self_check.startswith("1. 一票否决自查：")
    assert f"{rubric.vetoes[1].condition}：是（一票否决）" in self_check
    assert f"{rubric.vetoes[0].condition}：否" in self_check
    # Only what the applicant said is printed: the unanswered veto is left to tick by hand.
    assert f"{rubric.vetoes[2].condition}：□是\u3000□否" in self_check
    assert len(document.tables) == 1  # 附件3-1 has no 审核意见 / 盖章 box


def test_vetoes_never_answered_are_left_blank_not_printed_as_no() -> None:
    rubric = rubric_engine.load_rubric(ENTERPRISE)
    result = rubric_engine.assess(rubric, scores_for(rubric), {})
    notes = [paragraph.text for paragraph in open_docx(render_form_docx(rubric, result)).paragraphs]
    self_check = next(text for text in notes if "一票否决自查" in text)
    assert "：否" not in self_check and self_check.count("□是\u3000□否") == len(rubric.vetoes)
    total_row = next(
        row for row in row_texts(open_docx(render_form_docx(rubric, result)).tables[0]) if row[0] == "总得分"
    )
    assert total_row[-1] == "100"  # every item is scored: the total is what the applicant said


@pytest.mark.parametrize("rubric_id", rubric_engine.list_rubrics())
@pytest.mark.parametrize("pick", ["top", "bottom"])
def test_every_shipped_form_prints_each_level_once_with_the_score_in_its_row(
    rubric_id: str, pick: str
) -> None:
    rubric = rubric_engine.load_rubric(rubric_id)
    result = rubric_engine.assess(rubric, scores_for(rubric, pick), {})
    rows = row_texts(open_docx(render_form_docx(rubric, result)).tables[0])
    points_column = "分值" in rubric.columns
    wording_at, score_at = (3, 5) if points_column else (2, 3)
    outcomes = {entry.id: entry for entry in result.items}
    scored_rows = 0
    for item in rubric.items:
        for index, level in enumerate(item.levels):
            printed = level.printed_points or level.points  # the mark as the notice prints it
            wording = (
                f"{level.text}{level.remark or ''}"
                if points_column
                else (f"{level.text}{printed}{level.remark or ''}")
            )
            matching = [
                row for row in rows if row[wording_at] == wording and item.name in row[wording_at - 1]
            ]
            assert len(matching) == 1, (item.id, level.text)
            chosen = index == outcomes[item.id].level_index
            assert matching[0][score_at] == (str(outcomes[item.id].score) if chosen else "")
            scored_rows += chosen
    assert scored_rows == len(rubric.items)
    assert sum(category.score for category in result.categories) == result.total


@pytest.mark.parametrize(
    ("rubric_id", "printed", "counted"),
    [
        ("lianyungang-2016-manager", "作风优良\n（15分）", "该评审项目按10分计"),
        ("lianyungang-2016-enterprise", "3-5分", "本行取5分"),
        ("lianyungang-2016-team", "互帮互助，配合默契（8-11分）", "（8分）"),
    ],
)
def test_resolved_marks_print_the_official_text_and_the_resolution_goes_under_the_table(
    rubric_id: str, printed: str, counted: str
) -> None:
    rubric = rubric_engine.load_rubric(rubric_id)
    result = rubric_engine.assess(rubric, scores_for(rubric), {veto.id: False for veto in rubric.vetoes})
    document = open_docx(render_form_docx(rubric, result))
    cells = {cell.text for row in document.tables[0].rows for cell in row.cells}
    assert any(printed in text for text in cells)
    notes = [paragraph.text for paragraph in document.paragraphs]
    heading = notes.index("【申报助手说明】以下内容为填表时添加，原表没有：")
    assert any(counted in note and "原表" in note for note in notes[heading + 1 :])
