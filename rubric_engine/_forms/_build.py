"""Lay out a rubric and an assessment as the official table: which text goes in which cell.

Two table shapes exist in the notices:

* 评审项目 · 评审细项 · 评分标准 · 评分 (连云港 3-2..3-4, 青海 3-1/3-2): one row per band, the band's
  point mark printed after its wording, 评审项目 and 评审细项 merged down their rows.
* 项目 · 评分内容 · 分值 · 得分 (连云港 3-1): 评分内容 splits into group · item · wording; the point mark
  has its own 分值 column; a 总得分 row closes the table and the 一票否决 note follows it.

The applicant's score goes in the row of the band it falls in; every other row stays empty.
Only the official table is printed: no 小计 rows, no signature or date lines it does not have, a point
mark as the notice prints it even where the rubric resolves it. What the assistant adds (the veto answers
of 附件3-1, how a defective mark was read) goes in a note under the table that says it was added.
"""

from __future__ import annotations

from collections.abc import Mapping

from rubric_engine._forms._layout import FormLayout, HeaderField, LayoutCell, LayoutRow
from rubric_engine._forms._sanitise import clean_text
from rubric_engine._models import AssessmentResult, Category, Item, Level, Rubric
from rubric_engine._models import HeaderField as RubricHeaderField

__all__ = ["FormFieldError", "form_layout", "resolve_fields", "uses_points_column"]

FIELD_MAX_LENGTH = 60
ADDED_NOTES_HEADING = "【申报助手说明】以下内容为填表时添加，原表没有："
# A derived figure below every printed threshold gets a row the official table lacks, marked so.
ADDED_ROW_MARK = "（原表无此行，申报助手添加）"

# Column widths in cm for a 17 cm text width (A4 minus 2 cm margins).
_WIDTHS_BANDS = (2.3, 3.4, 9.5, 1.8)
_WIDTHS_POINTS_COLUMN = (2.2, 2.2, 2.4, 6.6, 1.8, 1.8)


class FormFieldError(ValueError):
    """A header field the form does not have, or one the applicant may not fill (message in Chinese)."""


def uses_points_column(rubric: Rubric) -> bool:
    """True for the 项目 · 评分内容 · 分值 · 得分 shape (连云港 附件3-1)."""
    return "分值" in rubric.columns


def fillable_fields(rubric: Rubric) -> list[RubricHeaderField]:
    return [field for field in rubric.header_fields if field.fill is None]


def resolve_fields(rubric: Rubric, fields: Mapping[str, str] | None) -> dict[str, str]:
    """Header values by field id, sanitised. Keys may be a field's id or its printed label (姓名)."""
    resolved: dict[str, str] = {}
    allowed = "、".join(field.label for field in fillable_fields(rubric)) or "（无）"
    for key, value in (fields or {}).items():
        wanted = key.strip().rstrip("：:")
        match = next((field for field in rubric.header_fields if wanted in (field.id, field.label)), None)
        if match is None:
            raise FormFieldError(
                f"{rubric.appendix}《{rubric.title}》没有“{wanted}”这一栏，可填写：{allowed}"
            )
        if match.fill == "total":
            raise FormFieldError(f"“{match.label}”由自评分数自动算出，不能手填；可填写：{allowed}")
        resolved[match.id] = clean_text(value, max_length=FIELD_MAX_LENGTH)
    return resolved


def _all_items_scored(result: AssessmentResult) -> bool:
    """The total is printed once every item has a score (an unanswered veto leaves its own blank instead)."""
    return all(item.score is not None for item in result.items)


def _blank_width(field: RubricHeaderField) -> int:
    if field.fill == "total":
        return 4
    return 14 if "单位" in field.label else 7


def _header_fields(
    rubric: Rubric, result: AssessmentResult, values: dict[str, str]
) -> tuple[HeaderField, ...]:
    shown: list[HeaderField] = []
    for field in rubric.header_fields:
        if field.fill == "total":
            value = str(result.total) if _all_items_scored(result) else ""
        else:
            value = values.get(field.id, "")
        shown.append(HeaderField(label=field.label, value=value, blank_width=_blank_width(field)))
    return tuple(shown)


def _title_with_cap(name: str, cap_text: str | None) -> str:
    return f"{name}\n{cap_text}" if cap_text else name


def _category_title(category: Category) -> str:
    return _title_with_cap(category.name, category.printed_cap_text or category.cap_text)


def _printed_points(level: Level) -> str:
    return level.printed_points or level.points


def _score_rows(item: Item, result: AssessmentResult) -> dict[int, str]:
    """Level index -> printed score: only the chosen level's row holds a number."""
    outcome = next(entry for entry in result.items if entry.id == item.id)
    if outcome.score is None:
        return {}
    if outcome.level_index is not None:
        return {outcome.level_index: str(outcome.score)}
    if outcome.vetoed or (item.veto is not None and outcome.score == 0):
        # 0 by veto: the band that carries the 一票否决 remark holds it (else the first band).
        marked = next((index for index, level in enumerate(item.levels) if level.remark), 0)
        return {marked: str(outcome.score)}
    return {-1: str(outcome.score)}  # a derived figure below every threshold: the extra row


def _category_rows_bands(category: Category, result: AssessmentResult) -> list[LayoutRow]:
    rows: list[LayoutRow] = []
    category_cell = LayoutCell(_category_title(category), merge_key=f"c:{category.id}", align="center")
    for item in category.items:
        scores = _score_rows(item, result)
        item_cell = LayoutCell(
            _title_with_cap(item.name, item.cap_text), merge_key=f"i:{item.id}", align="center"
        )
        for index, level in enumerate(item.levels):
            wording = f"{level.text}{_printed_points(level)}{level.remark or ''}"
            score = LayoutCell(scores.get(index, ""), align="center", bold=True)
            rows.append(
                LayoutRow((category_cell, item_cell, LayoutCell(wording), score), mark=_printed_points(level))
            )
        if -1 in scores and item.figure is not None:
            below = f"{item.figure.below_text}（{item.figure.below_points}分）{ADDED_ROW_MARK}"
            rows.append(
                LayoutRow(
                    (category_cell, item_cell, LayoutCell(below), LayoutCell(scores[-1], align="center"))
                )
            )
    return rows


