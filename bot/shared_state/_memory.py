"""The shared state of one process, for tests and for the console."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class MemorySharedState:
    """`SharedState` in a dict; shared by the threads of one process only."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> str | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at <= self._clock():
            del self._values[key]
            return None
        return value

    def add(self, key: str, value: str, ttl_s: float) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._values[key] = (value, self._clock() + ttl_s)
            return True

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._live(key)

    def set(self, key: str, value: str, ttl_s: float) -> None:
        with self._lock:
            self._values[key] = (value, self._clock() + ttl_s)

    def replace(self, key: str, expected: str, value: str, ttl_s: float) -> bool:
        with self._lock:
            if self._live(key) != expected:
                return False
            self._values[key] = (value, self._clock() + ttl_s)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)
