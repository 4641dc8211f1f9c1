"""Repair of GBK mojibake at the start of lines of garbled exports.

The Jiangsu notice was exported through a GBK round trip that lost one byte before some headings,
so the rest of the heading was decoded one byte out of step: ``（一）申報(bào)范圍`` came out as
``?。ㄒ唬┥陥?bào)範圍``. Re-encoding the run to GBK and dropping the ``?`` and the stray byte
realigns it. Where the out-of-step decoder swallowed bytes, the damage is recovered from what
survives:

* the numeral of ``（N）``: the lead byte of 一…十 survives and identifies it (all ten differ);
* a character whose lead byte survives, followed by ``?`` and its pinyin annotation: the
  candidates with that lead byte are filtered by the pinyin the same document gives for them
  (``實(shí)`` elsewhere in the file) and ranked by jieba's dictionary word with the neighbour;
* a lone trail byte that surfaced as an ASCII letter (``V`` of 廣 = 0x8F56) before a character:
  the candidates with that trail byte are ranked by jieba's dictionary word with the next one.

What this cannot recover (characters lost without trace) comes from the repair table
``data/mojibake_repairs.yaml``, which is consulted first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

logger = logging.getLogger(__name__)

REPAIRS_PATH = Path(__file__).parent / "data" / "mojibake_repairs.yaml"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN = f"[a-zü{_TONE_MARKS}]+"
_ANNOTATION_RE = re.compile(f"([{_CJK}])[(（]({_PINYIN})[)）]")
# A garbled run starts a line with the byte lost by the decoder ('?') and a full-width character.
_GARBLED_START_RE = re.compile(r"^\?[^\x00-\x7f]")

_OPEN_BRACKET = "（".encode("gbk")
_CLOSE_BRACKET = "）".encode("gbk")
_NUMERALS = "一二三四五六七八九十"
# Lead byte of each numeral in GBK; all ten differ, so a surviving lead byte names the numeral.
_NUMERAL_BY_LEAD = {numeral.encode("gbk")[0]: numeral for numeral in _NUMERALS}
_TRAIL_BYTES = [b for b in range(0x40, 0xFF) if b != 0x7F]
_LEAD_BYTES = range(0x81, 0xFF)


class MojibakeRepair(BaseModel):
    """One hand repair: a garbled line start and what it stood for (before t2s, like the file)."""

    model_config = ConfigDict(extra="forbid")

    garbled: str = Field(min_length=2)
    repaired: str = Field(min_length=1)
    source: str
    why: str = Field(min_length=10)

    @field_validator("garbled")
    @classmethod
    def _starts_like_mojibake(cls, value: str) -> str:
        if not _GARBLED_START_RE.match(value):
            raise ValueError("a garbled run starts with '?' followed by a full-width character")
        return value


class MojibakeRepairTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repairs: list[MojibakeRepair]


@lru_cache(maxsize=1)
def repair_table() -> MojibakeRepairTable:
    return MojibakeRepairTable.model_validate(yaml.safe_load(REPAIRS_PATH.read_text(encoding="utf-8")))


def annotated_pinyin(text: str) -> dict[str, set[str]]:
    """Pinyin that a garbled export gives for its characters: ``實(shí)`` -> {'實': {'shí'}}."""
    found: dict[str, set[str]] = {}
    for char, pinyin in _ANNOTATION_RE.findall(text):
        found.setdefault(char, set()).add(pinyin)
    return found


def repair_mojibake_line(line: str, pinyin: dict[str, set[str]]) -> str:
    """The line with a garbled GBK run at its start (after any indentation) repaired; any other
    line unchanged. Surrounding whitespace is kept, so table cells (``\t…``) are repaired too, and
    a trailing full-width space cannot shift the bytes the realignment reads."""
    body = line.strip()
    if not _GARBLED_START_RE.match(body):
        return line
    indent = line[: len(line) - len(line.lstrip())]
    trailing = line[len(line.rstrip()) :]
    for repair in repair_table().repairs:
        if body.startswith(repair.garbled):
            return indent + repair.repaired + body[len(repair.garbled) :] + trailing
    repaired = _realign_heading(body, pinyin)
    if repaired is None:
        logger.debug("line starting with '?' left as is (no mojibake repair applies): %s", body[:20])
        return line
    return indent + repaired + trailing


def _encode_gbk(text: str) -> tuple[bytes, str]:
    """GBK bytes of the longest encodable prefix of `text`, and the rest (kept verbatim)."""
    try:
        return text.encode("gbk"), ""
    except UnicodeEncodeError as error:
        return text[: error.start].encode("gbk"), text[error.start :]


def _realign_heading(line: str, pinyin: dict[str, set[str]]) -> str | None:
    """``?。ㄒ唬┥陥?bào)…`` -> ``（一）申報(bào)…``; None when the run is not a ``（N）`` heading."""
    data, rest = _encode_gbk(line)
    data = data[2:]  # the '?' that replaced the lost byte, and the stray byte that followed it
    if not data.startswith(_OPEN_BRACKET):
        return None
    position = len(_OPEN_BRACKET)
    numeral, position = _read_numeral(data, position)
    if numeral is None:
        return None
    if data.startswith(_CLOSE_BRACKET, position):
        position += len(_CLOSE_BRACKET)
    elif position < len(data) and data[position] == _CLOSE_BRACKET[1]:
        position += 1  # only the trail byte of '）' survived
    body = _decode_damaged(data[position:], pinyin)
    if body is None:
        return None
    return f"（{numeral}）{body}{rest}"


def _read_numeral(data: bytes, position: int) -> tuple[str | None, int]:
    numeral = ""
    while position + 1 < len(data):
        pair = data[position : position + 2].decode("gbk", errors="replace")
        if len(pair) == 1 and pair in _NUMERALS:
            numeral += pair
            position += 2
        else:
            break
    if numeral:
        return numeral, position
    if position < len(data) and data[position] in _NUMERAL_BY_LEAD:
        return _NUMERAL_BY_LEAD[data[position]], position + 1  # the trail byte was lost
    return None, position


# Tokens of a damaged byte run: a decoded character, or a lone lead byte whose trail was lost.
_Token = tuple[str, int | None]


def _tokenize(data: bytes) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(data):
        byte = data[position]
        if byte < 0x80:
            tokens.append((chr(byte), None))
            position += 1
            continue
        pair = data[position : position + 2]
        try:
            char = pair.decode("gbk") if len(pair) == 2 else ""
        except UnicodeDecodeError:
            char = ""
        if len(char) == 1:
            tokens.append((char, None))
            position += 2
        else:
            tokens.append(("", byte))  # lone lead byte: its character is lost
            position += 1
    return tokens


def _decode_damaged(data: bytes, pinyin: dict[str, set[str]]) -> str | None:
    tokens = _tokenize(data)
    out: list[str] = []
    index = 0
    while index < len(tokens):
        char, lost_lead = tokens[index]
        if lost_lead is not None:
            annotation, consumed = _lost_annotation(tokens, index + 1)
            following = _next_char(tokens, index + 1 + consumed)
            recovered = _recover_from_lead(lost_lead, annotation, out[-1] if out else "", following, pinyin)
            if recovered is None:
                return None
            out.append(recovered)
            if annotation:
                out.append(f"({annotation})")  # put the annotation back: it is stripped later, as elsewhere
            index += 1 + consumed
            continue
        if index == 0 and _is_orphan_trail(char, tokens):
            recovered = _recover_from_trail(ord(char), _next_char(tokens, 1))
            if recovered is None:
                return None
            out.append(recovered)
            index += 1
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _is_orphan_trail(char: str, tokens: list[_Token]) -> bool:
    """An ASCII letter right after the heading and before a CJK character is a lost char's trail byte."""
    following = _next_char(tokens, 1)
    return char.isascii() and char.isalpha() and bool(following) and bool(re.match(f"[{_CJK}]", following))


