"""What the staff pages work with, built once per worker (`WebContext.staff`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from bot._wiring import gap_analytics
from bot.settings import Settings
from bot.web._secret import data_dir_secret
from bot.web.staff._accounts import StaffAccounts, utc_now
from bot.web.staff._pseudonym import Pseudonyms, mask_numbers, pseudonym_key
from bot.web.staff._security import LoginTokens, StaffSessions
from conversations import CuratedAnswerStore, DraftAnswer, GapAnalytics, QuestionLogQuery, Store, draft_answer
from knowledge import KnowledgeBase

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.notice_jobs import NoticeJobs
    from knowledge import NoticeLibrary

# The associations are in China (no daylight saving): the overview's days are China Standard Time days.
STAFF_TIMEZONE = timezone(timedelta(hours=8), "CST")
LOGIN_SECRET_FILENAME = "staff-login-secret"


@dataclass(frozen=True)
class TopGap:
    """A gap group as the overview lists it."""

    question: str  # the representative question
    count: int
    programmes: Sequence[str] = ()
    key: str | None = None  # the group's page, /staff/gaps/{key}


@dataclass
class StaffContext:
    store: Store
    accounts: StaffAccounts
    sessions: StaffSessions
    login_tokens: LoginTokens
    pseudonyms: Pseudonyms
    log: QuestionLogQuery
    secure_cookies: bool  # the public base URL is https: cookies are sent over https only
    clock: Callable[[], datetime] = utc_now
    # The gap analytics' top groups (limit -> groups); the overview lists them when set.
    top_gaps: Callable[[int], Sequence[TopGap]] | None = None
    # The gap groups and the curated answers of `store` (the worker's knowledge base consults the same
    # database: every change is served at once).
    gaps: GapAnalytics | None = None
    curated: CuratedAnswerStore | None = None
    # A drafted answer from the notices for (question, programme); None when the answerer is not a
    # knowledge base (no notices to draft from).
    draft: Callable[[str, str | None], DraftAnswer | None] | None = None
    # What a curated answer may cite (notice file -> title) and be scoped to (programme id -> label).
    notice_titles: Callable[[], dict[str, str]] = dict
    programme_labels: Callable[[], dict[str, str]] = dict
    # The notices staff manage and the re-ingests of their changes (the web app sets both).
    library: NoticeLibrary | None = None
    jobs: NoticeJobs | None = None


def staff_context(
    settings: Settings,
    store: Store,
    *,
    clock: Callable[[], datetime] = utc_now,
    answerer: object | None = None,
    library: NoticeLibrary | None = None,
    jobs: NoticeJobs | None = None,
    hasher: PasswordHasher | None = None,
) -> StaffContext:
    """`answerer`: the worker's (its notices and programmes feed the curated-answer forms and drafts).
    `hasher`: the accounts' password hasher; None is argon2's default cost (tests pass a cheap one)."""
    gaps = gap_analytics(settings, store, clock=clock)
    context = StaffContext(
        store=store,
        accounts=StaffAccounts(
            store,
            lockout_attempts=settings.staff_lockout_attempts,
            lockout_minutes=settings.staff_lockout_minutes,
            clock=clock,
            hasher=hasher,
        ),
        sessions=StaffSessions(store, hours=settings.staff_session_hours, clock=clock),
        login_tokens=LoginTokens(
            data_dir_secret(settings, LOGIN_SECRET_FILENAME), clock=lambda: clock().timestamp()
        ),
        pseudonyms=Pseudonyms(pseudonym_key(settings)),
        log=QuestionLogQuery(store, tz=STAFF_TIMEZONE),
        secure_cookies=(settings.public_base_url or "").lower().startswith("https://"),
        clock=clock,
        top_gaps=lambda limit: [
            TopGap(mask_numbers(group.representative), group.count, group.programmes, key=group.key)
            for group in gaps.groups(status="new")[:limit]
        ],
        gaps=gaps,
        curated=CuratedAnswerStore(store, clock=clock),
        library=library,
        jobs=jobs,
    )
    titles = getattr(answerer, "notice_titles", None)
    if callable(titles):
        context.notice_titles = _never_failing(titles)
    details = getattr(answerer, "programme_details", None)
    if callable(details):
        context.programme_labels = _never_failing(lambda: {p.id: p.label for p in details()})
    if isinstance(answerer, KnowledgeBase):
        knowledge = answerer
        context.draft = lambda question, programme: draft_answer(knowledge, question, programme)
    return context


def _never_failing(read: Callable[[], dict[str, str]]) -> Callable[[], dict[str, str]]:
    """`read`, or {} while there is no index (a form still opens; its choices are empty)."""

    def guarded() -> dict[str, str]:
        try:
            return dict(read())
        except Exception:
            logger.warning("notice index unavailable for the staff forms", exc_info=True)
            return {}

    return guarded
