"""Every shared-state backend keeps the same promises, because every serve worker relies on them:
a key is claimed by exactly one caller, an expired key is free again, and compare-and-set only
succeeds on the value the caller saw."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.shared_state import (
    DatabaseSharedState,
    RedisSharedState,
    SharedState,
    shared_state_for,
)
from conversations import Store
from tests.services import shared_states, sqlite_url

Backend = tuple[SharedState, Callable[[float], None]]


class Clock:
    """A wall clock the test moves by hand (Redis keeps its own time and is tested with real seconds)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "sqlite", "postgres", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """(backend, advance) where advance(seconds) makes that much time pass for the backend."""
    clock = Clock()

    def advance_clock(seconds: float) -> None:
        clock.now += seconds

    advance = time.sleep if request.param == "redis" else advance_clock  # Redis keeps its own time
    for state in shared_states(request.param, tmp_path, clock):
        yield state, advance


def test_a_key_is_claimed_once_until_it_expires(backend: Backend) -> None:
    state, advance = backend
    assert state.add("msg:1", "worker-a", ttl_s=0.3)
    assert not state.add("msg:1", "worker-b", ttl_s=0.3)
    assert state.get("msg:1") == "worker-a"
    advance(0.5)
    assert state.get("msg:1") is None
    assert state.add("msg:1", "worker-b", ttl_s=30)
    assert state.get("msg:1") == "worker-b"


def test_set_overwrites_and_delete_frees(backend: Backend) -> None:
    state, _ = backend
    assert state.get("token") is None
    state.set("token", "first", ttl_s=30)
    state.set("token", "second", ttl_s=30)
    assert state.get("token") == "second"
    state.delete("token")
    state.delete("token")  # deleting a missing key is not an error
    assert state.get("token") is None
    assert state.add("token", "third", ttl_s=30)


def test_replace_succeeds_only_on_the_value_seen(backend: Backend) -> None:
    state, advance = backend
    state.set("record", '{"state": "processing"}', ttl_s=0.3)
    assert not state.replace("record", '{"state": "other"}', '{"state": "answered"}', ttl_s=30)
    assert state.replace("record", '{"state": "processing"}', '{"state": "answered"}', ttl_s=30)
    assert state.get("record") == '{"state": "answered"}'
    assert not state.replace("missing", "x", "y", ttl_s=30)
    assert state.get("missing") is None
    state.set("lease", "worker-a", ttl_s=0.3)
    advance(0.5)
    assert not state.replace("lease", "worker-a", "worker-b", ttl_s=30)  # an expired value is gone


def test_many_threads_claiming_one_key_have_one_winner(backend: Backend) -> None:
    state, _ = backend
    start = threading.Barrier(12)
    winners: list[int] = []

    def claim(worker: int) -> None:
        start.wait()
        if state.add("msg:retried", str(worker), ttl_s=30):
            winners.append(worker)

    threads = [threading.Thread(target=claim, args=(worker,)) for worker in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert state.get("msg:retried") == str(winners[0])


def test_concurrent_compare_and_set_loses_no_increment(backend: Backend) -> None:
    """Eight workers each count 5 pushes with read-then-replace loops, as the 客服 allowance does."""
    state, _ = backend
    state.set("pushed", "0", ttl_s=60)

    def count_pushes() -> None:
        for _ in range(5):
            while True:
                seen = state.get("pushed")
                assert seen is not None
                if state.replace("pushed", seen, str(int(seen) + 1), ttl_s=60):
                    break

    threads = [threading.Thread(target=count_pushes) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert state.get("pushed") == "40"


def test_the_database_is_the_default_and_redis_is_used_when_configured(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path))
    try:
        assert isinstance(shared_state_for(Settings(data_dir=tmp_path), store.engine), DatabaseSharedState)
        configured = Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6379/15")
        assert isinstance(shared_state_for(configured, store.engine), RedisSharedState)
    finally:
        store.close()


def test_expired_keys_are_purged_from_the_database(tmp_path: Path) -> None:
    clock = Clock()
    store = Store(sqlite_url(tmp_path))
    try:
        state = DatabaseSharedState(store.engine, clock=clock)
        for number in range(5):
            state.add(f"nonce:{number}", "seen", ttl_s=10)
        state.add("token", "kept", ttl_s=1000)
        clock.now += 60
        assert state.purge_expired() == 5
        assert state.get("token") == "kept"
    finally:
        store.close()
