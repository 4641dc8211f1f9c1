"""Signed, expiring download links for completed forms, and the route that serves them.

A 公众号 cannot send a .docx, so the form goes out as a link. The token names the form by what the store
can find on any worker (channel, user, SHA-256 of the document) plus an expiry, signed with HMAC-SHA256:
no state is kept per link, and a forged, altered or expired token never reaches the store.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from conversations import DOCX_MEDIA_TYPE, Attachment, form_digest

_CONTEXT = b"applicant-bot form link v1:"  # a key reused elsewhere never signs a valid form link
_TOKEN_IN_PATH = re.compile(r"(/forms/)[^/?\s]+")


class RedactFormTokens(logging.Filter):
    """Keeps form-link tokens out of the access log: a token is the form itself for as long as it is
    valid, and logs are read by more people, for longer, than the link's owner."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_PATH.sub(r"\1…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def redact_form_tokens_in_access_log() -> None:
    """Installs `RedactFormTokens` on uvicorn's access logger once per process."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, RedactFormTokens) for existing in access.filters):
        access.addFilter(RedactFormTokens())


@dataclass(frozen=True)
class FormRef:
    """What a valid token names."""

    channel: str
    user_id: str
    digest: str
    expires_at: float


class FormLinkError(Exception):
    """A token that must not serve a file: `status` 403 (forged, altered) or 410 (expired)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class FormLinks:
    """Makes and checks form download links; `url_for` is the channels' `FormLinker`."""

    def __init__(
        self,
        secret: bytes,
        base_url: str,
        *,
        ttl_s: float,
        channel: str = "wechat",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the form link secret must be at least 16 bytes")
        self._secret = secret
        self._base_url = base_url.rstrip("/")
        self._ttl_s = ttl_s
        self._channel = channel
        self._clock = clock

    def url_for(self, user_id: str, attachment: Attachment) -> str:
        """The absolute link to `attachment` (a form the store keeps) for `user_id` of this channel."""
        return f"{self._base_url}/forms/{self.token(user_id, attachment.data)}"

    def token(self, user_id: str, document: bytes, *, channel: str | None = None) -> str:
        expires_at = int(self._clock() + self._ttl_s)
        payload = json.dumps(
            [channel or self._channel, user_id, form_digest(document), expires_at],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        body = _b64encode(payload.encode("utf-8"))
        return f"{body}.{_b64encode(self._sign(body))}"

    def verify(self, token: str) -> FormRef:
        body, dot, signature = token.partition(".")
        try:
            given = _b64decode(signature)
        except (binascii.Error, ValueError):
            given = b""
        if not dot or not hmac.compare_digest(given, self._sign(body)):
            raise FormLinkError(403, "下载链接无效，请在对话中回复“/form”重新获取。")
        channel, user_id, digest, expires_at = json.loads(_b64decode(body))
        if float(expires_at) <= self._clock():
            raise FormLinkError(410, "下载链接已过期，请在对话中回复“/form”获取新的链接。")
        return FormRef(channel=channel, user_id=user_id, digest=digest, expires_at=float(expires_at))

    def _sign(self, body: str) -> bytes:
        return hmac.new(self._secret, _CONTEXT + body.encode("ascii", "replace"), sha256).digest()


def forms_router() -> APIRouter:
    """GET /forms/{token}: the form as a .docx download, or a short Chinese page saying why not."""
    router = APIRouter()

    @router.get("/forms/{token}", name="form_download", response_model=None)
    def download(token: str, request: Request) -> Response:  # sync: the store is blocking
        web = request.app.state.web
        try:
            ref = web.form_links.verify(token)
        except FormLinkError as error:
            return _page(error.status, error.message)
        found = web.dialogue.store.completed_form(ref.channel, ref.user_id, ref.digest)
        if found is None:
            return _page(404, "没有找到这份自评表（可能已被新的版本替换）。请在对话中回复“/form”重新获取。")
        filename, document = found
        return Response(
            content=document,
            media_type=DOCX_MEDIA_TYPE,
            headers={
                "Content-Disposition": content_disposition(filename),
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return router


def content_disposition(filename: str) -> str:
    """An attachment header with the Chinese name (RFC 5987 ``filename*``) and an ASCII fallback."""
    fallback = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "form.docx"
    if fallback.startswith("-") or fallback.startswith("."):
        fallback = "form" + fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _page(status: int, message: str) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>申报助手</title></head><body><p>{message}</p></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
