"""What a completed self-assessment form shows, independent of the output format.

The .docx renderer draws exactly this; building it from a rubric and an assessment lives in
``_build.py``. Cells that share a ``merge_key`` in consecutive rows of the same column are merged
vertically (the official forms' rowspans for 评审项目 and 评审细项).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["FormLayout", "HeaderField", "LayoutCell", "LayoutRow"]

Align = Literal["left", "center"]
RowKind = Literal["level", "total"]


@dataclass(frozen=True)
class LayoutCell:
    text: str
    span: int = 1
    merge_key: str | None = None
    align: Align = "left"
    bold: bool = False


@dataclass(frozen=True)
class LayoutRow:
    cells: tuple[LayoutCell, ...]
    kind: RowKind = "level"
    # The point mark printed at the end of this row's wording cell (bands shape), e.g. "（13-16分）": the PDF
    # pass moves it to a line of its own when LibreOffice would break inside it.
    mark: str | None = None

    @property
    def width(self) -> int:
        return sum(cell.span for cell in self.cells)


@dataclass(frozen=True)
class HeaderField:
    """A labelled blank above the table (姓名 ____); ``value`` already sanitised, '' when not given."""

    label: str
    value: str
    # Width of the underlined blank in full-width characters, so an empty field still looks fillable.
    blank_width: int = 8


@dataclass(frozen=True)
class FormLayout:
    appendix_label: str
    title: str
    subject: str | None  # 评审对象：... (None when the form has no such line)
    header_fields: tuple[HeaderField, ...]
    header_row: tuple[LayoutCell, ...]
    column_widths_cm: tuple[float, ...]
    rows: tuple[LayoutRow, ...]
    notes: tuple[str, ...]  # lines under the table: the printed 注, then what the assistant added, marked so
    # The printed 审核意见 / 盖章 lines, verbatim; () when the official table has none (连云港 附件3-1).
    footer: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        columns = len(self.column_widths_cm)
        widths = {sum(cell.span for cell in self.header_row)} | {row.width for row in self.rows}
        if widths != {columns}:
            raise ValueError(f"every row must cover {columns} columns, got widths {sorted(widths)}")
