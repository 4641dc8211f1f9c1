"""What the passive window keeps in SharedState beside the records, and the compare-and-set it needs.

Per user (``<channel>:<user_id>``): the answers kept for pull mode (``passive:kept:``), the 客服消息
allowance (``passive:allowance:``) and the unfinished message keys handled in order
(``passive:pending:``); across users, the acknowledged messages the sweep looks at (``passive:deferred:<n>``).
All are JSON values changed by `update_json`, so concurrent workers never lose each other's change. The
keys and values are shared with workers running other versions of this code: they must not change.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.shared_state import SharedState
from conversations import Incoming

DEFERRED_KEY = "passive:deferred"  # acknowledged messages whose answer is still to be delivered
DEFERRED_SHARDS = 8  # that list in 8 keys, so a stalled answerer does not make every message wait on one


def update_json(
    state: SharedState,
    key: str,
    change: Callable[[Any], Any],
    ttl_s: float | None,
    clock: Callable[[], float],
) -> None:
    """Apply `change` to the JSON value of `key` (None when absent) with a compare-and-set loop.
    `change` returns the new value (None: delete; for "take" it may mutate and return None). A None
    `ttl_s` keeps the value's own expiry (its ``until``, a `clock` time)."""
    while True:
        raw = state.get(key)
        current = json.loads(raw) if raw is not None else None
        new = change(current)
        if new is None:
            if raw is None:
                return
            # "Delete if unchanged": there is no compare-and-delete, so a JSON null reads as absent.
            if raw == "null" or state.replace(key, raw, "null", ttl_s or 60.0):
                return
            continue
        ttl = ttl_s if ttl_s is not None else max(1.0, float(new["until"]) - clock())
        encoded = json.dumps(new, ensure_ascii=False)
        if raw is None:
            if state.add(key, encoded, ttl):
                return
        elif new == current or state.replace(key, raw, encoded, ttl):
            return


@dataclass(frozen=True, kw_only=True)
class Ledger:
    """The per-user state and the sweep list, each change a compare-and-set on its JSON value."""

    state: SharedState
    allowance: int  # pushes per user within `allowance_window_s` of their last message
    allowance_window_s: float
    record_ttl_s: float  # the pending keys and the sweep list live as long as the records
    kept_ttl_s: float
    clock: Callable[[], float]

    def _update(self, key: str, change: Callable[[Any], Any], ttl_s: float | None) -> None:
        update_json(self.state, key, change, ttl_s, self.clock)

    # --- answers kept for the user's next message (pull mode) ---------------------------------------

    def keep(self, incoming: Incoming, texts: list[str]) -> None:
        if texts:
            self._update(_kept_key(incoming), lambda kept: [*(kept or []), *texts], self.kept_ttl_s)

    def restore_kept(self, incoming: Incoming, texts: list[str]) -> None:
        """Undo `take_kept` (the whole answer goes out another way)."""
        self._update(_kept_key(incoming), lambda kept: [*texts, *(kept or [])], self.kept_ttl_s)

    def take_kept(self, incoming: Incoming) -> list[str]:
        taken: list[str] = []

        def take(kept: list[str] | None) -> None:
            taken[:] = kept or []

        self._update(_kept_key(incoming), take, self.kept_ttl_s)
        return taken

    # --- the push allowance ---------------------------------------------------------------------------

    def reset_allowance(self, incoming: Incoming) -> None:
        until = self.clock() + self.allowance_window_s
        self.state.set(
            _allowance_key(incoming), json.dumps({"used": 0, "until": until}), self.allowance_window_s
        )

    def reserve_push(self, incoming: Incoming) -> bool:
        granted = False

        def reserve(value: dict[str, Any] | None) -> dict[str, Any] | None:
            nonlocal granted
            granted = value is not None and value["used"] < self.allowance and value["until"] > self.clock()
            return {**value, "used": value["used"] + 1} if granted and value is not None else value

        self._update(_allowance_key(incoming), reserve, None)
        return granted

    def use_up_allowance(self, incoming: Incoming) -> None:
        self._update(
            _allowance_key(incoming),
            lambda value: {**value, "used": self.allowance} if value is not None else None,
            None,
        )

    # --- each user's unfinished keys ------------------------------------------------------------------

    def add_pending(self, incoming: Incoming, key: str) -> list[str]:
        """Add `key` to the user's unfinished keys (kept in place when there: a taken-over message keeps
        its turn); returns them all, oldest first."""
        pending: list[str] = []

        def add(keys: list[str] | None) -> list[str]:
            pending[:] = keys if keys and key in keys else [*(keys or []), key]
            return pending

        self._update(_pending_key(incoming), add, self.record_ttl_s)
        return pending

    def remove_pending(self, incoming: Incoming, key: str) -> None:
        self._update(
            _pending_key(incoming),
            lambda keys: [k for k in keys or [] if k != key] or None,
            self.record_ttl_s,
        )

    # --- acknowledged messages still to deliver, for the sweep ----------------------------------------

    def register_deferred(self, record_key: str) -> None:
        self._update(
            _deferred_key(record_key), lambda keys: sorted({*(keys or []), record_key}), self.record_ttl_s
        )

    def unregister_deferred(self, record_key: str) -> None:
        self._update(
            _deferred_key(record_key),
            lambda keys: [k for k in keys or [] if k != record_key] or None,
            self.record_ttl_s,
        )

    def deferred(self) -> list[str]:
        keys: list[str] = []
        for shard in range(DEFERRED_SHARDS):
            raw = self.state.get(f"{DEFERRED_KEY}:{shard}")
            keys.extend(json.loads(raw) or [] if raw else [])
        return keys


def _deferred_key(record_key: str) -> str:
    return f"{DEFERRED_KEY}:{zlib.crc32(record_key.encode('utf-8')) % DEFERRED_SHARDS}"


def _user(incoming: Incoming) -> str:
    return f"{incoming.channel}:{incoming.user_id}"


def _kept_key(incoming: Incoming) -> str:
    return f"passive:kept:{_user(incoming)}"


def _allowance_key(incoming: Incoming) -> str:
    return f"passive:allowance:{_user(incoming)}"


def _pending_key(incoming: Incoming) -> str:
    return f"passive:pending:{_user(incoming)}"
