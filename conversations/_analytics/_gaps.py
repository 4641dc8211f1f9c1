"""FAQ gaps: the logged questions the bot did not answer well, grouped by meaning and ranked.

A logged question (any context: a question asked in the middle of a self-assessment or an eligibility
check went to the same notices, and staff need to see it as much) is a gap when

- it was refused (kind ``not_found``) or answered only with the closest related rule (``related``);
- it was answered with a confidence below `GapSettings.low_confidence`;
- the applicant rated the answer useless;
- the same applicant asked a similar but not identical question within `GapSettings.reask_minutes`:
  then the *earlier* one is the gap (its answer did not satisfy).

A question a curated (staff) answer replied to is not a gap unless it was rated useless.

Groups are recomputed from the log each time (`_grouping`), oldest question first; a group's key is
``"g"`` and its oldest member's id, so it stays while that question stays in it. Staff decisions are
rows of ``gap_decisions`` naming the question ids they covered, and a group takes its status from the
latest unreverted decision sharing any question with it (overlap, not the key, so a regrouping that
changes the key keeps the decision):

- ``ignored`` stays ignored when new paraphrases join;
- ``resolved`` holds while every member was covered by the decision or asked before it; a question
  that joined afterwards (the curated answer did not catch it) re-opens the group as ``new``, still
  naming the curated answer that missed it;
- ``revert`` marks the decisions ``reverted_at`` and records who reverted as a ``new`` decision.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from sqlalchemy import select

from conversations._analytics._grouping import group_questions
from conversations._analytics._similarity import QuestionEncoder, TfidfEncoder, cosine
from conversations._store import Store
from conversations._store._schema import CuratedAnswerRow, GapDecisionRow, QuestionLogRow
from knowledge import normalize_text

logger = logging.getLogger(__name__)

GapReason = Literal["refused", "related", "low_confidence", "useless", "reasked"]
GapStatus = Literal["new", "resolved", "ignored"]
GAP_STATUSES: tuple[GapStatus, ...] = ("new", "resolved", "ignored")


@dataclass(frozen=True)
class GapSettings:
    """What makes a gap and how gaps are grouped and ranked.

    `low_confidence` 0.8: on the 894 sample-corpus questions of benchmarks/data (and the 19 of
    shared/eval, whose lowest right answer scored 0.744), 5% of answers at 0.85 or above were wrong,
    24% of those in 0.75-0.85 and 28% below; under 0.8 flags 18% of the answers and 46% of the wrong ones.
    `group_similarity` 0.45: on the labelled paraphrases of tests/conversations (14 intents, 12
    singletons) in ten arrival orders, pairwise precision 0.90 on average (0.81 at worst) and recall
    0.73 (0.68); 0.35 gives about 0.85 / 0.78. Precision first: two gaps merged hide one from staff, and a
    curated answer would close questions it does not answer; a gap split in two only shows twice.
    `reask_similarity` is lower: the same applicant rephrasing within minutes is most likely the
    same question.
    """

    low_confidence: float = 0.8
    reask_minutes: float = 10.0
    reask_similarity: float = 0.35
    group_similarity: float = 0.45
    half_life_days: float = 7.0  # a question a week old counts half as much as one asked now
    trend_days: int = 14


@dataclass(frozen=True)
class GapQuestion:
    id: int
    question: str
    programme: str | None
    channel: str
    created_at: datetime
    reasons: tuple[GapReason, ...]
    answer: str
    kind: str
    confidence: float
    rating: str | None


@dataclass(frozen=True)
class GapGroup:
    key: str
    representative: str
    questions: list[GapQuestion]  # newest first
    count: int
    first_seen: datetime
    last_seen: datetime
    programmes: list[str]
    channels: list[str]
    reasons: dict[str, int]
    score: float  # sum over questions of 0.5 ** (age in days / half-life)
    trend: list[int]  # questions per day over the last `trend_days` days, oldest first
    status: GapStatus
    curated_answer_id: int | None
    decided_by: str | None
    decided_at: datetime | None
    question_ids: frozenset[int] = field(default=frozenset(), repr=False, compare=False)


class GapNotFound(LookupError):
    """No gap group has that key (any more)."""


def default_clock() -> datetime:
    return datetime.now(UTC)


class GapAnalytics:
    """The gap groups of one store's question log, and the staff decisions on them."""

    def __init__(
        self,
        store: Store,
        *,
        encoder_factory: Callable[[], QuestionEncoder] = TfidfEncoder,
        clock: Callable[[], datetime] = default_clock,
        settings: GapSettings | None = None,
    ) -> None:
        self.store = store
        self.encoder_factory = encoder_factory
        self.clock = clock
        self.settings = settings or GapSettings()
        # One encoder for every computation: it keeps the terms (or vectors) of the questions it has
        # seen, so a second look at the log costs the grouping, not jieba again. Refitting it is not
        # thread-safe, hence the lock (the staff pages may ask from two requests at once).
        self._encoder: QuestionEncoder | None = None
        self._lock = threading.Lock()

    # --- reading -------------------------------------------------------------------------------------

    def groups(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        programme: str | None = None,
        status: str | None = None,
    ) -> list[GapGroup]:
        """The groups, best first (score, then count, then the latest question). Grouping and status
        always use the whole log (so keys and decisions do not depend on the view); `since`, `until`
        and `programme` then keep only the matching questions of each group, and the groups left."""
        if status not in (None, "all", *GAP_STATUSES):
            raise ValueError(f"不认识的状态：{status}（可选 new、resolved、ignored、all）")
        now = self.clock()
        shown = []
        for group in self._all_groups():
            questions = [
                question
                for question in group.questions
                if (since is None or _day(question.created_at) >= since)
                and (until is None or _day(question.created_at) <= until)
                and (programme is None or question.programme == programme)
            ]
            if not questions or status not in (None, "all", group.status):
                continue
            shown.append(self._summarise(group, questions, now))
        return sorted(shown, key=lambda g: (-g.score, -g.count, -g.last_seen.timestamp(), g.key))

    def group(self, key: str) -> GapGroup | None:
        return next((group for group in self._all_groups() if group.key == key), None)

    # --- decisions -----------------------------------------------------------------------------------

    def resolve(self, key: str, *, curated_answer_id: int, by: str) -> GapGroup:
        """Mark the group answered by curated answer `curated_answer_id` (which must exist)."""
        with self.store.session() as session:
            if session.get(CuratedAnswerRow, curated_answer_id) is None:
                raise ValueError(f"没有编号为 {curated_answer_id} 的人工答案。")
        return self._decide(key, "resolved", by=by, curated_answer_id=curated_answer_id)

    def ignore(self, key: str, *, by: str) -> GapGroup:
        return self._decide(key, "ignored", by=by)

    def revert(self, key: str, *, by: str) -> GapGroup:
        """Back to new: the decisions behind the group's status get `reverted_at`; who reverted is kept
        as a decision of status ``new``."""
        group = self._require(key)
        now = self.clock()
        with self.store.session() as session, session.begin():
            for row in session.scalars(select(GapDecisionRow).where(GapDecisionRow.reverted_at.is_(None))):
                if group.question_ids & {int(i) for i in row.question_ids}:
                    row.reverted_at = now
            session.add(_decision_row(group, "new", by=by, at=now))
        return self._require(key)

    def _decide(self, key: str, status: str, *, by: str, curated_answer_id: int | None = None) -> GapGroup:
        group = self._require(key)
        with self.store.session() as session, session.begin():
            row = _decision_row(group, status, by=by, at=self.clock())
            row.curated_answer_id = curated_answer_id
            session.add(row)
        logger.info("gap group %s %s by %s", key, status, by)
        return self._require(key)

    def _require(self, key: str) -> GapGroup:
        group = self.group(key)
        if group is None:
            raise GapNotFound(f"没有这个问题组：{key}（问题记录变化后可能已重新分组，请刷新）")
        return group

    # --- computing -----------------------------------------------------------------------------------

    def _all_groups(self) -> list[GapGroup]:
        with self.store.session() as session:
            rows = list(session.scalars(select(QuestionLogRow).order_by(QuestionLogRow.id)))
            decisions = list(session.scalars(select(GapDecisionRow).order_by(GapDecisionRow.id)))
        with self._lock:
            if self._encoder is None:
                self._encoder = self.encoder_factory()
            gaps = detect_gaps(rows, self._encoder, self.settings)
            gaps.sort(key=lambda gap: (gap.created_at, gap.id))
            texts = [gap.question for gap in gaps]
            grouping = group_questions(texts, self._encoder, self.settings.group_similarity)
        now = self.clock()
        groups = []
        for members, representative in zip(grouping.groups, grouping.representatives, strict=True):
            questions = [gaps[index] for index in members]
            group = GapGroup(
                key=f"g{min(question.id for question in questions)}",
                representative=gaps[representative].question,
                questions=[],
                count=0,
                first_seen=now,
                last_seen=now,
                programmes=[],
                channels=[],
                reasons={},
                score=0.0,
                trend=[],
                status="new",
                curated_answer_id=None,
                decided_by=None,
                decided_at=None,
                question_ids=frozenset(question.id for question in questions),
            )
            groups.append(self._summarise(_with_status(group, questions, decisions), questions, now))
        return groups

    def _summarise(self, group: GapGroup, questions: Sequence[GapQuestion], now: datetime) -> GapGroup:
        newest_first = sorted(questions, key=lambda q: (q.created_at, q.id), reverse=True)
        half_life = timedelta(days=self.settings.half_life_days)
        score = sum(0.5 ** (max((now - q.created_at) / half_life, 0.0)) for q in questions)
        today = _day(now)
        per_day = Counter(_day(q.created_at) for q in questions)
        days = self.settings.trend_days
        reasons: Counter[str] = Counter(reason for q in questions for reason in q.reasons)
        return replace(
            group,
            questions=newest_first,
            count=len(questions),
            first_seen=newest_first[-1].created_at,
            last_seen=newest_first[0].created_at,
            programmes=sorted({q.programme for q in questions if q.programme}),
            channels=sorted({q.channel for q in questions}),
            reasons=dict(sorted(reasons.items())),
            score=round(score, 6),
            trend=[per_day.get(today - timedelta(days=back), 0) for back in range(days - 1, -1, -1)],
        )


