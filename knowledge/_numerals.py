"""Chinese numerals, read once for all of knowledge/: years, dates, item numbers.

General Chinese, nothing about one corpus. Notices write numbers three ways, often in one file:
Arabic digits (2016年9月10日), digit-by-digit ideographs for years (二〇一六年, 二○一一年, and in
hurried typing 二oo九年 with Latin letters for the zero), and positional numerals for months, days
and item numbers (九月十日, 二十八日, 第十二条). `to_int` reads the last two; `DATE_PATTERN` finds a
date written in any mix of them, and `read_date` turns one match into a `date`.

(rubric_engine/_answers.py has its own small reader for 第二档/两项: the two packages may not
import each other.)
"""

from __future__ import annotations

import re
from datetime import date

# Digit-by-digit zero in years: 〇 (U+3007), ○ (U+25CB, a common substitute), 零, and the Latin
# o/O typed for it ("二oo九年"). Latin letters count as zero only inside a year (see YEAR_DIGITS).
_DIGITS = {"〇": 0, "○": 0, "零": 0, "o": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
# Character classes for patterns elsewhere.
CN_DIGITS = "〇○零一二两三四五六七八九"
CN_NUMERALS = CN_DIGITS + "十百"  # positional numerals: 第十二条, 二十八日
YEAR_DIGITS = "〇○零oO一二三四五六七八九"

# A date: 2016年9月10日, 二〇一六年九月十日, 二oo九年十二月十一日, 9月10日 / 九月十日 (no year).
# The year's digits are not preceded by another digit or letter ("1999" inside a number, "foo").
DATE_PATTERN = re.compile(
    rf"(?:(?<![\d{YEAR_DIGITS}A-Za-z])(\d{{4}}|[{YEAR_DIGITS}]{{4}})\s*年\s*)?"
    rf"(\d{{1,2}}|[{CN_NUMERALS}]{{1,3}})\s*月\s*(\d{{1,2}}|[{CN_NUMERALS}]{{1,3}})\s*[日号]"
)


def to_int(numeral: str) -> int | None:
    """ "2016" / "二〇一六" / "二oo九" (digit by digit), "十" / "十二" / "二十八" / "一百零五"
    (positional) -> the number; None when `numeral` is not a number."""
    numeral = numeral.strip()
    if not numeral:
        return None
    if numeral.isascii() and numeral.isdigit():
        return int(numeral)
    if all(ch in _DIGITS for ch in numeral):
        if any(ch in "oO" for ch in numeral) and (len(numeral) != 4 or not _has_ideograph(numeral)):
            return None  # Latin zeros only inside a four-digit year with ideographs ("二oo九")
        value = 0
        for ch in numeral:
            value = value * 10 + _DIGITS[ch]
        return value
    return _positional(numeral)


def _has_ideograph(numeral: str) -> bool:
    return any(ch not in "oO" for ch in numeral)


def _positional(numeral: str) -> int | None:
    total = 0
    pending: int | None = None
    for ch in numeral:
        if ch in _UNITS:
            total += (1 if pending is None else pending) * _UNITS[ch]
            pending = None
        elif ch in _DIGITS and ch not in "oO":
            if pending is not None and _DIGITS[ch] != 0 and pending != 0:
                return None  # "二三" is not positional
            pending = _DIGITS[ch] if _DIGITS[ch] != 0 else (pending or 0)
        else:
            return None
    return total + (pending or 0)


def read_date(match: re.Match[str], default_year: int | None) -> date | None:
    """The date of one `DATE_PATTERN` match; `default_year` when it names none; None if invalid."""
    year = to_int(match.group(1)) if match.group(1) else default_year
    month, day = to_int(match.group(2)), to_int(match.group(3))
    if year is None or month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, default_year: int | None = None) -> list[date]:
    """Every date written in `text`, in order (a date without a year is in `default_year`)."""
    return [found for m in DATE_PATTERN.finditer(text) if (found := read_date(m, default_year))]
