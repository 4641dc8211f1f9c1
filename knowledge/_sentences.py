"""Cuts a chunk's text into the units an answer quotes: sentences, whole table rows, list items.

Chunks keep the layout the chunker gives them: prose is one paragraph a line, a table row is one
line of cells joined by CELL_SEPARATOR (a cell of several lines spills onto the next lines). A table
row is one unit, shown with " | " between its cells ("评价结论 | 评价得分： 优良/80分以上 合格/60分以上":
its cells read together), unless it is too long to quote, then each cell is. Prose is cut at 。！？
except where a sentence only opens an inline list ("如下情况均为一票否决：1、…。2、…。3、…" stays
whole). For list questions, a run of numbered lines with the line that introduces it is offered as
one more unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from knowledge._models import CELL_SEPARATOR

UnitKind = Literal["sentence", "row", "cell", "block"]

MAX_ROW_CHARS = 220  # longer rows are quoted cell by cell
# A numbered list longer than this is not offered whole. Longer ones are offered and the answer
# cuts them for a phone (knowledge/_extractive_wording.shown_text).
MAX_BLOCK_CHARS = 1200
_SPILL_CHARS = 40  # lines this short after a row may be the rest of one of its cells
_ANNOUNCING_CHARS = 8  # longer than a cell's label ending in a colon
_LABEL_CHARS = 20  # "推进小组办公室主任：" is a label whose value is on the next line
_MIN_TABLE_ROWS = 3  # rows that make a table worth quoting whole
_MAX_ITEM_LINES = 3  # an item of a list may be followed by this many lines of explanation, minus one
_SENTENCE_END = re.compile(r"[。！？!?](?:[”’」』）)]*)")
_WHITESPACE = re.compile(r"\s+")
# "1、" "1." "1．" "（1）" "(1)" "（一）" "一、" "①": the number and its style.
_ENUMERATOR = re.compile(
    r"^\s*(?:(?P<arabic>\d{1,2})\s*[、.．](?!\d)|[（(](?P<paren>\d{1,2}|[一二三四五六七八九十]{1,3})[）)]"
    r"|(?P<chinese>[一二三四五六七八九十]{1,3})、|(?P<circled>[①-⑳])"
    # steps and articles: "第一步：自评", "第二条", "第三阶段"
    r"|第(?P<ordinal>[一二三四五六七八九十]{1,3})(?:步|条|项|阶段|环节)\s*[：:、.．]?)"
)
_CHINESE_NUMBERS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}


@dataclass(frozen=True)
class Unit:
    """A quotable span of a chunk: `chunk_text[start:end]`; `text` is it with whitespace closed up."""

    start: int
    end: int
    text: str
    kind: UnitKind
    position: int  # order among the chunk's units (blocks share their first item's position)


def display_text(raw: str) -> str:
    """Whitespace runs (newlines inside a cell) -> one space, cells -> " | "; ends stripped."""
    cells = (_WHITESPACE.sub(" ", cell).strip() for cell in raw.split(CELL_SEPARATOR))
    return " | ".join(cell for cell in cells if cell)


def split_units(text: str) -> list[Unit]:
    """The units of a chunk, in reading order, followed by the list blocks."""
    units: list[Unit] = []
    for start, end, is_row in _joined_lines(text, _paragraphs(text)):
        if is_row:
            units.extend(_row_units(text, start, end, len(units)))
        else:
            units.extend(_sentence_units(text, start, end, len(units)))
    return units + _list_blocks(text, units) + _table_blocks(units)


def _paragraphs(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_table_row) spans: a prose line, or a table row with its continuation lines.

    Rows come as cells joined by CELL_SEPARATOR, one row a line, except that a cell holding several
    lines ("评价得分：/优良/80分以上/合格/60分以上") spills onto the lines below: short lines without a
    separator after a row, and the separator line that closes them, belong to that row.
    """
    lines: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, offset + len(line)))
        offset += len(line) + 1

    def raw(i: int) -> str:
        return text[lines[i][0] : lines[i][1]]

    def content(i: int) -> str:
        return raw(i).strip()

    spans: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(lines):
        line = content(i)
        if not line:
            i += 1
            continue
        if not _is_row(raw(i)):
            spans.append((lines[i][0], lines[i][1], False))
            i += 1
            continue
        j, spilled, length = i + 1, False, len(line)
        opened = line.endswith(("：", ":"))
        while j < len(lines) and length < MAX_ROW_CHARS:
            following = content(j)
            if not following:
                break
            if _is_row(raw(j)):
                # A separator line closes a spilled cell that a row left open with a colon
                # ("评价得分：/优良…/不合格/不足60分 | 建议等级"); otherwise it is the next row.
                if not (spilled and opened) or len(raw(j).split(CELL_SEPARATOR)[0].strip()) > _SPILL_CHARS:
                    break
                spilled = False
            elif len(following) > _SPILL_CHARS or following.endswith("。") or _announces(following):
                break
            else:
                spilled = True
            length += len(following)
            j += 1
        spans.append((lines[i][0], lines[j - 1][1], True))
        i = j
    return spans