def _lost_annotation(tokens: list[_Token], start: int) -> tuple[str, int]:
    """``?shí)`` after a lost lead byte: the surviving pinyin, and how many tokens it spans."""
    text = "".join(char for char, _ in tokens[start : start + 12])
    match = re.match(f"\\?\\(?({_PINYIN})\\)", text)
    if not match:
        return "", 0
    return match.group(1), len(match.group(0))


def _next_char(tokens: list[_Token], start: int) -> str:
    return tokens[start][0] if start < len(tokens) else ""


def _recover_from_lead(
    lead: int, annotation: str, previous: str, following: str, pinyin: dict[str, set[str]]
) -> str | None:
    candidates = _decode_all((lead, trail) for trail in _TRAIL_BYTES)
    if annotation:
        by_pinyin = [c for c in candidates if annotation in pinyin.get(c, set())]
        if len(by_pinyin) == 1:
            return by_pinyin[0]
        candidates = by_pinyin or candidates
    return _best_by_words(candidates, previous, following)


def _recover_from_trail(trail: int, following: str) -> str | None:
    candidates = _decode_all((lead, trail) for lead in _LEAD_BYTES)
    return _best_by_words(candidates, "", following)


def _decode_all(pairs: Iterable[tuple[int, int]]) -> list[str]:
    chars: list[str] = []
    for lead, trail in pairs:
        try:
            char = bytes([lead, trail]).decode("gbk")
        except UnicodeDecodeError:
            continue
        if re.match(f"[{_CJK}]", char):
            chars.append(char)
    return chars


def _best_by_words(candidates: list[str], previous: str, following: str) -> str | None:
    """The candidate that forms the most frequent jieba dictionary word with its neighbours."""
    from knowledge._normalize import to_simplified

    words = {}
    for candidate in candidates:
        for word in (previous + candidate, candidate + following):
            if len(word) == 2:
                words[to_simplified(word)] = candidate
    frequencies = _dictionary_frequencies(frozenset(words))
    if not frequencies:
        return None
    best = max(frequencies, key=lambda word: (frequencies[word], word))
    return words[best]


def _dictionary_frequencies(words: frozenset[str]) -> dict[str, int]:
    """Frequencies of those of `words` that are in jieba's main dictionary (read directly, ~40 ms)."""
    import jieba

    found: dict[str, int] = {}
    with jieba.get_dict_file() as handle:
        for raw in handle:
            word, _, rest = raw.decode("utf-8").partition(" ")
            if word in words:
                found[word] = int(rest.split(" ", 1)[0])
    return found
