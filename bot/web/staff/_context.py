"""What the staff pages work with, built once per worker (`WebContext.staff`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from bot.settings import Settings
from bot.web._secret import data_dir_secret
from bot.web.staff._accounts import StaffAccounts, utc_now
from bot.web.staff._pseudonym import Pseudonyms, pseudonym_key
from bot.web.staff._security import LoginTokens, StaffSessions
from conversations import QuestionLogQuery, Store

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
    # The notices staff manage and the re-ingests of their changes (the web app sets both).
    library: NoticeLibrary | None = None
    jobs: NoticeJobs | None = None


def staff_context(
    settings: Settings,
    store: Store,
    *,
    clock: Callable[[], datetime] = utc_now,
    library: NoticeLibrary | None = None,
    jobs: NoticeJobs | None = None,
) -> StaffContext:
    return StaffContext(
        store=store,
        accounts=StaffAccounts(
            store,
            lockout_attempts=settings.staff_lockout_attempts,
            lockout_minutes=settings.staff_lockout_minutes,
            clock=clock,
        ),
        sessions=StaffSessions(store, hours=settings.staff_session_hours, clock=clock),
        login_tokens=LoginTokens(
            data_dir_secret(settings, LOGIN_SECRET_FILENAME), clock=lambda: clock().timestamp()
        ),
        pseudonyms=Pseudonyms(pseudonym_key(settings)),
        log=QuestionLogQuery(store, tz=STAFF_TIMEZONE),
        secure_cookies=(settings.public_base_url or "").lower().startswith("https://"),
        clock=clock,
        library=library,
        jobs=jobs,
    )