def detect_gaps(
    rows: Sequence[QuestionLogRow], encoder: QuestionEncoder, settings: GapSettings
) -> list[GapQuestion]:
    """The gaps among logged questions, with their reasons (see the module docstring)."""
    reasked = _reasked(rows, encoder, settings)
    gaps = []
    for row in rows:
        reasons: list[GapReason] = []
        if row.kind == "not_found":
            reasons.append("refused")
        elif row.kind == "related":
            reasons.append("related")
        elif row.confidence < settings.low_confidence:
            reasons.append("low_confidence")
        if row.rating == "useless":
            reasons.append("useless")
        if row.id in reasked:
            reasons.append("reasked")
        if row.curated_answer_id is not None and row.rating != "useless":
            continue  # the staff's answer replied and nobody said it was useless
        if reasons:
            gaps.append(
                GapQuestion(
                    id=row.id,
                    question=row.question,
                    programme=row.programme,
                    channel=row.channel,
                    created_at=_aware(row.created_at),
                    reasons=tuple(reasons),
                    answer=row.answer,
                    kind=row.kind,
                    confidence=row.confidence,
                    rating=row.rating,
                )
            )
    return gaps


def _reasked(rows: Sequence[QuestionLogRow], encoder: QuestionEncoder, settings: GapSettings) -> set[int]:
    """Ids of questions the same user asked again, in other words, within the window."""
    window = timedelta(minutes=settings.reask_minutes)
    by_user: defaultdict[int, list[QuestionLogRow]] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row)
    pairs: list[tuple[QuestionLogRow, QuestionLogRow]] = []
    for asked in by_user.values():
        asked.sort(key=lambda row: (_aware(row.created_at), row.id))
        for position, earlier in enumerate(asked):
            for later in asked[position + 1 :]:
                if _aware(later.created_at) - _aware(earlier.created_at) > window:
                    break
                if _plain(later.question) != _plain(earlier.question):
                    pairs.append((earlier, later))
    if not pairs:
        return set()
    # IDF from the questions being compared: the words every applicant uses weigh little.
    encoder.fit([row.question for row in rows])
    return {
        earlier.id
        for earlier, later in pairs
        if cosine(encoder.encode(earlier.question), encoder.encode(later.question))
        >= settings.reask_similarity
    }


