"""客服消息: texts pushed to a user after the passive reply, with one access_token for all workers.

The access_token (valid ~2 hours) is kept in `SharedState` under ``wechat:access_token``. Fetching a
new one invalidates the old after a few minutes, so the workers must not all fetch at once: the one that
wins the lease ``wechat:access_token:refresh`` (``SharedState.add``) fetches it, the others wait briefly
and read what it stored. A token WeChat calls invalid or expired (40001, 42001, 40014) is dropped and
fetched again, once, and the message is sent once more.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from bot.channels._passive import PushRefused
from bot.shared_state import SharedState

logger = logging.getLogger(__name__)

TOKEN_KEY = "wechat:access_token"
REFRESH_LEASE_KEY = "wechat:access_token:refresh"
# A token is stored for its lifetime less this margin, so it is never used in its last minutes.
TOKEN_MARGIN_S = 300
REFRESH_LEASE_S = 10
_STALE_TOKEN = frozenset({40001, 42001, 40014})  # invalid credential, expired, invalid token
# The platform will not take a message for this user now: outside the 48 hours since the user's last
# message (45015), replies used up (45047), the account may not send 客服消息 (48001).
_REFUSED = frozenset({45015, 45047, 48001})


class WeChatApiError(Exception):
    """WeChat answered with an error code (other than the refusals and stale tokens handled here)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatUnavailable(Exception):
    """The WeChat API could not be reached or did not answer in time: worth trying again later."""


class CustomerServiceClient:
    """Sends 客服消息 texts; implements the passive window's ``PushSender``."""

    def __init__(
        self,
        state: SharedState,
        app_id: str,
        app_secret: str,
        *,
        api_base: str = "https://api.weixin.qq.com",
        timeout_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        lease_wait_s: float = REFRESH_LEASE_S,
        poll_s: float = 0.05,
        worker_id: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._state = state
        self._app_id = app_id
        self._app_secret = app_secret
        # A short connect timeout: an unreachable API should fail fast and be retried by the window.
        timeout = httpx.Timeout(timeout_s, connect=min(2.0, timeout_s))
        self._http = httpx.Client(base_url=api_base.rstrip("/"), timeout=timeout, transport=transport)
        self._lease_wait_s = lease_wait_s
        self._poll_s = poll_s
        self._worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    # --- PushSender ----------------------------------------------------------------------------------

    def push(self, user_id: str, texts: list[str]) -> None:
        """Sends each text in order; `PushRefused` when WeChat will not take them now."""
        for text in texts:
            self.send_text(user_id, text)

    def send_text(self, openid: str, text: str) -> None:
        """One 客服消息 text. `PushRefused`, `WeChatUnavailable` (retriable) or `WeChatApiError`."""
        payload = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        # ensure_ascii=False: WeChat shows \\uXXXX escapes literally in some of its APIs; send UTF-8.
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        token = self.access_token()
        result = self._send(token, body)
        if result.get("errcode") in _STALE_TOKEN:
            logger.info("stale WeChat access_token (errcode %s): fetching it again", result["errcode"])
            self._invalidate(token)
            result = self._send(self.access_token(), body)
        _raise_for(result)

    # --- the shared access_token ---------------------------------------------------------------------

    def access_token(self) -> str:
        """The shared token; fetched by one worker at a time when there is none."""
        deadline = time.monotonic() + self._lease_wait_s
        while True:
            token = self._state.get(TOKEN_KEY)
            if token:
                return token
            if self._state.add(REFRESH_LEASE_KEY, self._worker_id, REFRESH_LEASE_S):
                try:
                    return self._fetch_token()
                finally:
                    # Released only while it is still ours (a slow fetch may have outlived it).
                    self._state.replace(REFRESH_LEASE_KEY, self._worker_id, "released", 0.001)
            if time.monotonic() >= deadline:
                raise WeChatUnavailable("no access_token: another worker's refresh did not finish in time")
            self._sleep(self._poll_s)

    def _fetch_token(self) -> str:
        # The token may have been stored between our read and winning the lease.
        token = self._state.get(TOKEN_KEY)
        if token:
            return token
        params = {"grant_type": "client_credential", "appid": self._app_id, "secret": self._app_secret}
        result = self._request("GET", "/cgi-bin/token", params=params)
        token = result.get("access_token")
        if not isinstance(token, str) or not token:
            _raise_for(result)
            raise WeChatApiError(-1, "no access_token in the answer")
        expires_in = _as_number(result.get("expires_in"), 7200)
        self._state.set(TOKEN_KEY, token, max(1.0, expires_in - min(TOKEN_MARGIN_S, expires_in / 2)))
        logger.info("fetched a new WeChat access_token (valid %s s)", int(expires_in))
        return token

    def _invalidate(self, token: str) -> None:
        # Only the stale value: another worker may already have stored a fresh one.
        self._state.replace(TOKEN_KEY, token, "", 0.001)

    # --- HTTP ----------------------------------------------------------------------------------------

    def _send(self, token: str, body: bytes) -> dict[str, Any]:
        return self._request(
            "POST",
            "/cgi-bin/message/custom/send",
            params={"access_token": token},
            content=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise WeChatUnavailable(f"WeChat API timed out ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise WeChatUnavailable(f"WeChat API unreachable ({type(error).__name__})") from error
        if response.status_code >= 500:
            raise WeChatUnavailable(f"WeChat API answered HTTP {response.status_code}")
        try:
            result = response.json()
        except ValueError:
            raise WeChatUnavailable(f"WeChat API answered HTTP {response.status_code} without JSON") from None
        if not isinstance(result, dict):
            raise WeChatUnavailable("WeChat API answered JSON that is not an object")
        return result


def _raise_for(result: dict[str, Any]) -> None:
    errcode = _as_number(result.get("errcode"), 0)
    if errcode == 0:
        return
    errmsg = str(result.get("errmsg", ""))[:200]
    if errcode in _REFUSED:
        raise PushRefused(f"WeChat refused the 客服消息 (errcode {int(errcode)}): {errmsg}")
    if errcode == -1:  # "system error": WeChat's own, worth trying again
        raise WeChatUnavailable(f"WeChat system error: {errmsg}")
    raise WeChatApiError(int(errcode), errmsg)


def _as_number(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


# httpx logs every request URL at INFO, and WeChat's URLs carry the AppSecret and the access_token.
_SECRET_PARAMS = re.compile(r"((?:secret|access_token)=)[^&\s\"']+")


class _RedactWeChatSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if any("access_token=" in str(arg) or "secret=" in str(arg) for arg in args):
            record.msg = _SECRET_PARAMS.sub(r"\1***", record.getMessage())
            record.args = None
        return True


def _install_redaction() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(existing, _RedactWeChatSecrets) for existing in httpx_logger.filters):
        httpx_logger.addFilter(_RedactWeChatSecrets())


_install_redaction()
