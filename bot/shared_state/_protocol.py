"""What every worker of `applicant-bot serve` shares: short-lived keys with a time to live.

The channels use it for what must hold across processes: a WeChat MsgId is handled once, a nonce is
seen once, one access_token is refreshed by one worker, answers wait for the user's next message.
The database is the default backend; Redis when ``APPLICANT_BOT_REDIS_URL`` is set.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class SharedState(Protocol):
    """String keys to string values, each with a time to live in seconds.

    An expired key reads as absent. Every method is atomic across all the processes sharing the
    backend; values are opaque to the backend (callers store JSON where they need structure).
    """

    def add(self, key: str, value: str, ttl_s: float) -> bool:
        """Set `key` only if it is absent; True when this call set it (a claim, a lease, a dedupe)."""
        ...

    def get(self, key: str) -> str | None:
        """The value of `key`, or None when it is absent or expired."""
        ...

    def set(self, key: str, value: str, ttl_s: float) -> None:
        """Set `key` whether or not it exists."""
        ...

    def replace(self, key: str, expected: str, value: str, ttl_s: float) -> bool:
        """Set `key` to `value` only while it still holds `expected`; True when it did."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key`; a missing key is not an error."""
        ...
