"""Staff sign-in, sessions, CSRF and the security headers: the one gate every staff page goes through.

- A session is a random token in the cookie ``applicant_bot_staff`` (HttpOnly, SameSite=Strict,
  Path=/staff, Secure when the public base URL is https); the database keeps only its SHA-256, with the
  session's CSRF token. Logout deletes the row.
- `require_staff` is the dependency of every page (`staff_page_router` adds it): anonymous page views are
  sent to the login page, anonymous posts and downloads get 401, and every POST must carry the
  session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``) or gets 403.
- The login form, used before any session exists, carries a token that must equal the one in a
  short-lived signed cookie (``applicant_bot_staff_login``), so another site cannot sign a browser in.
- `StaffSecurityHeaders` sets CSP (styles only with the response's nonce, no scripts), X-Frame-Options,
  Referrer-Policy and Cache-Control: no-store on every response under /staff.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from sqlalchemy import delete, select
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web.staff._accounts import StaffAccount, utc_now
from conversations import Store
from conversations._store import StaffAccountRow, StaffSessionRow

SESSION_COOKIE = "applicant_bot_staff"
LOGIN_COOKIE = "applicant_bot_staff_login"
COOKIE_PATH = "/staff"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_PATH = "/staff/login"
HOME_PATH = "/staff/"
LOGIN_TOKEN_TTL_S = 30 * 60
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DOWNLOAD_SUFFIXES = (".csv", ".xlsx", ".json")  # answered 401, not a redirect: no browser page to show
_LOGIN_CONTEXT = b"applicant-bot staff login v1:"


@dataclass(frozen=True)
class StaffUser:
    """The signed-in staff member of a request, as `require_staff` gives it to a page."""

    id: int
    name: str
    csrf_token: str


class StaffRefusal(Exception):
    """Raised by the gate; `staff_refusal_response` turns it into a redirect or a Chinese page."""

    def __init__(self, status: int, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.location = location


class StaffSessions:
    def __init__(self, store: Store, *, hours: float = 12.0, clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._lifetime = timedelta(hours=hours)
        self._clock = clock

    @property
    def max_age_s(self) -> int:
        return int(self._lifetime.total_seconds())

    def create(self, account: StaffAccount) -> str:
        """A new session for `account`; returns the cookie's token (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._store.session() as session, session.begin():
            session.execute(delete(StaffSessionRow).where(StaffSessionRow.expires_at <= now))
            session.add(
                StaffSessionRow(
                    token_hash=_hash(token),
                    staff_id=account.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + self._lifetime,
                )
            )
        return token

    def lookup(self, token: str | None) -> StaffUser | None:
        if not token:
            return None
        with self._store.session() as session:
            found = session.execute(
                select(StaffSessionRow, StaffAccountRow)
                .join(StaffAccountRow, StaffAccountRow.id == StaffSessionRow.staff_id)
                .where(StaffSessionRow.token_hash == _hash(token))
            ).first()
            if found is None:
                return None
            row, account = found
            if _aware(row.expires_at) <= self._clock():
                return None
            return StaffUser(id=account.id, name=account.name, csrf_token=row.csrf_token)

    def delete(self, token: str | None) -> None:
        if not token:
            return
        with self._store.session() as session, session.begin():
            session.execute(delete(StaffSessionRow).where(StaffSessionRow.token_hash == _hash(token)))


class LoginTokens:
    """The login form's CSRF token: random, and equal to the one in a signed cookie that expires."""

    def __init__(self, key: bytes, *, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._clock = clock

    def issue(self) -> tuple[str, str]:
        """(token for the form, value for the login cookie)."""
        token = secrets.token_urlsafe(24)
        body = f"{token}.{int(self._clock() + LOGIN_TOKEN_TTL_S)}"
        return token, f"{body}.{self._sign(body)}"

    def valid(self, form_token: str | None, cookie: str | None) -> bool:
        if not form_token or not cookie or cookie.count(".") != 2:
            return False
        token, expires, signature = cookie.split(".")
        body = f"{token}.{expires}"
        return (
            hmac.compare_digest(signature, self._sign(body))
            and expires.isdigit()
            and int(expires) > self._clock()
            and hmac.compare_digest(form_token.encode(), token.encode())
        )

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, _LOGIN_CONTEXT + body.encode(), hashlib.sha256).hexdigest()


def safe_next(value: str | None) -> str:
    """Where to go after login: a path under /staff on this site, else the overview."""
    if not value or "\\" in value or value.startswith("//"):
        return HOME_PATH
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (parts.path == "/staff" or parts.path.startswith("/staff/")):
        return HOME_PATH
    return value


async def require_staff(request: Request) -> StaffUser:
    """The signed-in staff member, or a `StaffRefusal`; checks the CSRF token of every POST."""
    staff = request.app.state.web.staff
    user = await run_in_threadpool(staff.sessions.lookup, request.cookies.get(SESSION_COOKIE))
    if user is None:
        is_download = request.url.path.endswith(DOWNLOAD_SUFFIXES)
        if request.method in ("GET", "HEAD") and not is_download:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise StaffRefusal(303, "请先登录。", location=f"{LOGIN_PATH}?next={quote(target, safe='')}")
        raise StaffRefusal(401, "请先登录协会工作人员账号。")
    if request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None:
            form = await request.form()
            field = form.get(CSRF_FIELD)
            given = field if isinstance(field, str) else None
        if not given or not hmac.compare_digest(given.encode(), user.csrf_token.encode()):
            raise StaffRefusal(403, "安全校验失败（表单已过期或来源不明），请刷新页面后重试。")
    return user


def staff_page_router() -> APIRouter:
    """The router for staff pages: every route on it requires a signed-in staff member (and CSRF on
    POST). Add pages here, never to a bare APIRouter under /staff."""
    return APIRouter(prefix="/staff", dependencies=[Depends(require_staff)])


def cookie_options(secure: bool) -> dict[str, Any]:
    return {"path": COOKIE_PATH, "httponly": True, "samesite": "strict", "secure": secure}


class StaffSecurityHeaders:
    """ASGI middleware: security headers, and a fresh CSP nonce (``request.state.csp_nonce``) for the
    page's <style>, on every response under /staff."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (scope["path"] == "/staff" or scope["path"].startswith("/staff/")):
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        policy = (
            f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        extra = [
            (b"content-security-policy", policy.encode()),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cache-control", b"no-store"),
            (b"x-content-type-options", b"nosniff"),
        ]
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
