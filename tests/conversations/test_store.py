"""The conversation store on SQLite and Postgres: migrations, turns, redelivery, concurrent writers."""

from __future__ import annotations

import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from conversations import Incoming, Reply, Store, form_digest
from conversations._store import DialogueStateRow, QuestionLogRow, TranscriptRow, count_rows
from conversations._store._migrate import _config, current_revision, head_revision
from conversations._store._schema import Base
from conversations._store._store import _normalise_url

TABLES = {
    "users",
    "dialogue_states",
    "transcript",
    "assessments",
    "assessment_history",
    "eligibility_checks",
    "question_log",
}


def _message(text: str, message_id: str | None = None, user: str = "u1") -> Incoming:
    return Incoming(channel="test", user_id=user, text=text, message_id=message_id)


def test_opening_applies_the_migrations_and_they_match_the_models(database_url: str) -> None:
    store = Store(database_url)
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    Store(database_url)  # a second start finds the database current and changes nothing
    assert current_revision(store.engine) == head_revision()


def test_a_turn_keeps_the_message_its_replies_and_its_changes(database_url: str) -> None:
    store = Store(database_url)

    def handle(turn) -> list[Reply]:
        turn.save(mode="assessment", data={"assessment_id": 7})
        turn.log_question(
            question="截止？",
            answer="9月10日",
            programme="p",
            answered=True,
            confidence=0.8,
            citations=[{"file": "a.txt"}],
            latency_ms=12.5,
            context="qa",
        )
        return [Reply(text="好的")]

    assert store.run_turn(_message("截止？"), handle) == [Reply(text="好的")]
    assert store.transcript("test", "u1") == [("in", "截止？"), ("out", "好的")]
    with store.session() as session:
        state = session.get(DialogueStateRow, 1)
        assert state is not None and state.mode == "assessment" and state.data == {"assessment_id": 7}
    (logged,) = store.question_log()
    assert (logged.question, logged.answered, logged.latency_ms, logged.channel) == (
        "截止？",
        True,
        12.5,
        "test",
    )


def test_a_failed_turn_changes_nothing_but_keeps_what_the_user_typed(database_url: str) -> None:
    store = Store(database_url)

    def crash(turn) -> list[Reply]:
        turn.save(mode="assessment", data={"x": 1})
        raise RuntimeError("worker died")

    with pytest.raises(RuntimeError):
        store.run_turn(_message("第一条"), crash)
    assert store.transcript("test", "u1") == [("in", "第一条")]
    with store.session() as session:
        state = session.get(DialogueStateRow, 1)
        assert state is not None and (state.mode, state.data) == ("idle", {})  # the change was rolled back
        (row,) = session.query(TranscriptRow).all()
        assert row.handled is False


def test_a_redelivered_message_gets_the_first_replies_and_is_not_handled_again(database_url: str) -> None:
    store = Store(database_url)
    calls: list[str] = []

    def handle(turn) -> list[Reply]:
        calls.append("handled")
        return [Reply(text=f"第{len(calls)}次处理")]

    first = store.run_turn(_message("你好", message_id="m-1"), handle)
    again = store.run_turn(_message("你好", message_id="m-1"), handle)
    assert first == again == [Reply(text="第1次处理")]
    assert calls == ["handled"]
    assert count_rows(store, TranscriptRow) == 2


def test_concurrent_turns_of_one_user_never_lose_an_update(database_url: str) -> None:
    """Without a lock around them (as two worker processes would run them), every turn still sees the
    state the previous one left: the store retries a turn whose state changed under it."""
    store = Store(database_url)
    store.run_turn(_message("开始"), lambda turn: [Reply(text="ok")])

    def increment(turn) -> list[Reply]:
        data = turn.data
        data["count"] = int(data.get("count", 0)) + 1
        turn.save(data=data)
        return [Reply(text=str(data["count"]))]

    threads = [
        threading.Thread(target=store.run_turn, args=(_message(f"m{n}", message_id=f"id-{n}"), increment))
        for n in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with store.session() as session:
        state = session.get(DialogueStateRow, 1)
        assert state is not None and state.data["count"] == 12
    outgoing = [text for direction, text in store.transcript("test", "u1") if direction == "out"]
    assert sorted(int(text) for text in outgoing[1:]) == list(range(1, 13))


def test_ratings_land_only_on_the_users_own_answers(database_url: str) -> None:
    store = Store(database_url)
    ids: list[int] = []

    def log(turn) -> list[Reply]:
        ids.append(
            turn.log_question(
                question="q",
                answer="a",
                programme=None,
                answered=True,
                confidence=0.5,
                citations=[],
                latency_ms=1.0,
                context="qa",
            )
        )
        return []

    store.run_turn(_message("q", user="alice"), log)
    rated_by_other = store.run_turn(
        _message("1", user="bob"), lambda turn: [Reply(text=str(turn.rate(ids[0], "useless")))]
    )
    rated_by_owner = store.run_turn(
        _message("1", user="alice"), lambda turn: [Reply(text=str(turn.rate(ids[0], "useful")))]
    )
    assert [rated_by_other[0].text, rated_by_owner[0].text] == ["False", "True"]
    with store.session() as session:
        row = session.get(QuestionLogRow, ids[0])
        assert row is not None and row.rating == "useful" and row.rated_at is not None


def test_a_completed_form_is_found_by_its_owner_and_content_only(database_url: str) -> None:
    store = Store(database_url)
    documents = {"alice": b"PK\x03\x04alice-form", "bob": b"PK\x03\x04bob-form"}

    def confirm(user: str):
        def handle(turn) -> list[Reply]:
            row = turn.start_assessment("qinghai-2025-star", {})
            row.status = "confirmed"
            row.form_filename = f"自评表-{user}.docx"
            row.form_docx = documents[user]
            return []

        return handle

    for user in documents:
        store.run_turn(_message("/confirm", user=user), confirm(user))
    alice = form_digest(documents["alice"])
    assert store.completed_form("test", "alice", alice) == ("自评表-alice.docx", documents["alice"])
    assert store.completed_form("test", "bob", alice) is None  # another user's form is not theirs
    assert store.completed_form("test", "alice", form_digest(b"changed")) is None
    assert store.completed_form("test", "carol", alice) is None


def test_questions_logged_before_reply_kinds_existed_get_theirs(database_url: str) -> None:
    """A database from before migration 0003 keeps its question log: answered rows become answers,
    refused ones "not found"."""
    engine = create_engine(_normalise_url(database_url))
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0002")
        connection.execute(
            text(
                "INSERT INTO users (id, channel, channel_user_id, created_at) "
                "VALUES (1, 'test', 'u1', CURRENT_TIMESTAMP)"
            )
        )
        for answered in (True, False):
            connection.execute(
                text(
                    "INSERT INTO question_log (user_id, channel, question, answer, answered, confidence, "
                    "citations, latency_ms, context, created_at) VALUES (1, 'test', 'q', 'a', :answered, "
                    "0.5, '[]', 1.0, 'qa', CURRENT_TIMESTAMP)"
                ),
                {"answered": answered},
            )
    engine.dispose()
    store = Store(database_url)
    kinds = [(row.answered, row.kind) for row in store.question_log()]
    assert kinds == [(True, "answer"), (False, "not_found")]