def _with_status(
    group: GapGroup, questions: Sequence[GapQuestion], decisions: Sequence[GapDecisionRow]
) -> GapGroup:
    latest = None
    for row in decisions:  # by id: the last overlapping one wins
        if row.reverted_at is None and group.question_ids & {int(i) for i in row.question_ids}:
            latest = row
    if latest is None:
        return group
    decided_at = _aware(latest.decided_at)
    status: GapStatus = "ignored" if latest.status == "ignored" else "new"
    if latest.status == "resolved":
        covered = {int(i) for i in latest.question_ids}
        joined_later = [q for q in questions if q.id not in covered and q.created_at > decided_at]
        status = "new" if joined_later else "resolved"
    return replace(
        group,
        status=status,
        curated_answer_id=latest.curated_answer_id,
        decided_by=latest.decided_by,
        decided_at=decided_at,
    )


def _decision_row(group: GapGroup, status: str, *, by: str, at: datetime) -> GapDecisionRow:
    return GapDecisionRow(
        group_key=group.key,
        status=status,
        representative=group.representative,
        question_ids=sorted(group.question_ids),
        decided_by=by,
        decided_at=at,
    )


def _plain(question: str) -> str:
    """The question without case, width, script or punctuation differences: the same words."""
    return "".join(char for char in normalize_text(question).lower() if char.isalnum())


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the store writes UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()
