"""One normalisation for notices and questions, so that a question matches the notice it asks about.

Rules (in this order):
1. Unicode NFC; zero-width characters and export markers (``[bookmark: …]``, ``[image: …]``) dropped.
2. Garbled exports: GBK mojibake at line starts is repaired (`_mojibake`), and the pinyin annotations
   of the traditional-character export are removed (``關(guān)于`` -> ``關于``).
3. Full-width ASCII letters, digits, symbols and the ideographic space -> half-width (the Chinese
   punctuation ``，：；（）！？`` stays full-width).
4. Traditional -> simplified (OpenCC ``t2s``).
5. Half-width ``, : ; ( ) ? !`` inside Chinese text -> the Chinese full-width form; URLs, e-mail
   addresses, numbers (``1.5``, ``3-5``, ``10:30``) and ASCII-only runs are left alone.
6. Whitespace: runs collapsed, line ends stripped, letter-spaced headings (``总   则``) closed up.

`normalize_document` keeps the line structure, blank lines and the tab-cell table layout of the
exports (one ``\\t``-prefixed cell per line); `normalize_text` flattens everything to one line.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from knowledge._mojibake import annotated_pinyin, repair_mojibake_line

if TYPE_CHECKING:
    import opencc

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# Characters that make the text around a punctuation mark "Chinese": ideographs, CJK punctuation,
# full-width forms, curly quotes, ellipsis and dashes, small form variants (﹪).
_CHINESE_CONTEXT_RE = re.compile(f"[{_CJK}\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014\ufe50-\ufe6f]")

_ZERO_WIDTH_RE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_EXPORT_MARKER_RE = re.compile(r"\[(?:bookmark|image):[^\]\n]*\]")

_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_LETTERS = f"a-zü{_TONE_MARKS}"
# A CJK character followed by its pinyin in parentheses: one or more syllables, at least one tone mark
# (checked in `_strip_pinyin`), so ``(www.x.cn)``, ``(一式三份)`` or ``(ISO)`` are never touched.
_PINYIN_ANNOTATION_RE = re.compile(
    f"(?<=[{_CJK}])((?:[(（][{_PINYIN_LETTERS}]+(?: [{_PINYIN_LETTERS}]+)*[)）])+)"
)
_TONE_MARK_RE = re.compile(f"[{_TONE_MARKS}]")

# Full-width punctuation that is the proper Chinese form and therefore stays full-width.
_KEEP_FULL_WIDTH = set("，：；（）！？")
_NARROW_TABLE = {
    code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if chr(code) not in _KEEP_FULL_WIDTH
} | {0x3000: 0x20}

_WIDEN = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_OPENERS = "(（"
_CLOSERS = ")）"
# Spans that keep their ASCII punctuation: URLs, bare www. hosts, e-mail addresses.
_PROTECTED_RE = re.compile(
    r"(?:https?|ftp)://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+"
    r"|www\.[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+(?:/[A-Za-z0-9\-._~/?#=&%]*)?"
    r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
)
_SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f]+")
# Letter-spaced words: single CJK characters separated by spaces (``申 报 材 料``, ``总   则``).
_LETTER_SPACED_RE = re.compile(f"(?<![{_CJK}])[{_CJK}](?: +[{_CJK}])+(?![{_CJK}])")

_converter_lock = threading.Lock()


@lru_cache(maxsize=3)
def _converter(config: str) -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional -> simplified with OpenCC t2s (identity on simplified text)."""
    converter = _converter("t2s")
    with _converter_lock:  # the OpenCC binding is not documented as thread-safe
        return converter.convert(text)


def mainland_word(word: str) -> str:
    """The mainland word for a Taiwan one, 檔案 -> 文件, 軟體 -> 软件 (given in either script); the
    word itself when there is none. Only for words the notices never use: 資料 is 数据 in Taiwan
    but 材料 in the notices."""
    with _converter_lock:
        return _converter("tw2sp").convert(_converter("s2tw").convert(word))


def normalize_text(text: str) -> str:
    """Normalise a question or a single passage: all rules, whitespace flattened to single spaces."""
    text = _clean_characters(text)
    text = _strip_pinyin(text)
    text = to_simplified(text.translate(_NARROW_TABLE))
    text = _SPACES_RE.sub(" ", re.sub(r"\s+", " ", text)).strip()
    return _close_letter_spacing(_widen_punctuation(text))


def normalize_document(text: str) -> str:
    """Normalise a whole file: same rules as `normalize_text`, but lines, blank lines and the
    ``\\t``-cell table layout are preserved, and GBK mojibake at line starts is repaired."""
    # Width is narrowed before the mojibake repair, so the byte realignment reads the same
    # characters on a first and a second pass (normalising twice changes nothing).
    text = _clean_characters(text.replace("\r\n", "\n").replace("\r", "\n")).translate(_NARROW_TABLE)
    pinyin = annotated_pinyin(text)
    text = "\n".join(repair_mojibake_line(line, pinyin) for line in text.split("\n"))
    text = to_simplified(_strip_pinyin(text))
    return "\n".join(_normalize_line(line) for line in text.split("\n"))


