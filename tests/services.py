"""This machine's services for the tests that need them for real: Postgres (127.0.0.1:5432, database
`test`, each run in a schema of its own) and Redis (127.0.0.1:6379, each run under a key prefix of its
own). Unreachable: the test skips, or fails under CI=true, where the services must be there."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from bot.shared_state import SharedState

POSTGRES_URL = os.environ.get("APPLICANT_BOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("APPLICANT_BOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def running_under_ci(environ: Mapping[str, str]) -> bool:
    """CI=true (or 1/yes), as GitHub Actions, GitLab CI and .ci/run set it."""
    return environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unreachable(what: str, error: object) -> None:
    if running_under_ci(os.environ):
        pytest.fail(f"{what} is not reachable: {error}")
    pytest.skip(f"{what} is not reachable: {error}")


def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a new, empty Postgres schema; dropped afterwards."""
    import psycopg

    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        connection = psycopg.connect(plain, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        _unreachable(f"Postgres at {POSTGRES_URL}", error)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.close()


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'store.sqlite3'}"


def database_urls(request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    """For a fixture parametrised ["sqlite", "postgres"]: a fresh, empty database of that kind."""
    if request.param == "sqlite":
        yield sqlite_url(directory)
    else:
        yield from postgres_schema_url()


def redis_prefix() -> Iterator[tuple[str, str]]:
    """(URL, key prefix) of this machine's Redis; the prefix's keys are deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        _unreachable(f"Redis at {REDIS_URL}", error)
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    try:
        yield REDIS_URL, prefix
    finally:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()


def shared_states(
    kind: str, directory: Path, clock: Callable[[], float] | None = None
) -> Iterator[SharedState]:
    """A fresh shared state of `kind` (memory, sqlite, postgres, redis), closed afterwards. `clock`
    drives expiry where the backend takes one (Redis keeps its own time)."""
    from bot.shared_state import DatabaseSharedState, MemorySharedState, RedisSharedState
    from conversations import Store

    clocked = {} if clock is None else {"clock": clock}  # else each backend's own default clock
    if kind == "memory":
        yield MemorySharedState(**clocked)
    elif kind == "redis":
        for url, prefix in redis_prefix():
            yield RedisSharedState(url, prefix=prefix)
    else:
        urls = [sqlite_url(directory)] if kind == "sqlite" else postgres_schema_url()
        for url in urls:
            store = Store(url)
            try:
                yield DatabaseSharedState(store.engine, **clocked)
            finally:
                store.close()
