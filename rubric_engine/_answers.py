"""Reading what an applicant typed: scores, band choices, options, figures and yes/no.

Every parser takes the raw text and returns the parsed value or ``None``; deciding which reading applies to
the current question (is "2" a band or a score?) is the engine's job, not theirs.
"""

from __future__ import annotations

import re
import unicodedata

_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_TRAILING_PUNCTUATION = "。.!！?？~～,，;；"

_BARE_INTEGER = re.compile(r"^\d+$")
_SCORE_WITH_UNIT = re.compile(r"^(\d+)分$")
_DECIMAL_SCORE = re.compile(r"^\d+\.\d+分?$")
# "第2档", "第二档", "2档", "第2项", "第二个", "选2" — an explicit band/option number, never a score.
_ORDINAL = re.compile(
    r"^(?:第|选)?([0-9一二两三四五六七八九十]+)(?:档|项|个|级)$|^(?:第|选)([0-9一二两三四五六七八九十]+)$"
)
_LETTER = re.compile(r"^([a-z])$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

_YES = {"是", "是的", "有", "有的", "存在", "对", "yes", "y", "确实有", "发生过", "有过"}
_NO = {"否", "不是", "没有", "没", "无", "不存在", "不", "no", "n", "未发生", "没发生过", "没有发生"}


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, no spaces, no trailing punctuation."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = re.sub(r"\s+", "", folded)
    return folded.rstrip(_TRAILING_PUNCTUATION)


def parse_bare_integer(text: str) -> int | None:
    """``"8"`` / ``"８"`` -> 8; anything with a unit or other characters -> None."""
    folded = normalise(text)
    return int(folded) if _BARE_INTEGER.match(folded) else None


def parse_score_with_unit(text: str) -> int | None:
    """``"8分"`` / ``"8 分"`` / ``"８分"`` -> 8: an explicit score, never a band number."""
    match = _SCORE_WITH_UNIT.match(normalise(text))
    return int(match.group(1)) if match else None


def looks_like_decimal_score(text: str) -> bool:
    """``"8.5"`` / ``"8.5分"``: a score that is not a whole number."""
    return bool(_DECIMAL_SCORE.match(normalise(text)))


def parse_ordinal(text: str) -> int | None:
    """``"第2档"`` / ``"第二档"`` / ``"2档"`` / ``"第2项"`` -> 2 (1-based), else None."""
    match = _ORDINAL.match(normalise(text))
    if match is None:
        return None
    return _chinese_or_arabic(match.group(1) or match.group(2))


def parse_letter(text: str) -> int | None:
    """``"B"`` / ``"b"`` / ``"Ｂ"`` -> 2 (1-based), else None."""
    match = _LETTER.match(normalise(text))
    return ord(match.group(1)) - ord("a") + 1 if match else None


def parse_choice_number(text: str) -> int | None:
    """An explicit choice (1-based): ordinal ("第2档") or letter ("B"). Bare digits are not choices here."""
    ordinal = parse_ordinal(text)
    return ordinal if ordinal is not None else parse_letter(text)


def parse_yes_no(text: str) -> bool | None:
    """是/有/yes/y -> True; 否/没有/无/no/n -> False; anything else -> None."""
    folded = normalise(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


def parse_figure(text: str) -> float | None:
    """A figure such as a satisfaction index: ``"92"``, ``"92.5分"``, ``"满意度92"`` -> 92 / 92.5 / 92.

    Exactly one number must appear; the words around it are ignored (they are labels such as 满意度/指数/分).
    """
    numbers = _NUMBER.findall(normalise(text))
    if len(numbers) != 1:
        return None
    return float(numbers[0])


def mentions_figure(text: str, figure_name: str) -> bool:
    """Whether the text names the figure (``"满意度45"``, ``"指数45"``), so its number is not points."""
    folded = normalise(text)
    return any(word in folded for word in (normalise(figure_name), "指数", "满意度"))


def is_confirmation(text: str) -> bool:
    """``"确认45"`` / ``"确认 45"``: the applicant confirms a figure they were asked back about."""
    return normalise(text).startswith("确认")


def matches_text(text: str, candidate: str) -> bool:
    """Whether the user's text names ``candidate`` (an option's wording), ignoring width, case and spaces."""
    return normalise(text) == normalise(candidate)


def contained_in(text: str, candidate: str) -> bool:
    """Whether the user's text (at least two characters) is part of ``candidate``'s wording."""
    folded = normalise(text)
    return len(folded) >= 2 and folded in normalise(candidate)


def _chinese_or_arabic(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    if token in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[token]
    if len(token) == 2 and token[0] == "十" and token[1] in _CHINESE_DIGITS:  # 十一 .. 十九
        return 10 + _CHINESE_DIGITS[token[1]]
    return None


def parse_position(text: str) -> int | None:
    """An item's position as people write it: ``"3"`` / ``"三"`` / ``"第三项"`` / ``"第3题"`` -> 3."""
    folded = normalise(text).removeprefix("第").removesuffix("项").removesuffix("题")
    return _chinese_or_arabic(folded) if folded else None