def comparison_key(text: str) -> str:
    """The form in which two passages are compared: normalised, punctuation width folded, no spaces."""
    folded = unicodedata.normalize("NFKC", normalize_text(text))
    return re.sub(r"\s+", "", folded)


def evidence_in_text(evidence: str, text: str) -> bool:
    """True when `evidence` lies inside `text`, ignoring whitespace and punctuation width.

    Both sides go through `normalize_text` first, so traditional/simplified and garbled-export
    differences do not matter either. The evaluation uses this rule to decide a retrieval hit.
    """
    key = comparison_key(evidence)
    return bool(key) and key in comparison_key(text)


def _clean_characters(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH_RE.sub("", text)
    return _EXPORT_MARKER_RE.sub("", text)


def _strip_pinyin(text: str) -> str:
    def drop(match: re.Match[str]) -> str:
        return "" if _TONE_MARK_RE.search(match.group(1)) else match.group(0)

    return _PINYIN_ANNOTATION_RE.sub(drop, text)


def _normalize_line(line: str) -> str:
    """Whitespace and punctuation of one line; tab-separated cells are normalised one by one."""
    cells = [_SPACES_RE.sub(" ", cell).strip() for cell in line.split("\t")]
    cells = [_settle_leading_question_mark(_close_letter_spacing(_widen_punctuation(cell))) for cell in cells]
    return "\t".join(cells).rstrip(" ")


def _settle_leading_question_mark(cell: str) -> str:
    """A cell that still starts with ``?`` + Chinese text (a garbled run the repair could not read, or
    plain Chinese) gets the full-width ``？``. Decided on the final text, so a second pass, which would
    see other bytes after widening, simplification and pinyin removal, never re-reads it as mojibake:
    normalising twice changes nothing."""
    if len(cell) > 1 and cell[0] == "?" and not cell[1].isascii():
        return "？" + cell[1:]
    return cell


def _close_letter_spacing(text: str) -> str:
    return _LETTER_SPACED_RE.sub(lambda m: m.group(0).replace(" ", ""), text)


def _is_chinese_context(char: str | None) -> bool:
    return char is not None and bool(_CHINESE_CONTEXT_RE.match(char))


def _widen_punctuation(text: str) -> str:
    """Half-width punctuation touching Chinese text -> the Chinese full-width form (see module doc)."""
    if not any(mark in text for mark in _WIDEN):
        return text
    protected = [False] * len(text)
    for match in _PROTECTED_RE.finditer(text):
        protected[match.start() : match.end()] = [True] * (match.end() - match.start())
    chars = list(text)

    def neighbour(index: int, step: int) -> str | None:
        """The nearest letter, digit or ideograph that way, looking past spaces and punctuation, so
        that ``）,2011年`` and ``a,,中`` decide the same way on every pass (idempotence)."""
        index += step
        while 0 <= index < len(chars) and not chars[index].isalnum():
            index += step
        return chars[index] if 0 <= index < len(chars) else None

    _widen_parentheses(chars, protected, neighbour)
    for index, char in enumerate(chars):
        if char not in ",:;?!" or protected[index]:
            continue
        before, after = neighbour(index, -1), neighbour(index, 1)
        between_digits = (
            char in ",:"
            and index > 0
            and index + 1 < len(chars)
            and chars[index - 1].isdigit()
            and chars[index + 1].isdigit()
        )
        if between_digits:  # 1,000 and 10:30 are numbers, not clauses
            continue
        if _is_chinese_context(before) or (char in ",:;" and _is_chinese_context(after)):
            chars[index] = _WIDEN[char]
    return "".join(chars)


def _widen_parentheses(
    chars: list[str], protected: list[bool], neighbour: Callable[[int, int], str | None]
) -> None:
    """Pair parentheses of either width; a pair is widened when it touches or holds Chinese text."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    unmatched: list[int] = []
    for index, char in enumerate(chars):
        if protected[index]:
            continue
        if char in _OPENERS:
            stack.append(index)
        elif char in _CLOSERS:
            if stack:
                pairs.append((stack.pop(), index))
            else:
                unmatched.append(index)
    unmatched.extend(stack)
    for start, end in pairs:
        if chars[start] == "（" and chars[end] == "）":
            continue
        inner = chars[start + 1 : end]
        chinese = (
            chars[start] == "（"
            or chars[end] == "）"
            or any(_is_chinese_context(c) for c in inner)
            or _is_chinese_context(neighbour(start, -1))
            or _is_chinese_context(neighbour(end, 1))
        )
        if chinese:
            chars[start], chars[end] = "（", "）"
    for index in unmatched:
        if chars[index] in "()" and (
            _is_chinese_context(neighbour(index, -1)) or _is_chinese_context(neighbour(index, 1))
        ):
            chars[index] = _WIDEN[chars[index]]
