"""Draw a :class:`FormLayout` as a .docx that looks like the printed official form.

A4 portrait; 附件 label in 黑体 四号, title in 黑体 小二, header lines in 宋体 小四, the table in 宋体 五号
with 0.5 pt inner and 1 pt outer borders, the header row repeated on every page and no row split
across pages. Every run names its East-Asian font (``w:eastAsia``) and its Latin font, and the theme
fonts of python-docx's template are removed, so Word and LibreOffice do not fall back to Calibri/MS
Mincho for Chinese text.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from rubric_engine._forms._layout import FormLayout, LayoutCell, LayoutRow

__all__ = ["BODY_FONT", "LATIN_FONT", "TITLE_FONT", "render_docx"]

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
LATIN_FONT = "Times New Roman"

# Chinese type sizes (号) in points.
SIZE_XIAO_ER = Pt(18)  # 小二: title
SIZE_SI = Pt(14)  # 四号: 附件 label
SIZE_XIAO_SI = Pt(12)  # 小四: header lines
SIZE_WU = Pt(10.5)  # 五号: table
SIZE_XIAO_WU = Pt(9)  # 小五: notes under the table

PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
MARGIN_TOP, MARGIN_BOTTOM = Cm(2.5), Cm(2.2)
MARGIN_SIDE = Cm(2.0)
FULL_WIDTH_SPACE = "\u3000"
# Full-width characters of 小四 that fit the 17 cm text width, less a little slack.
HEADER_LINE_CAPACITY = 38.0

_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER}
_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def render_docx(layout: FormLayout, *, author: str = "申报助手") -> bytes:
    """The completed form as .docx bytes (written atomically by the caller)."""
    document = Document()
    _set_up_page(document)
    _set_up_styles(document)
    document.core_properties.title = layout.title
    document.core_properties.author = author
    document.core_properties.comments = ""

    body = document.paragraphs[0] if document.paragraphs else document.add_paragraph()
    _write(body, layout.appendix_label, font=TITLE_FONT, size=SIZE_SI)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(6)
    title.paragraph_format.space_after = Pt(12)
    _write(title, layout.title, font=TITLE_FONT, size=SIZE_XIAO_ER)
    _write_header_lines(document, layout)
    # The review block is the table's last row, as printed; notes under the table follow it. A form that
    # prints no review block (附件3-1) gets none.
    table = _write_table(document, layout, review_row=bool(layout.footer))
    _keep_blocks_together(table, layout)
    for note in layout.notes:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(4)
        _write(paragraph, note, size=SIZE_XIAO_WU)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- page, styles, runs -----------------------------------------------------------------------------


def _set_up_page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin = section.right_margin = MARGIN_SIDE
    section.header_distance = section.footer_distance = Cm(1.5)


def set_run_fonts(r_pr_owner: object, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the East-Asian and Latin fonts on an rPr (of a run or a style); drop theme font references."""
    r_pr = r_pr_owner.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attribute in _THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _set_up_styles(document: DocumentObject) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        r_pr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if r_pr is not None:
            fonts = r_pr.find(qn("w:rFonts"))
            if fonts is not None:
                for attribute in _THEME_FONT_ATTRIBUTES:
                    fonts.attrib.pop(qn(attribute), None)
                fonts.set(qn("w:ascii"), LATIN_FONT)
                fonts.set(qn("w:hAnsi"), LATIN_FONT)
                fonts.set(qn("w:cs"), LATIN_FONT)
                fonts.set(qn("w:eastAsia"), BODY_FONT)
            language = r_pr.find(qn("w:lang"))
            if language is not None:
                language.set(qn("w:val"), "en-US")
                language.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.size = SIZE_WU
    normal.font.name = LATIN_FONT
    set_run_fonts(normal.element, BODY_FONT)
    paragraph_format = normal.paragraph_format
    paragraph_format.space_before = paragraph_format.space_after = Pt(0)
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE


def _write(
    paragraph: Paragraph,
    text: str,
    *,
    font: str = BODY_FONT,
    size: Pt = SIZE_WU,
    bold: bool = False,
    underline: bool = False,
) -> None:
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.bold = bold
    run.font.underline = underline
    set_run_fonts(run._r, font)


# --- header lines ----------------------------------------------------------------------------------


def _display_width(text: str) -> float:
    """Width in full-width character cells: CJK and full-width forms count 1, ASCII 0.5."""
    return sum(0.5 if ord(char) < 0x2E80 else 1.0 for char in text)


def _header_line_breaks(layout: FormLayout) -> list[list[int]]:
    """Pack the header fields greedily into lines that fit the text width (no wrap inside a field)."""
    lines: list[list[int]] = [[]]
    used = 0.0
    for index, field in enumerate(layout.header_fields):
        width = _display_width(field.label) + 1 + max(_display_width(field.value), field.blank_width) + 1
        if lines[-1] and used + width > HEADER_LINE_CAPACITY:
            lines.append([])
            used = 0.0
        lines[-1].append(index)
        used += width
    return lines


def _write_header_lines(document: DocumentObject, layout: FormLayout) -> None:
    if layout.subject:
        subject = document.add_paragraph()
        _write(subject, f"评审对象：{layout.subject}", size=SIZE_XIAO_SI)
    if not layout.header_fields:
        return
    lines = _header_line_breaks(layout)
    for line_number, indexes in enumerate(lines):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(4)
        if line_number == len(lines) - 1:
            paragraph.paragraph_format.space_after = Pt(6)
        for position, index in enumerate(indexes):
            field = layout.header_fields[index]
            if position:
                _write(paragraph, FULL_WIDTH_SPACE, size=SIZE_XIAO_SI)
            _write(paragraph, f"{field.label}：", size=SIZE_XIAO_SI)
            padding = max(field.blank_width - round(_display_width(field.value)), 0)
            left = padding // 2
            blank = FULL_WIDTH_SPACE * left + field.value + FULL_WIDTH_SPACE * (padding - left)
            _write(paragraph, blank or FULL_WIDTH_SPACE, size=SIZE_XIAO_SI, underline=True)


