"""Chinese numerals: one reader for years, dates and item numbers across knowledge/."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge._extractive_text import parse_dates
from knowledge._numerals import to_int
from knowledge._scope import find_years


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        *[("十", 10), ("十二", 12), ("二十八", 28), ("三十一", 31), ("一百零五", 105), ("两", 2)],
        *[
            ("二〇一六", 2016),
            ("二○一一", 2011),
            ("二oo九", 2009),
            ("2016", 2016),
            ("oo", None),
            ("年", None),
        ],
    ],
)
def test_numerals_are_read_positionally_or_digit_by_digit(numeral, value):
    assert to_int(numeral) == value


def test_a_deadline_written_in_chinese_numerals_is_a_date():
    assert parse_dates("请于二〇一六年九月十日前报送", None) == [date(2016, 9, 10)]
    assert parse_dates("二oo九年十二月十一日", None) == [date(2009, 12, 11)]
    assert parse_dates("9月30日前报送，2016年6月10日印发", 2016) == [date(2016, 9, 30), date(2016, 6, 10)]
    assert parse_dates("二月三十日", 2016) == []  # no such day


def test_years_written_digit_by_digit_are_found_in_questions():
    assert [m.year for m in find_years("二oo九年发的通知和2016年的")] == [2009, 2016]
