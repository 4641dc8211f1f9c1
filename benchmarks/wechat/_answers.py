"""What the bot stored, read back for the verdict: the replies of each MsgId, and the answers each
assessment recorded (the benchmark's and the deploy test's ground truth)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredTurns:
    answers: dict[str, list[str]]  # MsgId -> the texts of the replies stored for it
    handled: dict[str, bool]  # MsgId -> whether its turn committed


def stored_turns(database_url: str, channel: str = "wechat") -> StoredTurns:
    from sqlalchemy import select

    from conversations import Reply, Store
    from conversations._store._schema import TranscriptRow, UserRow

    store = Store(database_url)
    answers: dict[str, list[str]] = {}
    handled: dict[str, bool] = {}
    try:
        with store.session() as session:
            query = (
                select(TranscriptRow)
                .join(UserRow, UserRow.id == TranscriptRow.user_id)
                .where(UserRow.channel == channel)
                .order_by(TranscriptRow.id)
            )
            rows = list(session.scalars(query))
        incoming = {row.id: row for row in rows if row.direction == "in" and row.channel_message_id}
        for row in incoming.values():
            handled[str(row.channel_message_id)] = row.handled
        for row in rows:
            source = incoming.get(row.reply_to or -1) if row.direction == "out" else None
            if source is not None:
                answers.setdefault(str(source.channel_message_id), []).append(
                    Reply.model_validate(row.payload).text
                )
    finally:
        store.close()
    return StoredTurns(answers, handled)


def assessment_inputs(database_url: str, user_id: str, channel: str = "wechat") -> list[str]:
    """Every answer (or edit) the user's assessments recorded, oldest first."""
    from conversations import Store

    store = Store(database_url)
    try:
        return [
            event.input.strip()
            for row in store.assessments(channel, user_id)
            for event in store.assessment_history(row.id)
            if event.action in ("answer", "edit")
        ]
    finally:
        store.close()