def _category_rows_points_column(category: Category, result: AssessmentResult) -> list[LayoutRow]:
    rows: list[LayoutRow] = []
    groups = {group.id: group for group in category.groups}
    category_cell = LayoutCell(_category_title(category), merge_key=f"c:{category.id}", align="center")
    for item in category.items:
        scores = _score_rows(item, result)
        item_title = _title_with_cap(item.name, item.cap_text)
        if item.group is not None:
            group = groups[item.group]
            lead: tuple[LayoutCell, ...] = (
                LayoutCell(
                    _title_with_cap(group.name, group.cap_text), merge_key=f"g:{group.id}", align="center"
                ),
                LayoutCell(item_title, merge_key=f"i:{item.id}", align="center"),
            )
        else:
            lead = (LayoutCell(item_title, span=2, merge_key=f"i:{item.id}", align="center"),)
        for index, level in enumerate(item.levels):
            wording = f"{level.text}{level.remark or ''}"
            cells = (
                category_cell,
                *lead,
                LayoutCell(wording),
                LayoutCell(_printed_points(level), align="center"),
                LayoutCell(scores.get(index, ""), align="center", bold=True),
            )
            rows.append(LayoutRow(cells))
        if -1 in scores and item.figure is not None:
            cells = (
                category_cell,
                *lead,
                LayoutCell(f"{item.figure.below_text}{ADDED_ROW_MARK}"),
                LayoutCell(f"{item.figure.below_points}分", align="center"),
                LayoutCell(scores[-1], align="center", bold=True),
            )
            rows.append(LayoutRow(cells))
    return rows


def _veto_answers(rubric: Rubric, result: AssessmentResult) -> list[str]:
    """The answers to the vetoes that have no row of their own in the table (附件3-1)."""
    answers = {veto.id: veto.triggered for veto in result.vetoes}
    standalone = [veto for veto in rubric.vetoes if veto.item is None]
    if not standalone:
        return []
    parts = []
    for number, veto in enumerate(standalone, start=1):
        triggered = answers.get(veto.id)
        # Only what the applicant said is printed: an unanswered veto is left to tick by hand.
        answer = "□是　□否" if triggered is None else ("是（一票否决）" if triggered else "否")
        parts.append(f"{number}、{veto.condition}：{answer}")
    return ["一票否决自查：" + "；".join(parts) + "。"]


def _mark_resolutions(rubric: Rubric) -> list[str]:
    """How each mark printed as the notice has it (but defective) is counted, from its source note."""
    lines: list[str] = []
    for category in rubric.categories:
        if category.printed_cap_text:
            note = next(n for n in category.source_notes if category.printed_cap_text in n.literal)
            lines.append(f"原表“{category.name}{category.printed_cap_text}”：{note.resolution}。")
        for item in category.items:
            for level in item.levels:
                if level.printed_points:
                    note = next(n for n in level.source_notes if level.printed_points in n.literal)
                    lines.append(f"原表“{item.name}”中“{note.literal}”：{note.resolution}。")
    return lines


def _notes(rubric: Rubric, result: AssessmentResult) -> tuple[str, ...]:
    """The printed 注 line, then what the assistant added, under a heading that says it was added."""
    notes = [rubric.note] if rubric.note else []
    added = _veto_answers(rubric, result) + _mark_resolutions(rubric)
    if added:
        notes.append(ADDED_NOTES_HEADING)
        notes.extend(f"{number}. {line}" for number, line in enumerate(added, start=1))
    return tuple(notes)


def form_layout(
    rubric: Rubric, result: AssessmentResult, fields: Mapping[str, str] | None = None
) -> FormLayout:
    """The official table of ``rubric`` filled with ``result`` and the header ``fields``."""
    if result.rubric_id != rubric.id:
        raise ValueError(f"assessment of {result.rubric_id} cannot fill the form {rubric.id}")
    values = resolve_fields(rubric, fields)
    points_column = uses_points_column(rubric)
    rows: list[LayoutRow] = []
    for category in rubric.categories:
        if points_column:
            rows.extend(_category_rows_points_column(category, result))
        else:
            rows.extend(_category_rows_bands(category, result))
    widths = _WIDTHS_POINTS_COLUMN if points_column else _WIDTHS_BANDS
    if points_column:
        first, content, *rest = rubric.columns
        header = (
            LayoutCell(first, align="center"),
            LayoutCell(content, span=3, align="center"),
            *(LayoutCell(title, align="center") for title in rest),
        )
    else:
        header = tuple(LayoutCell(title, align="center") for title in rubric.columns)
    if rubric.total_row_label:
        total = str(result.total) if _all_items_scored(result) else ""
        rows.append(
            LayoutRow(
                (
                    LayoutCell(rubric.total_row_label, span=len(widths) - 1, align="center", bold=True),
                    LayoutCell(total, align="center", bold=True),
                ),
                kind="total",
            )
        )
    return FormLayout(
        appendix_label=rubric.appendix,
        title=rubric.title,
        subject=rubric.subject,
        header_fields=_header_fields(rubric, result, values),
        header_row=header,
        column_widths_cm=widths,
        rows=tuple(rows),
        notes=_notes(rubric, result),
        footer=tuple(rubric.footer),
    )
