"""A fake WeChat API (api.weixin.qq.com) on loopback: access tokens and 客服消息, with WeChat's limits.

What it enforces, as WeChat does:
- ``GET /cgi-bin/token``: the app's id and secret; each call issues a new token and the previous ones
  stay valid for 5 more minutes (WeChat's overlap), then answer 42001.
- ``POST /cgi-bin/message/custom/send``: an unknown token → 40001, an expired one → 42001; a user who
  has not written within 48 hours → 45015; more than 5 messages to a user since their last message
  → 45047; a text over 2048 bytes → 45002.
It counts token requests (a stampede shows as more than one), records every delivered message with its
time, and takes injected latency and failures.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.wechat._loopback import LoopbackFake, Request, Response, json_response

TOKEN_TTL_S = 7200
OLD_TOKEN_GRACE_S = 300
ALLOWANCE = 5
WINDOW_S = 48 * 3600
MAX_TEXT_BYTES = 2048

OK = 0
INVALID_TOKEN = 40001
INVALID_APPID = 40013
INVALID_SECRET = 40125
EXPIRED_TOKEN = 42001
CONTENT_TOO_LONG = 45002
OUTSIDE_WINDOW = 45015
OUT_OF_COUNT = 45047

_ERRMSG = {
    OK: "ok",
    INVALID_TOKEN: "invalid credential, access_token is invalid or not latest",
    INVALID_APPID: "invalid appid",
    INVALID_SECRET: "invalid appsecret",
    EXPIRED_TOKEN: "access_token expired",
    CONTENT_TOO_LONG: "content size out of limit",
    OUTSIDE_WINDOW: "response out of time limit or subscription is canceled",
    OUT_OF_COUNT: "out of response count limit",
}


@dataclass(frozen=True)
class CustomMessage:
    """One 客服消息 the user received."""

    openid: str
    content: str
    at: float  # the fake's clock when it was accepted


class FakeWeChatAPI(LoopbackFake):
    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        allowance: int = ALLOWANCE,
        window_s: float = WINDOW_S,
        latency_s: float = 0.0,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.allowance = allowance
        self.window_s = window_s
        self.latency_s = latency_s  # injected before every answer
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> expires at
        self._last_user_message: dict[str, float] = {}
        self._sent_since: dict[str, int] = defaultdict(int)
        self._messages: list[CustomMessage] = []
        self._failures: deque[int] = deque()
        self._refused: list[tuple[str, int]] = []
        self.token_requests = 0
        self.issued_tokens: list[str] = []
        self.refused_tokens: list[str] = []  # the access_token of every refused send
        self.requests: Counter[str] = Counter()  # path -> requests, whatever their outcome
        super().__init__()

    @property
    def base_url(self) -> str:
        """What the bot's ``APPLICANT_BOT_WECHAT_API_BASE`` points at."""
        return self.url

    # --- what the platform and the benchmark tell it ----------------------------------------------

    def user_messaged(self, openid: str) -> None:
        """The user wrote to the account: their 48-hour window opens again and the count restarts."""
        with self._lock:
            self._last_user_message[openid] = self._clock()
            self._sent_since[openid] = 0

    def fail_next(self, errcode: int, times: int = 1) -> None:
        """The next `times` sends answer `errcode` (e.g. a platform hiccup), whatever the request."""
        with self._lock:
            self._failures.extend([errcode] * times)

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (as after 2 hours)."""
        with self._lock:
            now = self._clock()
            self._tokens = {token: min(expiry, now) for token, expiry in self._tokens.items()}

    # --- what it recorded --------------------------------------------------------------------------

    def messages(self, openid: str | None = None) -> list[CustomMessage]:
        """The delivered 客服消息, oldest first; of one user when `openid` is given."""
        with self._lock:
            return [m for m in self._messages if openid is None or m.openid == openid]

    def refused(self) -> list[tuple[str, int]]:
        """(openid, errcode) of every send that was refused."""
        with self._lock:
            return list(self._refused)

    # --- the endpoints -----------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.requests[request.path] += 1
        if self.latency_s:
            time.sleep(self.latency_s)
        if request.method == "GET" and request.path == "/cgi-bin/token":
            return self._token(request)
        if request.method == "POST" and request.path == "/cgi-bin/message/custom/send":
            return self._send(request)
        return json_response({"errcode": 404, "errmsg": "not found"}, status=404)

    def _token(self, request: Request) -> Response:
        with self._lock:
            self.token_requests += 1
            if request.query.get("grant_type") != "client_credential":
                return _error(40002)
            if request.query.get("appid") != self.app_id:
                return _error(INVALID_APPID)
            if request.query.get("secret") != self.app_secret:
                return _error(INVALID_SECRET)
            now = self._clock()
            self._tokens = {t: min(expiry, now + OLD_TOKEN_GRACE_S) for t, expiry in self._tokens.items()}
            token = "FAKE-" + secrets.token_urlsafe(24)
            self._tokens[token] = now + TOKEN_TTL_S
            self.issued_tokens.append(token)
            return json_response({"access_token": token, "expires_in": TOKEN_TTL_S})

    def _send(self, request: Request) -> Response:
        payload = request.json()
        openid = str(payload.get("touser", ""))
        with self._lock:
            errcode = self._send_errcode(request.query.get("access_token", ""), openid, payload)
            if errcode == OK:
                self._sent_since[openid] += 1
                self._messages.append(CustomMessage(openid, payload["text"]["content"], self._clock()))
            else:
                self._refused.append((openid, errcode))
                self.refused_tokens.append(request.query.get("access_token", ""))
        return _error(errcode)

    def _send_errcode(self, token: str, openid: str, payload: dict[str, object]) -> int:
        now = self._clock()
        if self._failures:
            return self._failures.popleft()
        expiry = self._tokens.get(token)
        if expiry is None:
            return INVALID_TOKEN
        if expiry <= now:
            return EXPIRED_TOKEN
        text = payload.get("text")
        content = text.get("content") if isinstance(text, dict) else None
        if payload.get("msgtype") != "text" or not isinstance(content, str) or not content:
            return 44003  # empty news/text: WeChat's "empty content"
        if len(content.encode("utf-8")) > MAX_TEXT_BYTES:
            return CONTENT_TOO_LONG
        last = self._last_user_message.get(openid)
        if last is None or now - last > self.window_s:
            return OUTSIDE_WINDOW
        if self._sent_since[openid] >= self.allowance:
            return OUT_OF_COUNT
        return OK


def _error(errcode: int) -> Response:
    return json_response({"errcode": errcode, "errmsg": _ERRMSG.get(errcode, "error")})
