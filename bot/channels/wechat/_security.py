"""Is this request from WeChat, and new? Signatures, the timestamp window and the nonce replay cache.

WeChat signs each request with SHA-1 over the sorted (token, timestamp, nonce) strings (``signature``);
in safe mode also over the encrypted body (``msg_signature``). wechatpy's checks compare with ``!=``;
ours compare in constant time, so the signature cannot be guessed byte by byte from response times.
The plaintext ``signature`` does not cover the body: without the replay cache, a captured signed URL
could carry any body for as long as the timestamp is accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.shared_state import SharedState

# WeChat stamps each request when it sends it; ±5 minutes absorbs clock skew. The same signed request
# may arrive twice (a platform retry, or a reverse proxy retrying it on another worker after one died):
# the replay cache lets an identical body through, and the MsgId dedupe of the passive window answers
# it once. Only a seen nonce with a different body is a replay.
TIMESTAMP_WINDOW_S = 300
_MAX_PARAMETER = 128  # timestamp, nonce and signatures are short; longer ones are not WeChat's


class Rejected(Exception):
    """A request that is refused: `status` is the HTTP status, `reason` the one log line (no content)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 (hex) of the parts sorted as strings and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(expected: str, given: str) -> bool:
    """Constant-time comparison (``hmac.compare_digest``), case-insensitive like WeChat's hex."""
    return hmac.compare_digest(expected.encode("ascii"), given.lower().encode("ascii", "replace"))


@dataclass(frozen=True)
class SignedQuery:
    """The query parameters WeChat adds to every request."""

    signature: str
    timestamp: str
    nonce: str

    @classmethod
    def from_params(cls, params: dict[str, str]) -> SignedQuery:
        values = {name: params.get(name, "") for name in ("signature", "timestamp", "nonce")}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise Rejected(403, f"missing {', '.join(missing)}")
        if any(len(value) > _MAX_PARAMETER for value in values.values()):
            raise Rejected(403, "oversized signature parameters")
        return cls(**values)


class RequestGuard:
    """Checks a signed request: signature, timestamp within ±`window_s`, nonce not seen before.

    The nonce cache lives in `SharedState` (``wechat:nonce:<nonce>:<timestamp>``) so a request replayed
    to another worker is refused too. A nonce is remembered for twice the window: after that its
    timestamp is out of the window anyway.
    """

    def __init__(
        self,
        token: str | None,
        state: SharedState,
        *,
        window_s: float = TIMESTAMP_WINDOW_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._token = token
        self._state = state
        self._window_s = window_s
        self._clock = clock

    def verify(self, query: SignedQuery, body: bytes) -> None:
        """Raises `Rejected` (403) unless the request is signed with our token, fresh and not a replay."""
        self.check_signature(query)
        self.claim_nonce(query, body)

    def check_signature(self, query: SignedQuery) -> None:
        """Signature and timestamp: no I/O, so the web layer runs it before reading the body."""
        if not self._token:
            raise Rejected(403, "wechat_token is not configured")
        if not signature_matches(sign(self._token, query.timestamp, query.nonce), query.signature):
            raise Rejected(403, "bad signature")
        self._check_timestamp(query.timestamp)

    def claim_nonce(self, query: SignedQuery, body: bytes) -> None:
        """The replay cache (shared state: blocking I/O). Only for requests whose signature passed, so
        unsigned requests cannot fill it. The nonce remembers its body's digest: the same request again
        is a redelivery and passes; the nonce with another body is refused."""
        key = f"wechat:nonce:{query.nonce}:{query.timestamp}"
        digest = hashlib.sha256(body).hexdigest()
        if self._state.add(key, digest, 2 * self._window_s):
            return
        if not hmac.compare_digest(self._state.get(key) or "", digest):
            raise Rejected(403, "replayed nonce")

    def verify_message_signature(self, query: SignedQuery, msg_signature: str, encrypted: str) -> None:
        """Safe mode: ``msg_signature`` must sign the encrypted body with the same timestamp and nonce."""
        assert self._token is not None  # verify() ran first
        expected = sign(self._token, query.timestamp, query.nonce, encrypted)
        if not msg_signature or not signature_matches(expected, msg_signature):
            raise Rejected(403, "bad msg_signature")

    def _check_timestamp(self, timestamp: str) -> None:
        if not timestamp.isdigit():
            raise Rejected(403, "timestamp is not a number")
        skew = int(timestamp) - self._clock()
        if skew < -self._window_s:
            raise Rejected(403, "stale timestamp")
        if skew > self._window_s:
            raise Rejected(403, "timestamp in the future")
