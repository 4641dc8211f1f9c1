"""The conversation store: one SQL database (a SQLite file by default, Postgres by URL).

Every message is a *turn*. The incoming message is written first, in its own transaction, so what a user
typed is kept even if the process dies while handling it. Handling runs in a second transaction holding
everything the message changed (dialogue state, assessment and its history, eligibility check, question
log, the replies); the replies are returned only after it commits, so an answer the user saw is never
lost. The dialogue state row carries a version: a turn that read a state another process changed in the
meantime fails its commit and is run again on the new state. A message delivered twice with the same
channel message id gets the stored replies of the first delivery.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from conversations._messages import Incoming, Rating, Reply
from conversations._store import _migrate
from conversations._store._schema import (
    AssessmentEventRow,
    AssessmentRow,
    DialogueStateRow,
    EligibilityCheckRow,
    QuestionLogRow,
    TranscriptRow,
    UserRow,
    utcnow,
)

logger = logging.getLogger(__name__)

SQLITE_FILENAME = "conversations.sqlite3"
MAX_TURN_ATTEMPTS = 8
# The tables whose rows belong to one user (they have `id` and `user_id`).
UserOwned = TypeVar("UserOwned", TranscriptRow, AssessmentRow, EligibilityCheckRow)


class StoreError(RuntimeError):
    """The database cannot be opened or used (message in Chinese, for the operator)."""


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir) / SQLITE_FILENAME}"


def _normalise_url(url: str) -> URL:
    parsed = make_url(url)
    # "postgresql://..." means the psycopg (3) driver here; SQLAlchemy's default would be psycopg2.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA synchronous=FULL")  # a committed turn survives a crash of the machine too
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Store:
    """Opens the database, applies the migrations, and runs turns."""

    def __init__(self, url: str) -> None:
        parsed = _normalise_url(url)
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
            if parsed.get_backend_name() == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            _migrate.upgrade(self.engine)
        except OperationalError as error:
            raise StoreError(
                f"无法打开对话数据库（{parsed.render_as_string(hide_password=True)}）：{error.orig}"
            ) from error
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    # --- turns -------------------------------------------------------------------------------------

    def run_turn(self, incoming: Incoming, handle: Callable[[Turn], list[Reply]]) -> list[Reply]:
        """Record `incoming`, then run `handle` on the user's state in one transaction and return its
        replies; a redelivered message (same `message_id`) returns the first delivery's replies."""
        user_id, message_row_id, stored = self._receive(incoming)
        if stored is not None:
            return stored
        for attempt in range(1, MAX_TURN_ATTEMPTS + 1):
            try:
                with self._sessions() as session, session.begin():
                    message = session.get(TranscriptRow, message_row_id)
                    assert message is not None
                    if message.handled:  # another worker handled the redelivery meanwhile
                        return _replies_of(session, message.id)
                    turn = Turn(session, user_id, incoming.channel)
                    replies = handle(turn)
                    message.handled = True
                    for reply in replies:
                        session.add(
                            TranscriptRow(
                                user_id=user_id,
                                direction="out",
                                kind="text",
                                text=reply.text,
                                payload=reply.model_dump(mode="json"),
                                reply_to=message.id,
                                handled=True,
                            )
                        )
                    turn.state.updated_at = utcnow()  # always an UPDATE: bumps the version
                return replies
            except (StaleDataError, OperationalError) as error:
                if attempt == MAX_TURN_ATTEMPTS:
                    raise
                logger.info("turn of user %s retried (%s)", user_id, type(error).__name__)
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    def _receive(self, incoming: Incoming) -> tuple[int, int, list[Reply] | None]:
        """(user id, transcript id of the message, the stored replies when it was handled before)."""
        for attempt in range(1, MAX_TURN_ATTEMPTS + 1):
            try:
                with self._sessions() as session, session.begin():
                    user = _user(session, incoming.channel, incoming.user_id)
                    if incoming.message_id is not None:
                        existing = session.scalar(
                            select(TranscriptRow).where(
                                TranscriptRow.user_id == user.id,
                                TranscriptRow.channel_message_id == incoming.message_id,
                            )
                        )
                        if existing is not None:
                            stored = _replies_of(session, existing.id) if existing.handled else None
                            return user.id, existing.id, stored
                    row = TranscriptRow(
                        user_id=user.id,
                        direction="in",
                        kind=incoming.kind,
                        text=incoming.text,
                        payload={"rating": list(incoming.rating)} if incoming.rating else {},
                        channel_message_id=incoming.message_id,
                        handled=False,
                    )
                    session.add(row)
                    session.flush()
                    return user.id, row.id, None
            except (IntegrityError, OperationalError):
                # Two deliveries (or two first messages of a new user) raced: the other one won.
                if attempt == MAX_TURN_ATTEMPTS:
                    raise
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")

    # --- reading, outside a turn ---------------------------------------------------------------------

    def transcript(self, channel: str, channel_user_id: str) -> list[tuple[str, str]]:
        """(direction, text) of every message of one user, oldest first."""
        return [
            (row.direction, row.text) for row in self._rows_of_user(TranscriptRow, channel, channel_user_id)
        ]

    def question_log(self) -> list[QuestionLogRow]:
        with self._sessions() as session:
            return list(session.scalars(select(QuestionLogRow).order_by(QuestionLogRow.id)))

    def assessments(self, channel: str, channel_user_id: str) -> list[AssessmentRow]:
        return self._rows_of_user(AssessmentRow, channel, channel_user_id)

    def completed_form(self, channel: str, channel_user_id: str, digest: str) -> tuple[str, bytes] | None:
        """(filename, .docx bytes) of the user's completed form whose `form_digest` is `digest`: a
        download link names the form by its content, so any worker serves it and an edit makes a new one."""
        for row in reversed(self.assessments(channel, channel_user_id)):
            if row.form_docx is not None and row.form_filename and form_digest(row.form_docx) == digest:
                return row.form_filename, row.form_docx
        return None

    def assessment_history(self, assessment_id: int) -> list[AssessmentEventRow]:
        with self._sessions() as session:
            query = (
                select(AssessmentEventRow)
                .where(AssessmentEventRow.assessment_id == assessment_id)
                .order_by(AssessmentEventRow.id)
            )
            return list(session.scalars(query))

    def eligibility_checks(self, channel: str, channel_user_id: str) -> list[EligibilityCheckRow]:
        return self._rows_of_user(EligibilityCheckRow, channel, channel_user_id)

    def _rows_of_user(self, table: type[UserOwned], channel: str, channel_user_id: str) -> list[UserOwned]:
        """One user's rows of `table`, oldest first; none for a user never seen."""
        with self._sessions() as session:
            user = _find_user(session, channel, channel_user_id)
            if user is None:
                return []
            query = select(table).where(table.user_id == user.id).order_by(table.id)
            return list(session.scalars(query))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A plain session, for tests and analytics that read the tables directly."""
        with self._sessions() as session:
            yield session


class Turn:
    """The user's records during one handled message; every change commits with the turn or not at all."""

    def __init__(self, session: Session, user_id: int, channel: str) -> None:
        self.session = session
        self.user_id = user_id
        self.channel = channel
        state = session.get(DialogueStateRow, user_id)
        assert state is not None, "the store creates the state with the user"
        self.state = state

    # dialogue state
    @property
    def mode(self) -> str:
        return self.state.mode

    @property
    def programme(self) -> str | None:
        return self.state.programme

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.state.data or {})

    def save(self, *, mode: str | None = None, data: dict[str, Any] | None = None) -> None:
        if mode is not None:
            self.state.mode = mode
        if data is not None:
            self.state.data = data  # a new dict: SQLAlchemy sees the change

    def set_programme(self, programme: str | None) -> None:
        self.state.programme = programme

    # assessments
    def assessment(self, assessment_id: int | None) -> AssessmentRow | None:
        if assessment_id is None:
            return None
        row = self.session.get(AssessmentRow, assessment_id)
        return row if row is not None and row.user_id == self.user_id else None

    def latest_assessment(self, status: str) -> AssessmentRow | None:
        query = (
            select(AssessmentRow)
            .where(AssessmentRow.user_id == self.user_id, AssessmentRow.status == status)
            .order_by(AssessmentRow.id.desc())
            .limit(1)
        )
        return self.session.scalar(query)

    def start_assessment(self, rubric_id: str, state: dict[str, Any]) -> AssessmentRow:
        row = AssessmentRow(user_id=self.user_id, rubric_id=rubric_id, status="active", state=state)
        self.session.add(row)
        self.session.flush()
        self.assessment_event(row, "start", "", state)
        return row

    def assessment_event(self, row: AssessmentRow, action: str, text: str, state: dict[str, Any]) -> None:
        row.state = state
        row.updated_at = utcnow()
        self.session.add(AssessmentEventRow(assessment_id=row.id, action=action, input=text, state=state))

    # eligibility checks
    def check(self, check_id: int | None) -> EligibilityCheckRow | None:
        if check_id is None:
            return None
        row = self.session.get(EligibilityCheckRow, check_id)
        return row if row is not None and row.user_id == self.user_id else None

    def start_check(self, programme: str, category: str | None) -> EligibilityCheckRow:
        row = EligibilityCheckRow(
            user_id=self.user_id, programme=programme, category=category, status="active", answers={}
        )
        self.session.add(row)
        self.session.flush()
        return row

    # the question log
    def log_question(
        self,
        *,
        question: str,
        answer: str,
        programme: str | None,
        answered: bool,
        confidence: float,
        citations: Sequence[dict[str, Any]],
        latency_ms: float,
        context: str,
        kind: str | None = None,
        curated_answer_id: int | None = None,
    ) -> int:
        row = QuestionLogRow(
            user_id=self.user_id,
            channel=self.channel,
            question=question,
            answer=answer,
            programme=programme,
            answered=answered,
            kind=kind or ("answer" if answered else "not_found"),
            confidence=confidence,
            citations=list(citations),
            latency_ms=latency_ms,
            context=context,
            curated_answer_id=curated_answer_id,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def rate(self, question_id: int, rating: Rating) -> bool:
        """Rate one of this user's logged answers; False when it is not theirs (or does not exist)."""
        row = self.session.get(QuestionLogRow, question_id)
        if row is None or row.user_id != self.user_id:
            return False
        row.rating = rating
        row.rated_at = utcnow()
        return True

    def now(self) -> datetime:
        return utcnow()


def _find_user(session: Session, channel: str, channel_user_id: str) -> UserRow | None:
    return session.scalar(
        select(UserRow).where(UserRow.channel == channel, UserRow.channel_user_id == channel_user_id)
    )


def _user(session: Session, channel: str, channel_user_id: str) -> UserRow:
    user = _find_user(session, channel, channel_user_id)
    if user is None:
        user = UserRow(channel=channel, channel_user_id=channel_user_id)
        session.add(user)
        session.flush()  # IntegrityError here when another process created the user first
        # Created here, not in the turn: a turn then writes only after its slow part (answering), so
        # on SQLite, whose writers take turns, one user's question never holds up another's.
        session.add(DialogueStateRow(user_id=user.id, mode="idle", data={}))
        session.flush()
    return user


def _replies_of(session: Session, message_id: int) -> list[Reply]:
    rows = session.scalars(
        select(TranscriptRow).where(TranscriptRow.reply_to == message_id).order_by(TranscriptRow.id)
    )
    return [Reply.model_validate(row.payload) for row in rows]


def form_digest(document: bytes) -> str:
    """What names a completed form in a download link: the SHA-256 of its bytes (hex)."""
    return hashlib.sha256(document).hexdigest()


def count_rows(store: Store, table: type[Any]) -> int:
    """How many rows a table has (tests and the benchmark use it)."""
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)