def _announces(line: str) -> bool:
    """A line that announces a list below it ("有下列情形之一的，一票否决：") opens prose after a
    table; a cell's short label ("评价得分：") does not."""
    return line.endswith(("：", ":")) and len(line) > _ANNOUNCING_CHARS


def _joined_lines(text: str, spans: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
    """Prose lines that do not end their sentence are read with the next line: a line broken after
    a comma ("登陆质量协会网（http://…），/下载有关通知"), or a label and its value
    ("推进小组办公室主任：/质量协会常务副会长 朱炳功"), but not a list's opening line."""
    joined: list[tuple[int, int, bool]] = []
    for start, end, is_row in spans:
        if joined and not is_row and not joined[-1][2]:
            previous = text[joined[-1][0] : joined[-1][1]].rstrip()
            current = text[start:end]
            opens_value = previous.endswith(("：", ":")) and enumerator_style(current) is None
            if previous.endswith(("，", ",", "、")) or (opens_value and len(previous) <= _LABEL_CHARS):
                joined[-1] = (joined[-1][0], end, False)
                continue
        joined.append((start, end, is_row))
    return joined


def _is_row(raw_line: str) -> bool:
    return CELL_SEPARATOR in raw_line


def _row_units(text: str, start: int, end: int, position: int) -> list[Unit]:
    raw = text[start:end]
    shown = display_text(raw)
    if not shown:
        return []
    if len(shown) <= MAX_ROW_CHARS:
        return [Unit(start, end, shown, "row", position)]
    units: list[Unit] = []
    offset = start
    for cell in raw.split(CELL_SEPARATOR):
        cell_start, cell_end = offset, offset + len(cell)
        offset = cell_end + 1
        if display_text(cell):
            # A long cell is prose inside a table: cut it into sentences like prose.
            units.extend(_sentence_units(text, cell_start, cell_end, position + len(units), kind="cell"))
    return units


def _sentence_units(
    text: str, start: int, end: int, position: int, kind: UnitKind = "sentence"
) -> list[Unit]:
    pieces: list[tuple[int, int]] = []
    cursor = start
    segment = text[start:end]
    for match in _SENTENCE_END.finditer(segment):
        piece_end = start + match.end()
        pieces.append((cursor, piece_end))
        cursor = piece_end
    if cursor < end:
        pieces.append((cursor, end))
    pieces = _merge_inline_lists(text, pieces)
    units: list[Unit] = []
    for piece_start, piece_end in pieces:
        raw = text[piece_start:piece_end]
        shown = display_text(raw)
        if not shown:
            continue
        lead = len(raw) - len(raw.lstrip())
        trail = len(raw) - len(raw.rstrip())
        units.append(Unit(piece_start + lead, piece_end - trail, shown, kind, position + len(units)))
    return units


def _merge_inline_lists(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """ "…如下情况：1、A。2、B。3、C" -> one piece: the items continue the sentence that opened them."""
    merged: list[tuple[int, int]] = []
    last_number: int | None = None
    for start, end in pieces:
        piece = text[start:end]
        number = _enumerator_number(piece)
        if merged and number is not None and last_number is not None and number == last_number + 1:
            merged[-1] = (merged[-1][0], end)
            last_number = number
            continue
        merged.append((start, end))
        last_number = _inline_list_start(piece)
    return merged


def _inline_list_start(piece: str) -> int | None:
    """The number of the last item a piece opens inline ("…：1、存在重大…" -> 1), if it does."""
    found = None
    for match in re.finditer(r"[：:]\s*(\d{1,2})\s*[、.．]", piece):
        found = int(match.group(1))
    if found is None:
        return None
    # Items that already follow inside the same piece ("：1、A；2、B。") raise the count.
    numbers = [int(n) for n in re.findall(r"(?<!\d)(\d{1,2})\s*[、.．](?!\d)", piece)]
    return max([found, *[n for n in numbers if n >= found]])


def _enumerator_number(piece: str) -> int | None:
    match = _ENUMERATOR.match(piece)
    if not match:
        return None
    value = match.group("arabic") or match.group("paren") or match.group("chinese") or match.group("ordinal")
    if value:
        return int(value) if value.isdigit() else _chinese_number(value)
    return ord(match.group("circled")) - ord("①") + 1


def enumerator_style(piece: str) -> str | None:
    match = _ENUMERATOR.match(piece)
    if not match:
        return None
    if match.group("paren"):
        return "paren-digit" if match.group("paren").isdigit() else "paren-chinese"
    return next(name for name in ("arabic", "chinese", "circled", "ordinal") if match.group(name))


def _chinese_number(value: str) -> int:
    if value == "十":
        return 10
    if value.startswith("十"):
        return 10 + _CHINESE_NUMBERS.get(value[1:], 0)
    if value.endswith("十"):
        return _CHINESE_NUMBERS.get(value[0], 0) * 10
    if "十" in value:
        tens, ones = value.split("十")
        return _CHINESE_NUMBERS.get(tens, 0) * 10 + _CHINESE_NUMBERS.get(ones, 0)
    return _CHINESE_NUMBERS.get(value, 0)


def _list_blocks(text: str, units: list[Unit]) -> list[Unit]:
    """Numbered runs ((一)(二)(三) or 1、2、3、 on their own lines, an item may carry a line or two of
    explanation) with the line that introduces them ("…如下：" or a short heading)."""
    blocks: list[Unit] = []
    i = 0
    while i < len(units):
        style = enumerator_style(units[i].text)
        if style is None or _enumerator_number(units[i].text) != 1:
            i += 1
            continue
        last, j, expected, items = i, i + 1, 2, 1
        while j < len(units) and j - last <= _MAX_ITEM_LINES:
            if enumerator_style(units[j].text) == style:
                if _enumerator_number(units[j].text) != expected:
                    break
                last, expected, items = j, expected + 1, items + 1
            elif enumerator_style(units[j].text) is not None:
                break
            j += 1
        if items >= 2:
            # the last item keeps the rest of its line ("第五步：公示。评审结果公示7天。")
            while last + 1 < len(units) and "\n" not in text[units[last].end : units[last + 1].start]:
                if units[last + 1].kind != "sentence" or enumerator_style(units[last + 1].text) is not None:
                    break
                last += 1
            first = i - 1 if i > 0 and _introduces(units[i - 1].text) else i
            start, end = units[first].start, units[last].end
            shown = display_text(text[start:end])
            if len(shown) <= MAX_BLOCK_CHARS:
                blocks.append(Unit(start, end, shown, "block", units[first].position))
        i = max(last + 1, i + 1)
    return blocks


def _table_blocks(units: list[Unit]) -> list[Unit]:
    """A table's rows, three or more in a row, as one block with the line that introduces them
    ("各项分值如下表："): "评分表分哪几块" is answered by the whole table, one row a clause."""
    blocks: list[Unit] = []
    i = 0
    while i < len(units):
        if units[i].kind != "row":
            i += 1
            continue
        j = i
        while j + 1 < len(units) and units[j + 1].kind == "row":
            j += 1
        if j - i + 1 >= _MIN_TABLE_ROWS:
            introduced = i > 0 and units[i - 1].kind == "sentence" and _introduces(units[i - 1].text)
            first = i - 1 if introduced else i
            rows = "；".join(u.text.rstrip("；;。") for u in units[i : j + 1]) + "。"
            intro = units[first].text.rstrip("：:。") + "：" if first < i else ""
            shown = intro + rows
            if len(shown) <= MAX_BLOCK_CHARS:
                blocks.append(Unit(units[first].start, units[j].end, shown, "block", units[first].position))
        i = j + 1
    return blocks


def _introduces(text: str) -> bool:
    """ "…如下：" or a short heading ("二、申请材料装订顺序") opens the list that follows it."""
    text = text.strip()
    return text.endswith(("：", ":")) or (len(text) <= 30 and not re.search(r"[。，；]", text))