# --- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Placed:
    row: int
    column: int
    cell: LayoutCell


def _placed_cells(rows: tuple[LayoutRow, ...]) -> Iterator[_Placed]:
    for row_index, row in enumerate(rows):
        column = 0
        for cell in row.cells:
            yield _Placed(row_index, column, cell)
            column += cell.span


def _write_table(document: DocumentObject, layout: FormLayout, *, review_row: bool) -> Table:
    rows = (LayoutRow(layout.header_row), *layout.rows)
    columns = len(layout.column_widths_cm)
    table = document.add_table(rows=len(rows) + int(review_row), cols=columns)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _set_width(table, sum(layout.column_widths_cm))
    _set_borders(table)
    for index, width in enumerate(layout.column_widths_cm):
        table.columns[index].width = Cm(width)
        for cell in table.columns[index].cells:
            cell.width = Cm(width)

    placed = list(_placed_cells(rows))
    for item in placed:
        is_header = item.row == 0
        cell = table.cell(item.row, item.column)
        if not _continues_merge(placed, item):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = _ALIGN["center" if is_header else item.cell.align]
            lines = item.cell.text.split("\n")
            for line_number, line in enumerate(lines):
                target = paragraph if line_number == 0 else cell.add_paragraph()
                target.alignment = paragraph.alignment
                _write(target, line, font=TITLE_FONT if is_header else BODY_FONT, bold=item.cell.bold)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    _merge(table, placed)
    for index, row in enumerate(table.rows):
        _row_properties(row, header=index == 0)
    if review_row:
        _write_review_row(table, layout)
    return table


def _continues_merge(placed: list[_Placed], item: _Placed) -> bool:
    """True when the cell right above holds the same merge key (its text is written there)."""
    if item.cell.merge_key is None:
        return False
    return any(
        other.row == item.row - 1
        and other.column == item.column
        and other.cell.span == item.cell.span
        and other.cell.merge_key == item.cell.merge_key
        for other in placed
    )


def _merge(table: Table, placed: list[_Placed]) -> None:
    # Horizontal spans first, then vertical runs of equal merge keys (rectangles of the same width).
    for item in placed:
        if item.cell.span > 1:
            table.cell(item.row, item.column).merge(table.cell(item.row, item.column + item.cell.span - 1))
    for item in placed:
        if item.cell.merge_key is None or _continues_merge(placed, item):
            continue
        last = item.row
        while True:
            below = [
                other
                for other in placed
                if other.row == last + 1
                and other.column == item.column
                and other.cell.span == item.cell.span
                and other.cell.merge_key == item.cell.merge_key
            ]
            if not below:
                break
            last += 1
        if last > item.row:
            table.cell(item.row, item.column).merge(table.cell(last, item.column + item.cell.span - 1))


def _write_review_row(table: Table, layout: FormLayout) -> None:
    """The last row: the printed 审核意见 line, room to write, then the printed 盖章 line; nothing more."""
    row = table.rows[-1]
    cell = row.cells[0] if len(row.cells) == 1 else row.cells[0].merge(row.cells[-1])
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    row.height = Cm(4.2)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    first, *rest = layout.footer
    _write(cell.paragraphs[0], first)
    for _ in range(3):
        cell.add_paragraph()
    for line in rest:
        stamp = cell.add_paragraph()
        stamp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _write(stamp, line)


# --- low-level table XML ---------------------------------------------------------------------------


def _set_width(table: Table, width_cm: float) -> None:
    """An explicit table width (twentieths of a point), so Word lays the fixed grid out as designed."""
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(round(Cm(width_cm).twips)))


def _set_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge, size in (("top", 8), ("left", 8), ("bottom", 8), ("right", 8), ("insideH", 4), ("insideV", 4)):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), str(size))  # eighths of a point
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)
    # Schema order matters to Word: tblBorders comes before shd/tblLayout/tblCellMar/tblLook.
    tbl_pr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription"
    )


def _row_properties(row: _Row, *, header: bool) -> None:
    """Rows never split across pages; the header row repeats on every page."""
    if header:
        row.height = Cm(0.8)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    tr_pr = row._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")
    # Schema order: ... cantSplit, trHeight, tblHeader ...
    height = tr_pr.find(qn("w:trHeight"))
    if height is not None:
        height.addprevious(cant_split)
    else:
        tr_pr.append(cant_split)
    if header:
        tbl_header = OxmlElement("w:tblHeader")
        (height if height is not None else cant_split).addnext(tbl_header)


def _keep_blocks_together(table: Table, layout: FormLayout) -> None:
    """Keep each 评审项目 on one page where it fits, so its merged name cell is not left behind.

    Word keeps a row with the next one when its paragraphs carry keep-with-next; the 小计/总得分 rows
    close a block and do not. (LibreOffice ignores this for table rows; Word honours it.)
    """
    kinds = ["header", *(row.kind for row in layout.rows)]
    for index, row in enumerate(table.rows):
        kind = kinds[index] if index < len(kinds) else "review"
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_together = True
                paragraph.paragraph_format.keep_with_next = kind in ("header", "level")
