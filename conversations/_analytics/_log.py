"""The question log as staff read it: filtered pages of logged questions and per-day totals.

Days are calendar days in `tz` (the staff's time zone), so "today" on the overview is the staff's today.
Filters run in SQL (portable between SQLite and Postgres); the per-day totals are counted in Python over
the few columns they need, which is cheap at an association's volume (thousands of questions a month).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from sqlalchemy import Select, func, or_, select

from conversations._store import QuestionLogRow, Store, UserRow

AnsweredFilter = Literal["any", "yes", "no"]
RatingFilter = Literal["any", "useful", "useless", "none"]
KINDS = ("answer", "related", "not_found")
PAGE_SIZE = 50


@dataclass(frozen=True)
class LogFilter:
    """What staff narrowed the log to; every field left at its default matches every question."""

    date_from: date | None = None  # inclusive, in the query's time zone
    date_to: date | None = None  # inclusive
    programme: str | None = None
    channel: str | None = None
    answered: AnsweredFilter = "any"
    kind: str | None = None  # answer | related | not_found
    rating: RatingFilter = "any"
    text: str | None = None  # a substring of the question or the answer


@dataclass(frozen=True)
class LogEntry:
    """One logged question. `channel_user_id` identifies the applicant: callers that show entries to
    staff replace it with a pseudonym and must never display it."""

    id: int
    created_at: datetime  # aware, UTC
    channel: str
    channel_user_id: str
    programme: str | None
    question: str
    answer: str
    answered: bool
    kind: str
    confidence: float
    rating: str | None


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntry]
    total: int  # matching questions over all pages
    page: int  # 1-based
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class DailyTotals:
    """One day's questions: how many, answered (an answer or a related rule), refused (not found)."""

    day: date
    questions: int = 0
    answered: int = 0
    refused: int = 0

    @property
    def answered_rate(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    @property
    def refusal_rate(self) -> float | None:
        return self.refused / self.questions if self.questions else None


@dataclass(frozen=True)
class LogSummary:
    """The totals of a period for the overview."""

    days: list[DailyTotals]
    ratings: dict[str, int] = field(default_factory=dict)  # useful | useless | none -> count
    kinds: dict[str, int] = field(default_factory=dict)  # answer | related | not_found -> count

    @property
    def questions(self) -> int:
        return sum(day.questions for day in self.days)


class QuestionLogQuery:
    """Reads the question log of `store` for the staff pages and exports."""

    def __init__(self, store: Store, *, tz: tzinfo = UTC) -> None:
        self._store = store
        self._tz = tz

    def page(self, log_filter: LogFilter, page: int = 1, page_size: int = PAGE_SIZE) -> LogPage:
        """One page of matching questions, newest first."""
        page = max(1, page)
        with self._store.session() as session:
            total = int(
                session.scalar(select(func.count()).select_from(self._select(log_filter).subquery())) or 0
            )
            query = self._select(log_filter).offset((page - 1) * page_size).limit(page_size)
            entries = [_entry(row, user) for row, user in session.execute(query)]
        return LogPage(entries=entries, total=total, page=page, page_size=page_size)

    def all(self, log_filter: LogFilter) -> Iterator[LogEntry]:
        """Every matching question, newest first (for the exports)."""
        with self._store.session() as session:
            for row, user in session.execute(self._select(log_filter).execution_options(yield_per=500)):
                yield _entry(row, user)

    def programmes(self) -> list[str]:
        """The programmes questions were asked about, for the filter's choices."""
        with self._store.session() as session:
            query = select(QuestionLogRow.programme).where(QuestionLogRow.programme.is_not(None)).distinct()
            return sorted(str(value) for value in session.scalars(query))

    def channels(self) -> list[str]:
        with self._store.session() as session:
            return sorted(session.scalars(select(QuestionLogRow.channel).distinct()))

    def _select(self, f: LogFilter) -> Select[QuestionLogRow, UserRow]:
        query = select(QuestionLogRow, UserRow).join(UserRow, UserRow.id == QuestionLogRow.user_id)
        if f.date_from is not None:
            query = query.where(QuestionLogRow.created_at >= self._start_of(f.date_from))
        if f.date_to is not None:
            query = query.where(QuestionLogRow.created_at < self._start_of(f.date_to + timedelta(days=1)))
        if f.programme:
            query = query.where(QuestionLogRow.programme == f.programme)
        if f.channel:
            query = query.where(QuestionLogRow.channel == f.channel)
        if f.answered != "any":
            query = query.where(QuestionLogRow.answered.is_(f.answered == "yes"))
        if f.kind:
            query = query.where(QuestionLogRow.kind == f.kind)
        if f.rating == "none":
            query = query.where(QuestionLogRow.rating.is_(None))
        elif f.rating != "any":
            query = query.where(QuestionLogRow.rating == f.rating)
        if f.text and f.text.strip():
            pattern = "%" + _escape_like(f.text.strip()) + "%"
            query = query.where(
                or_(
                    QuestionLogRow.question.ilike(pattern, escape="\\"),
                    QuestionLogRow.answer.ilike(pattern, escape="\\"),
                )
            )
        return query.order_by(QuestionLogRow.created_at.desc(), QuestionLogRow.id.desc())

    def _start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self._tz).astimezone(UTC)

    def summary(self, since: date, until: date) -> LogSummary:
        """Per-day totals from `since` to `until` (inclusive, every day present, zeros too), with the
        ratings and kinds of the period."""
        return _summary(self._store, since, until, self._tz)


def daily_totals(store: Store, since: date, until: date, *, tz: tzinfo = UTC) -> list[DailyTotals]:
    """The questions of each day from `since` to `until` inclusive (days without questions count 0)."""
    return _summary(store, since, until, tz).days


def _summary(store: Store, since: date, until: date, tz: tzinfo) -> LogSummary:
    start = datetime.combine(since, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)
    counts: dict[date, Counter[str]] = {}
    ratings: Counter[str] = Counter({"useful": 0, "useless": 0, "none": 0})
    kinds: Counter[str] = Counter(dict.fromkeys(KINDS, 0))
    with store.session() as session:
        query = select(
            QuestionLogRow.created_at, QuestionLogRow.answered, QuestionLogRow.kind, QuestionLogRow.rating
        ).where(QuestionLogRow.created_at >= start, QuestionLogRow.created_at < end)
        for created_at, answered, kind, rating in session.execute(query):
            day = _aware(created_at).astimezone(tz).date()
            counter = counts.setdefault(day, Counter())
            counter["questions"] += 1
            counter["answered" if answered else "refused"] += 1
            ratings[rating or "none"] += 1
            kinds[kind] += 1
    days = []
    day = since
    while day <= until:
        counter = counts.get(day, Counter())
        days.append(DailyTotals(day, counter["questions"], counter["answered"], counter["refused"]))
        day += timedelta(days=1)
    return LogSummary(days=days, ratings=dict(ratings), kinds=dict(kinds))


def _entry(row: QuestionLogRow, user: UserRow) -> LogEntry:
    return LogEntry(
        id=row.id,
        created_at=_aware(row.created_at),
        channel=row.channel,
        channel_user_id=user.channel_user_id,
        programme=row.programme,
        question=row.question,
        answer=row.answer,
        answered=row.answered,
        kind=row.kind,
        confidence=row.confidence,
        rating=row.rating,
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the store writes UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
