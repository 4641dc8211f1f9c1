"""`SharedState` in the conversation store's database (the default: SQLite file or Postgres).

Each operation is one short transaction; atomicity across processes comes from the primary key
(an insert that conflicts does nothing) and from conditional updates, so no lock is held between calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from conversations._store import SharedStateRow

# Expired rows are removed with the key they block, and all of them every this many claims.
PURGE_EVERY_ADDS = 500

_TABLE = cast(Table, SharedStateRow.__table__)


class DatabaseSharedState:
    """Keys with a time to live in the `shared_state` table (created by the store's migrations)."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock
        self._adds = 0
        backend = engine.url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"shared state needs SQLite or Postgres, not {backend}")
        self._insert: Any = sqlite.insert if backend == "sqlite" else postgresql.insert

    def add(self, key: str, value: str, ttl_s: float) -> bool:
        now = self._clock()
        table = _TABLE
        with self._engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == key, table.c.expires_at <= now))
            row = self._insert(table).values(key=key, value=value, expires_at=now + ttl_s)
            # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT.
            inserted = connection.execute(row.on_conflict_do_nothing().returning(table.c.key)).first()
        self._adds += 1
        if self._adds % PURGE_EVERY_ADDS == 0:
            self.purge_expired()
        return inserted is not None

    def get(self, key: str) -> str | None:
        table = _TABLE
        with self._engine.connect() as connection:
            return connection.execute(
                select(table.c.value).where(table.c.key == key, table.c.expires_at > self._clock())
            ).scalar_one_or_none()

    def set(self, key: str, value: str, ttl_s: float) -> None:
        table = _TABLE
        expires_at = self._clock() + ttl_s
        statement = self._insert(table).values(key=key, value=value, expires_at=expires_at)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key], set_={"value": value, "expires_at": expires_at}
        )
        with self._engine.begin() as connection:
            connection.execute(statement)

    def replace(self, key: str, expected: str, value: str, ttl_s: float) -> bool:
        table = _TABLE
        now = self._clock()
        with self._engine.begin() as connection:
            updated = connection.execute(
                update(table)
                .where(table.c.key == key, table.c.value == expected, table.c.expires_at > now)
                .values(value=value, expires_at=now + ttl_s)
            )
        return updated.rowcount == 1

    def delete(self, key: str) -> None:
        table = _TABLE
        with self._engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == key))

    def purge_expired(self) -> int:
        """Remove every expired key; returns how many."""
        table = _TABLE
        with self._engine.begin() as connection:
            return connection.execute(delete(table).where(table.c.expires_at <= self._clock())).rowcount
