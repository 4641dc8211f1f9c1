"""The question log queries behind the staff pages: per-day totals in the staff's time zone, filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from conversations import LogFilter, QuestionLogQuery, Store, daily_totals
from conversations._store import QuestionLogRow, UserRow

CST = timezone(timedelta(hours=8))


def _log(store: Store, rows: list[tuple[datetime, bool, str, str | None]]) -> None:
    with store.session() as session, session.begin():
        user = UserRow(channel="wechat", channel_user_id="o-1")
        session.add(user)
        session.flush()
        for number, (created_at, answered, kind, rating) in enumerate(rows):
            session.add(
                QuestionLogRow(
                    user_id=user.id,
                    channel="wechat",
                    question=f"问题{number}",
                    answer="",
                    answered=answered,
                    kind=kind,
                    confidence=0.5,
                    latency_ms=1.0,
                    rating=rating,
                    created_at=created_at,
                )
            )


def test_days_are_counted_in_the_staff_time_zone_with_empty_days_included(database_url: str) -> None:
    store = Store(database_url)
    try:
        _log(
            store,
            [
                (datetime(2025, 8, 1, 15, 59, tzinfo=UTC), True, "answer", "useful"),  # 8-1 23:59 in China
                (datetime(2025, 8, 1, 16, 1, tzinfo=UTC), False, "not_found", "useless"),  # 8-2 00:01
                (datetime(2025, 8, 3, 2, 0, tzinfo=UTC), True, "related", None),
                (datetime(2025, 8, 9, 2, 0, tzinfo=UTC), True, "answer", None),  # outside the period
            ],
        )
        days = daily_totals(store, date(2025, 8, 1), date(2025, 8, 4), tz=CST)
        assert [(d.day.day, d.questions, d.answered, d.refused) for d in days] == [
            (1, 1, 1, 0),
            (2, 1, 0, 1),
            (3, 1, 1, 0),
            (4, 0, 0, 0),
        ]
        assert days[1].refusal_rate == 1.0 and days[3].answered_rate is None
        in_utc = daily_totals(store, date(2025, 8, 1), date(2025, 8, 1))
        assert in_utc[0].questions == 2
        summary = QuestionLogQuery(store, tz=CST).summary(date(2025, 8, 1), date(2025, 8, 4))
        assert summary.ratings == {"useful": 1, "useless": 1, "none": 1}
        assert summary.kinds == {"answer": 1, "related": 1, "not_found": 1}
    finally:
        store.close()


def test_filters_combine_and_text_search_treats_wildcards_literally(database_url: str) -> None:
    store = Store(database_url)
    try:
        _log(store, [(datetime(2025, 8, 1, 3, 0, tzinfo=UTC), True, "answer", None)] * 3)
        with store.session() as session, session.begin():
            first = session.get(QuestionLogRow, 1)
            assert first is not None
            first.question = "100%_报销吗"
        query = QuestionLogQuery(store, tz=CST)
        assert [e.question for e in query.all(LogFilter(text="100%_"))] == ["100%_报销吗"]
        assert list(query.all(LogFilter(text="%"))) == list(query.all(LogFilter(text="100%")))
        assert query.page(LogFilter(answered="no")).total == 0
        assert query.page(LogFilter(date_from=date(2025, 8, 1), date_to=date(2025, 8, 1))).total == 3
        assert query.page(LogFilter(date_to=date(2025, 7, 31))).total == 0
        page = query.page(LogFilter(), page=2, page_size=2)
        assert (page.total, page.pages, [e.id for e in page.entries]) == (3, 2, [1])
    finally:
        store.close()
