"""Cut a normalised notice into passages along its own structure.

The text is read line by line (as `read_document` returns it: one paragraph a line, tables as one
``\\t``-prefixed cell per line with a blank line between rows) into a tree of sections:

======  =========================================================  ==============================
rank    heading                                                    example
======  =========================================================  ==============================
0       part: ``附件N`` / ``附件N-M`` (+ its title line), ``第N篇``,  ``附件3-4 连云港市用户满意之星自评标准``
        an embedded ``关于…的通知``, a form title after a gap,
        markdown ``#``
1       ``第N章`` (+ its title line)                                 ``第一章 总则``
2       ``第N条`` / ``第9条``                                         ``第十二条 …申报条件``
3       ``一、`` (and ``1、`` where the next top-level is ``二、``)    ``三、申报要求``
4       ``（一）`` / ``(一)``                                         ``（三）以市场、顾客评价为基础…``
5       ``1.`` / ``1、``                                              ``1.满意理念``
6       ``（1）`` / ``(1)``;  7 ``①``;  8 ``一是``
======  =========================================================  ==============================

plus two kinds without a numbered heading: a short ``…：`` line that introduces a list (a *label*,
``填报说明：``) and a contact block (``联系人：`` / ``电话：`` …, path ``联系方式``).

Each section yields passages of its own text; short list items (``1.``, ``（1）``, ``一是`` …, or
runs of short ``一、`` items) are kept together up to `TARGET_CHARS`, long paragraphs are split
at sentence ends (a sentence is never cut). Rubric tables (rows with points) give one passage per
row with the row-spanning category/item names carried down into the text and the section path;
other tables (forms) are kept together row by row like paragraphs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from knowledge._models import CELL_SEPARATOR, SECTION_SEPARATOR, Chunk, DocumentMeta
from knowledge._numerals import CN_NUMERALS, YEAR_DIGITS, to_int

TARGET_CHARS = 400  # passages are kept together up to this size
TINY_CHARS = 40  # a piece this short may stretch a passage to 110 % of TARGET_CHARS
SHORT_ITEM_CHARS = 100  # 一、/（一）/第N条 items this short are kept together when 3+ follow each other
_PATH_TITLE_CHARS = 30

_CN_NUM = CN_NUMERALS

_MD_RE = re.compile(r"^(#{1,6})\s+(.+)$")
# 附件3-4 alone, or followed by a title after a space or colon (not 附件2的表1 inside a sentence)
_APPENDIX_RE = re.compile(r"^附\s*件\s*(\d+(?:\s*[-－—–]\s*\d+)*)(?:\s*[:：]\s*|\s+|$)(.*)$")
_FIGURE_IN_HEADING_RE = re.compile(r"[（(]\s*\d+\s*[字分][）)]")
_PIECE_RE = re.compile(f"^第[{_CN_NUM}\\d]+篇")
_CHAPTER_RE = re.compile(f"^(第[{_CN_NUM}\\d]+[章节])\\s*(.*)$")
_ARTICLE_RE = re.compile(f"^(第[{_CN_NUM}\\d]+条)(?![{_CN_NUM}\\d])\\s*(.*)$")
_CN_RE = re.compile(f"^([{_CN_NUM}]{{1,3}})\\s*[、.]\\s*(.*)$")
_PAREN_CN_RE = re.compile(f"^[（(]\\s*([{_CN_NUM}]{{1,3}})\\s*[）)]\\s*[、.]?\\s*(.*)$")
_NUM_RE = re.compile(r"^(\d{1,2})\s*([、.])(?!\d)\s*(.*)$")
_PAREN_NUM_RE = re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]\s*[、.]?\s*(.*)$")
_CIRCLED_RE = re.compile(r"^([①-⑳])\s*(.*)$")
_ORDINAL_RE = re.compile(f"^([{_CN_NUM}]{{1,3}})是(.*)$")
_NOTICE_TITLE_RE = re.compile(r"^关于.{2,80}(?:通知|办法|决定|意见|公告|函)$")
_DOC_NUMBER_RE = re.compile(r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号$")
_FORM_TITLE_RE = re.compile(
    r"^[^，。；：:,;]{4,40}(?:表|书|标准|名单|报告|办法|细则|须知)(?:（[^）]{1,10}）)?$"
)
_CONTACT_RE = re.compile(
    r"^(?:联系人|联系单位|联系部门|联系电话|联系方式|电话|手机|传真|电子邮箱|电子信箱|邮箱|E-?mail|网址|地址|通讯地址|联系地址|邮编)\s*[:：]",
    re.IGNORECASE,
)
_LABEL_RE = re.compile(r"^[^，。；]{2,20}[:：]$")
_POINTS_RE = re.compile(r"\d+\s*分|[（(]\s*\d+\s*[-－~～]\s*\d+\s*分?\s*[）)]?")
_TRAILING_POINTS_RE = re.compile(r"\s*(?:\d+\s*)?[（(]\s*\d*\s*(?:[-－~～]\s*\d+\s*)?分?\s*[）)]\s*$")
_POINTS_ONLY_RE = re.compile(r"^\d+\s*[（(]?\s*分\s*[）)]?$")
_SENTENCE_END_RE = re.compile(r"(?<=[。！？!?])(?![”’」』）)\]])|(?<=[。！？!?][”’」』）)\]])")
_CLAUSE_END_RE = re.compile(r"(?<=[；;])")
_BACK_REFERENCE_RE = re.compile(r"^\s*(?:以上|上述|前述|上列)")
_WORD_RE = re.compile(r"\w")

_LIST_RANK = 5  # 1. / （1） / ① / 一是: list items
# A date on its own line (落款, 印发日期): 二○一一年七月八日, 2016年6月10日印发
_SIGN_OFF_RE = re.compile(
    rf"^(?:[{YEAR_DIGITS}]{{4}}|\d{{4}})年[{CN_NUMERALS}\d]{{1,3}}月[{CN_NUMERALS}\d]{{1,3}}日(?:印发)?$"
)
# The bodies signing a notice (落款), on the lines right above its date: 芜湖市质量协会　芜湖市总工会
_SIGNER_RE = re.compile(
    r"^(?:[\u4e00-\u9fff（）()]{2,30}(?:会|局|委|厅|办|室|公司|中心|部|院|组|处|政府|集团)(?:\s+|$))+$"
)
_SIGNER_LINES = 3
SIGN_OFF_TITLE = "落款"
# A line that names a body and nothing else (a contact block's head): 湖南省质量协会用户工作部
_BODY_LINE_RE = re.compile(r"^[\u4e00-\u9fff（）()]{4,30}(?:协会|学会|委员会|工作部|部|办公室|中心|处|科)$")
_LIST_KINDS = {"num", "paren_num", "circled", "ordinal"}
_SHORT_ITEM_KINDS = {"cn", "paren_cn", "article"}


# --------------------------------------------------------------------------------------------
# Line classification


@dataclass
class _Heading:
    kind: str
    rank: float
    lines: list[str]  # the heading's own lines, part of the passage text
    title: str  # shown in the section path
    content: bool  # the heading line carries content beyond a title (``（一）明确指导思想。创建…``)


@dataclass
class _Table:
    rows: list[list[str]]


@dataclass
class _Line:
    index: int
    text: str
    blanks_before: int


def _meaningful_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    blanks = 0
    for index, raw in enumerate(text.split("\n")):
        if raw.strip(" \u3000"):  # a line holding only "\t" is an empty table cell, not a blank
            lines.append(_Line(index, raw, blanks))
            blanks = 0
        else:
            blanks += 1
    return lines


def _short_title(text: str) -> str:
    """A section-path title: the heading up to its first full stop, long ones cut at a comma."""
    title = re.sub(r"\s+", " ", text).strip()
    stop = re.search(r"[。；！？：:]", title)
    if stop and stop.start() > 0:
        title = title[: stop.start()]
    if len(title) > 20:
        comma = title.find("，", 4)
        if comma > 0:
            title = title[:comma] + "…"
    if len(title) > _PATH_TITLE_CHARS:
        title = title[:_PATH_TITLE_CHARS] + "…"
    return title


def _has_content(rest: str) -> bool:
    core = rest.rstrip("。：:；; ")
    return bool(re.search(r"[。；！？]", core)) or len(core) > 40


def _numbered(kind: str, rank: float, label: str, rest: str, line: str) -> _Heading:
    rest = rest.strip()
    # A list item that ends its sentence ("6.个人近期免冠照片1张。") says something: it is not the
    # title of the paragraph after it ("纸质材料一式两份…" closes the list).
    stated = kind in _LIST_KINDS and rest.endswith(("。", "；", ";"))
    return _Heading(kind, rank, [line], _short_title(label + rest), stated or _has_content(rest))


def _match_numbered(line: str) -> _Heading | None:
    """Headings that are recognised from their own line alone (ranks 1-8)."""
    if match := _ARTICLE_RE.match(line):
        return _numbered("article", 2, match.group(1) + " ", match.group(2), line)
    if match := _CN_RE.match(line):
        return _numbered("cn", 3, match.group(1) + "、", match.group(2), line)
    if match := _PAREN_CN_RE.match(line):
        return _numbered("paren_cn", 4, f"（{match.group(1)}）", match.group(2), line)
    if match := _ORDINAL_RE.match(line):
        return _numbered("ordinal", 8, match.group(1) + "是", match.group(2), line)
    if match := _NUM_RE.match(line):
        return _numbered("num", 5, match.group(1) + match.group(2), match.group(3), line)
    if match := _PAREN_NUM_RE.match(line):
        return _numbered("paren_num", 6, f"（{match.group(1)}）", match.group(2), line)
    if match := _CIRCLED_RE.match(line):
        return _numbered("circled", 7, match.group(1), match.group(2), line)
    return None


def starts_with_numbering(line: str) -> bool:
    """True when the line opens with a numbering the chunker recognises (一、 （一） 1. 第X章 附件N …)."""
    text = line.strip()
    return bool(
        _match_numbered(text) or _APPENDIX_RE.match(text) or _PIECE_RE.match(text) or _CHAPTER_RE.match(text)
    )


def _is_title_line(raw: str, limit: int) -> bool:
    line = raw.strip()
    return (
        not raw.startswith("\t")
        and len(line) <= limit
        and _match_numbered(line) is None
        and not _APPENDIX_RE.match(line)
        and not _CONTACT_RE.match(line)
    )


class _Classifier:
    """Turns meaningful lines into headings, paragraphs and tables (with look-ahead where needed)."""

    def __init__(self, text: str) -> None:
        self.lines = _meaningful_lines(text)
        self.first_lines = {line.index for line in self.lines[:3]}

    def items(self) -> Iterator[_Heading | _Table | str]:
        position = 0
        pending_prefix: list[str] = []
        while position < len(self.lines):
            line = self.lines[position]
            if line.text.startswith("\t"):
                table, position = self._table(position)
                yield table
                continue
            text = line.text.strip()
            position += 1
            if not _WORD_RE.search(text):
                continue  # separators and stray marks (``|``) carry nothing
            if _DOC_NUMBER_RE.search(text) and self._next_is_notice_title(position):
                pending_prefix.append(text)  # 苏经信科技[2011]682号 heads the notice that follows
                continue
            heading, position = self._heading(line, text, position)
            if heading is None:
                yield from pending_prefix
                pending_prefix = []
                yield text
                continue
            heading.lines = pending_prefix + heading.lines
            pending_prefix = []
            yield heading
            if heading.kind == "contact":
                yield text  # the contact line itself is the block's first line
        yield from pending_prefix

    def _next_is_notice_title(self, position: int) -> bool:
        return position < len(self.lines) and bool(_NOTICE_TITLE_RE.match(self.lines[position].text.strip()))

    def _take_title(self, position: int, limit: int) -> tuple[list[str], int]:
        """The title line that follows ``附件N`` / ``第N章`` (and a short second line right after it)."""
        if position >= len(self.lines):
            return [], position
        first = self.lines[position].text.strip()
        if not _is_title_line(self.lines[position].text, limit):
            return [], position
        taken = [first]
        position += 1
        if position < len(self.lines):
            second = self.lines[position]
            if second.blanks_before == 0 and _is_title_line(second.text, 10):
                taken.append(second.text.strip())
                position += 1
        return taken, position

    def _heading(self, line: _Line, text: str, position: int) -> tuple[_Heading | None, int]:
        if match := _MD_RE.match(text):
            level = len(match.group(1))
            title = match.group(2).strip()
            return _Heading("md", level - 1, [title], _short_title(title), False), position
        if match := _APPENDIX_RE.match(text):
            label = "附件" + re.sub(r"\s+", "", match.group(1)).replace("－", "-")
            rest = match.group(2).strip()
            if rest and (len(rest) > 60 or "。" in rest or re.match(r"^[\d、，]", rest)):
                return None, position
            if rest:
                return _Heading("part", 0, [text], f"{label} {rest}", False), position
            title_lines, position = self._take_title(position, 60)
            title = " ".join([label, "".join(title_lines)]) if title_lines else label
            return _Heading("part", 0, [text, *title_lines], title, False), position
        if _PIECE_RE.match(text):  # 第一篇：满意100服务明星
            title = re.sub(r"\s*[：:]\s*", " ", text, count=1)
            return _Heading("part", 0, [text], title[:_PATH_TITLE_CHARS], False), position
        if line.index not in self.first_lines and _NOTICE_TITLE_RE.match(text):
            return _Heading("part", 0, [text], text, False), position
        if line.blanks_before >= 2 and _FORM_TITLE_RE.match(text) and self._table_follows(position):
            return _Heading("part", 0, [text], text, False), position
        if match := _CHAPTER_RE.match(text):
            title_lines = []
            if not match.group(2):
                title_lines, position = self._take_title(position, 20)
            title = " ".join([match.group(1), match.group(2) or "".join(title_lines)]).strip()
            return _Heading("chapter", 1, [text, *title_lines], title, False), position
        heading = _match_numbered(text)
        if heading is not None:
            if heading.kind == "num" and self._used_as_top_level(text, position):
                heading.kind, heading.rank = "cn", 3
            return heading, position
        if _CONTACT_RE.match(text):
            return _Heading("contact", 3.5, [], "联系方式", True), position
        if _LABEL_RE.match(text) and position < len(self.lines):
            following = _match_numbered(self.lines[position].text.strip())
            if following is not None and following.rank >= 5:
                return _Heading("label", following.rank - 0.5, [text], _short_title(text), False), position
        return None, position

    def _table_follows(self, position: int) -> bool:
        """A form title (``青海省用户满意服务之星申报表``) is followed by its table within three lines."""
        return any(line.text.startswith("\t") for line in self.lines[position : position + 3])

    def _used_as_top_level(self, text: str, position: int) -> bool:
        """``1、`` heads the top level when the next heading numbered 2 is ``二、`` (连云港 notice)."""
        match = _NUM_RE.match(text)
        if match is None or match.group(2) != "、":
            return False
        number = int(match.group(1))
        for line in self.lines[position:]:
            candidate = line.text.strip()
            if line.text.startswith("\t"):
                continue
            if (match := _CN_RE.match(candidate)) and _cn_value(match.group(1)) == number + 1:
                return True
            match = _NUM_RE.match(candidate)
            if match and match.group(2) == "、" and int(match.group(1)) == number + 1:
                return False
        return False

    def _table(self, position: int) -> tuple[_Table, int]:
        rows: list[list[str]] = []
        row: list[str] = []
        while position < len(self.lines):
            line = self.lines[position]
            if line.text.startswith("\t"):
                if line.blanks_before and row:
                    rows.append(row)
                    row = []
                row.extend(cell.strip() for cell in line.text.split("\t")[1:])
            else:
                text = line.text.strip()
                ends_table = (
                    line.blanks_before >= 2
                    or not row
                    or any(pattern.match(text) for pattern in (_APPENDIX_RE, _PIECE_RE, _MD_RE))
                )
                if ends_table:
                    break
                row[-1] = f"{row[-1]}\n{text}" if row[-1] else text  # a cell that runs over several lines
            position += 1
        if row:
            rows.append(row)
        return _Table(rows), position


def _cn_value(numeral: str) -> int:
    value = to_int(numeral)
    return -1 if value is None else value


# --------------------------------------------------------------------------------------------
# Section tree


@dataclass
class _Block:
    text: str
    standalone: bool = False  # a rubric row: always its own passage
    path: tuple[str, ...] = ()  # extra path below the section (category › item of a rubric row)


@dataclass
class _Section:
    heading: _Heading | None
    parent: _Section | None = None
    content: list[_Block | _Section] = field(default_factory=list)  # in document order

    @property
    def blocks(self) -> list[_Block]:
        return [entry for entry in self.content if isinstance(entry, _Block)]

    @property
    def children(self) -> list[_Section]:
        return [entry for entry in self.content if isinstance(entry, _Section)]

    @property
    def rank(self) -> float:
        return self.heading.rank if self.heading else -1

    @property
    def path(self) -> tuple[str, ...]:
        own = (self.heading.title,) if self.heading and self.heading.title else ()
        return (self.parent.path if self.parent else ()) + own

    def full_text(self) -> str:
        lines = list(self.heading.lines) if self.heading else []
        return "\n".join(lines + [block.text for block in self.blocks])


def _build_tree(text: str) -> _Section:
    root = _Section(None)
    current = root
    for item in _Classifier(text).items():
        if isinstance(item, _Heading):
            if item.kind == "contact" and current.heading and current.heading.kind == "contact":
                continue  # the next line of the same contact block
            # "自治区质量协会用户工作部" right above "联系人：…" heads the contact block: whose it is.
            last = current.content[-1] if current.content else None
            body = None
            if item.kind == "contact" and isinstance(last, _Block) and _BODY_LINE_RE.match(last.text):
                body = current.content.pop()
            while current.parent is not None and current.rank >= item.rank:
                current = current.parent
            section = _Section(item, parent=current)
            current.content.append(section)
            current = section
            if body is not None:
                section.content.append(body)
        elif isinstance(item, _Table):
            current.content.extend(_table_blocks(item.rows))
        else:
            if _SIGN_OFF_RE.match(item):
                current = _add_sign_off(current, item)
                continue
            # A paragraph that points back at a list ("以上材料用A4纸打印…" after the materials
            # list) closes it: it belongs to the whole, not to the last item.
            if _BACK_REFERENCE_RE.match(item):
                while current.parent is not None and current.rank >= _LIST_RANK:
                    current = current.parent
            current.content.append(_Block(item))
    return root


def _add_sign_off(current: _Section, date_line: str) -> _Section:
    """The 落款 (the signing bodies' lines right above the date, and the date) as a section of the
    part it closes, on one line: asked who issued a notice or when, both are found together.
    Returns the part, where what follows the sign-off (attachments, 抄送) belongs."""
    signers: list[str] = []
    while len(signers) < _SIGNER_LINES and current.content:
        last = current.content[-1]
        if not isinstance(last, _Block) or last.standalone or not _SIGNER_RE.match(last.text):
            break
        signers.insert(0, last.text)
        current.content.pop()
    part = current
    while part.parent is not None and part.rank > 0:
        part = part.parent
    sign_off = _Section(_Heading("sign_off", part.rank + 0.5, [], SIGN_OFF_TITLE, True), parent=part)
    sign_off.content.append(_Block(" ".join([*signers, date_line])))
    part.content.append(sign_off)
    return part


# --------------------------------------------------------------------------------------------
# Tables


def _cell_text(cell: str) -> str:
    """A cell's lines: wrapped labels (``职工`` / ``总数``) and points (``（10分）``) joined up."""
    parts = [part.strip() for part in cell.split("\n") if part.strip()]
    if not parts:
        return ""
    text = parts[0]
    for part in parts[1:]:
        previous = text.split("\n")[-1]
        wrapped = (
            part[0] in "（("
            or _POINTS_ONLY_RE.match(part) is not None
            or (len(previous) <= 5 and len(part) <= 8 and not re.search(r"[：:。；，]$", previous))
        )
        text += part if wrapped else "\n" + part
    return text


def _path_name(cell: str) -> str:
    name = _TRAILING_POINTS_RE.sub("", cell.replace("\n", " ")).strip()
    return _short_title(name or cell.replace("\n", " "))


def _join_split_rows(rows: list[list[str]]) -> list[list[str]]:
    """Rejoin a row that an export split in two at a blank line inside a cell.

    ``\t顾客认可 / （40分） / <blank> / \t所在组织的认可度 …`` reads as a one-cell row and a
    three-cell row; in a table whose rows have four cells, the two are one row.
    """
    widths = Counter(len(row) for row in rows if len(row) >= 2)
    if not widths:
        return rows
    usual = widths.most_common(1)[0][0]
    joined: list[list[str]] = []
    index = 0
    while index < len(rows):
        row = rows[index]
        following = rows[index + 1] if index + 1 < len(rows) else None
        if following is not None and len(row) < usual and len(row) + len(following) == usual and row[-1]:
            joined.append(row + following)
            index += 2
        else:
            joined.append(row)
            index += 1
    return joined


def _table_blocks(raw_rows: list[list[str]]) -> list[_Block]:
    rows = [[_cell_text(cell) for cell in row] for row in raw_rows]
    rows = [row for row in rows if any(row)]
    scored_rows = sum(1 for row in rows if any(_POINTS_RE.search(cell) for cell in row))
    scored = len(rows) >= 3 and scored_rows >= 0.3 * len(rows)
    if scored:
        rows = _join_split_rows(rows)

    # Merged cells are exported as empty leading cells: fill them from the row above.
    filled: list[list[str]] = []
    carried: list[list[bool]] = []
    for index, row in enumerate(rows):
        lead = next((i for i, cell in enumerate(row) if cell), len(row))
        above = filled[index - 1] if index else []
        filled_row, carried_row = list(row), [False] * len(row)
        for column in range(min(lead, len(above))):
            filled_row[column], carried_row[column] = above[column], True
        filled.append(filled_row)
        carried.append(carried_row)

    blocks: list[_Block] = []
    for index, row in enumerate(rows):
        below = carried[index + 1] if index + 1 < len(rows) else []
        spanning = [
            carried[index][column] or (column < len(below) and below[column]) for column in range(len(row))
        ]
        context_width = next((i for i, span in enumerate(spanning) if not span), len(row))
        context = [cell for cell in filled[index][:context_width] if cell]
        content = [cell for cell in row[context_width:] if cell]
        if scored and content and any(_POINTS_RE.search(cell) for cell in content):
            text = CELL_SEPARATOR.join(context + content)
            blocks.append(_Block(text, standalone=True, path=tuple(_path_name(c) for c in context)))
        else:
            own = [cell for cell in row if cell]
            if own:
                blocks.append(_Block(CELL_SEPARATOR.join(own)))
    return blocks


# --------------------------------------------------------------------------------------------
# Passages


def _split_sentences(text: str) -> list[str]:
    pieces = [piece for piece in _SENTENCE_END_RE.split(text) if piece]
    out: list[str] = []
    for piece in pieces:  # a sentence that is itself too long is cut at its clauses (；)
        if len(piece) > TARGET_CHARS * 1.5:
            out.extend(part for part in _CLAUSE_END_RE.split(piece) if part)
        else:
            out.append(piece)
    return out


def _split_long(text: str) -> list[str]:
    """A long paragraph cut at sentence ends into pieces of about equal size (at most TARGET)."""
    if len(text) <= TARGET_CHARS:
        return [text]
    sentences = _split_sentences(text)
    pieces_wanted = math.ceil(len(text) / TARGET_CHARS)
    size = len(text) / pieces_wanted
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        if current and (len(current) + len(sentence) > TARGET_CHARS or len(current) >= size):
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


class _Passages:
    """Collects text into passages; each passage's path is the common prefix of what it holds.

    A bare heading (a title without content of its own) travels on into the next passage, which
    belongs to one of its descendants; `close` emits it alone when nothing followed it.
    """

    def __init__(self) -> None:
        self.out: list[tuple[tuple[str, ...], str]] = []
        self.parts: list[str] = []
        self.owners: list[tuple[str, ...]] = []
        self.heading_paths: list[tuple[str, ...]] = []
        self.size = 0

    def add(self, text: str, owner: tuple[str, ...]) -> None:
        for piece in _split_long(text):
            # a tiny last item (``8.材料申报截止日期为…``) may stretch a passage rather than stand alone
            limit = TARGET_CHARS * 1.1 if len(piece) <= TINY_CHARS else TARGET_CHARS
            if self.owners and self.size + len(piece) > limit:
                self.flush()
            self.parts.append(piece)
            self.size += len(piece)
            self.owners.append(owner)

    def add_heading(self, text: str, path: tuple[str, ...]) -> None:
        self.flush()
        self.parts.append(text)
        self.size += len(text)
        self.heading_paths.append(path)

    def add_alone(self, text: str, path: tuple[str, ...]) -> None:
        self.flush()
        self.close()  # bare headings before a rubric row: their own passage (they are in its path)
        self.out.append((path, text))

    def flush(self) -> None:
        """End the current passage, unless it holds bare headings only."""
        if self.owners:
            self._emit(_common_prefix(self.owners))

    def close(self) -> None:
        """End the current passage, bare headings included."""
        if self.owners:
            self._emit(_common_prefix(self.owners))
        elif self.parts:
            self._emit(_common_prefix(self.heading_paths))

    def _emit(self, path: tuple[str, ...]) -> None:
        self.out.append((path, "\n".join(self.parts)))
        self.parts, self.owners, self.heading_paths, self.size = [], [], [], 0


def _common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    prefix = paths[0]
    for path in paths[1:]:
        length = 0
        while length < min(len(prefix), len(path)) and prefix[length] == path[length]:
            length += 1
        prefix = prefix[:length]
    return prefix


def _mergeable(section: _Section, siblings: list[_Section], index: int) -> bool:
    if section.children or any(block.standalone for block in section.blocks) or section.heading is None:
        return False
    size = len(section.full_text())
    kind = section.heading.kind
    if kind in _LIST_KINDS:  # an item, not a titled subsection with a body of its own
        return size <= TARGET_CHARS and (section.heading.content or not section.blocks)
    if kind not in _SHORT_ITEM_KINDS:
        return False

    def short(other: _Section) -> bool:
        return (
            other.heading is not None
            and other.heading.kind == kind
            and not other.children
            and len(other.full_text()) <= SHORT_ITEM_CHARS
            and not any(block.standalone for block in other.blocks)
        )

    if not short(section):
        return False
    start = index
    while start > 0 and short(siblings[start - 1]):
        start -= 1
    end = index
    while end + 1 < len(siblings) and short(siblings[end + 1]):
        end += 1
    return end - start + 1 >= 3


def _emit(section: _Section, passages: _Passages) -> None:
    path = section.path
    if section.heading and section.heading.lines:
        heading = "\n".join(section.heading.lines)
        if section.heading.content or not (section.blocks or section.children):
            passages.add(heading, path)  # the heading line is the passage's content
        elif section.children and _FIGURE_IN_HEADING_RE.search(heading):
            # "二、用户满意经营实践（8000字）" sets a figure for a part that spans many passages: a
            # passage of its own, or it would be found only with the first subsection's text.
            passages.add(heading, path)
            passages.flush()
        else:
            passages.add_heading(heading, path)
    children = section.children
    for entry in section.content:
        if isinstance(entry, _Block):
            if entry.standalone:
                passages.add_alone(entry.text, path + entry.path)
            else:
                passages.add(entry.text, path)
        elif _mergeable(entry, children, children.index(entry)):
            passages.add(entry.full_text(), entry.path)
        else:
            passages.flush()
            _emit(entry, passages)
            passages.close()


def chunk_document(text: str, meta: DocumentMeta) -> list[Chunk]:
    """Passages of a normalised notice (as `read_document` returns it), cut along its structure."""
    passages = _Passages()
    _emit(_build_tree(text), passages)
    passages.close()
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for order, (path, body) in enumerate(passages.out):
        section = SECTION_SEPARATOR.join(path)
        chunk_id = Chunk.make_id(meta.file, section, body)
        seen[chunk_id] = seen.get(chunk_id, 0) + 1
        if seen[chunk_id] > 1:  # the same text twice in one section: keep ids unique and stable
            chunk_id = Chunk.make_id(meta.file, f"{section}#{seen[chunk_id]}", body)
        chunks.append(
            Chunk(
                id=chunk_id,
                text=body,
                section=section,
                file=meta.file,
                title=meta.title,
                programme=meta.programme,
                region=meta.region,
                year=meta.year,
                kind=meta.kind,
                order=order,
            )
        )
    return chunks
