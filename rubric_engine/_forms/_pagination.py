"""Fixes to the PDF's layout that only a rendering can show, found by reading the PDF's text back.

LibreOffice breaks a line between a digit and 分 and ignores word joiners there, so a point mark can wrap
("（13-⏎16分）"); and a row of an item (or 评审项目) that starts a new page shows an empty name cell, the
name being in the merged cell on the page before. After a rendering, :func:`layout_fixes` finds both; the
caller renders again with :func:`apply_fixes`: the mark on a line of its own, and the merged cell restarted
on the new page with its name and "（续）".
"""

from __future__ import annotations

import dataclasses
import io
import re

from pypdf import PdfReader

from rubric_engine._forms._layout import FormLayout, LayoutCell, LayoutRow

__all__ = ["CONTINUED", "LayoutFixes", "apply_fixes", "layout_fixes", "page_texts"]

CONTINUED = "（续）"
_PROBE = 10  # characters of a wording cell that find its page
_TAIL = 8  # characters before a mark that find the mark


@dataclasses.dataclass(frozen=True)
class LayoutFixes:
    broken_marks: frozenset[int] = frozenset()  # row indexes (in layout.rows) whose mark wrapped
    continued: frozenset[int] = frozenset()  # row indexes that start a page inside a merged cell

    def __bool__(self) -> bool:
        return bool(self.broken_marks or self.continued)

    def __or__(self, other: LayoutFixes) -> LayoutFixes:
        return LayoutFixes(self.broken_marks | other.broken_marks, self.continued | other.continued)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with its line breaks, without the spaces pypdf puts between scripts."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"[ \u3000\t]+", "", page.extract_text() or "") for page in reader.pages]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _wording(row: LayoutRow) -> LayoutCell | None:
    return next((cell for cell in row.cells if row.mark and row.mark in cell.text), None)


def _mark_breaks(row: LayoutRow, text: str) -> bool:
    cell = _wording(row)
    if cell is None or row.mark is None:
        return False
    before = _compact(cell.text.rsplit(row.mark, 1)[0])[-_TAIL:]
    pattern = re.escape(before) + r"\n?" + r"\n?".join(re.escape(char) for char in row.mark)
    match = re.search(pattern, text)
    return match is not None and "\n" in match.group(0)[len(before) :].lstrip("\n")


def layout_fixes(layout: FormLayout, pages: list[str]) -> LayoutFixes:
    """What the rendering ``pages`` (from :func:`page_texts`) shows to be wrong with ``layout``."""
    whole = "\n".join(pages)
    broken = frozenset(index for index, row in enumerate(layout.rows) if _mark_breaks(row, whole))
    flat = [_compact(page) for page in pages]
    continued: set[int] = set()
    page = 0
    previous_page: int | None = None
    for index, row in enumerate(layout.rows):
        probe = next((_compact(cell.text)[:_PROBE] for cell in row.cells if cell.merge_key is None), "")
        found = next((number for number in range(page, len(flat)) if probe and probe in flat[number]), None)
        if found is None:
            previous_page = None
            continue
        page = found
        if previous_page is not None and found > previous_page and index > 0:
            above = layout.rows[index - 1]
            if any(cell.merge_key and cell in above.cells for cell in row.cells):
                continued.add(index)
        previous_page = found
    return LayoutFixes(broken, frozenset(continued))


def _mark_on_its_own_line(cell: LayoutCell, mark: str) -> LayoutCell:
    if cell.merge_key is not None or mark not in cell.text:
        return cell
    before, _, after = cell.text.rpartition(mark)
    return dataclasses.replace(cell, text=f"{before}\n{mark}{after}")


def apply_fixes(layout: FormLayout, fixes: LayoutFixes) -> FormLayout:
    """``layout`` with the broken marks on lines of their own and merged cells restarted where continued."""
    rows: list[LayoutRow] = []
    renamed: dict[LayoutCell, LayoutCell] = {}
    for index, row in enumerate(layout.rows):
        if index in fixes.continued:
            for cell in row.cells:
                if cell.merge_key and index > 0 and cell in layout.rows[index - 1].cells:
                    renamed[cell] = dataclasses.replace(
                        cell, text=f"{cell.text}\n{CONTINUED}", merge_key=f"{cell.merge_key}#{index}"
                    )
        cells = tuple(renamed.get(cell, cell) for cell in row.cells)
        if index in fixes.broken_marks and row.mark:
            cells = tuple(_mark_on_its_own_line(cell, row.mark) for cell in cells)
        rows.append(dataclasses.replace(row, cells=cells))
    return dataclasses.replace(layout, rows=tuple(rows))
