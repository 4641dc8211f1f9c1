"""WeChat as the tests play it: requests signed (and in safe mode encrypted) the way the platform does,
sent through FastAPI's TestClient to a tiny app that mounts `wechat_router`, and a small passive window
that answers from a canned dialogue and records what reached it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat import WeChatConfig, wechat_router
from bot.settings import ENV_PREFIX
from bot.shared_state import MemorySharedState, SharedState
from conversations import Attachment, Incoming, Reply, SourceRef
from tests.services import shared_states

TOKEN = "applicant-bot-test-token"
APP_ID = "wx0123456789abcdef"
# A known 43-character EncodingAESKey (32 bytes in base64 without padding), as the 公众号 admin makes.
AES_KEY = base64.b64encode(bytes(range(32))).decode("ascii").rstrip("=")
ACCOUNT = "gh_applicantbot"
OPENID = "oUser-0123456789"
NOW = 1_800_000_000  # the server's clock in these tests

ANSWER = "申报截止时间为2016年9月30日，逾期不予受理。"
CITATION = SourceRef(title="连云港市2016年度服务明星评选通知", section="四、申报时间")


def signature(*parts: str) -> str:
    """The platform's signature, written out here rather than taken from the code under test."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def text_message(content: str, *, msg_id: str = "24001", from_user: str = OPENID) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{from_user}]]></FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def message(msg_type: str, extra: str = "", *, msg_id: str | None = "24002") -> str:
    msg_id_xml = f"<MsgId>{msg_id}</MsgId>" if msg_id else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>"
        f"<CreateTime>{NOW}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
        f"{extra}{msg_id_xml}</xml>"
    )


def event(name: str, key: str = "") -> str:
    key_xml = f"<EventKey><![CDATA[{key}]]></EventKey>" if key else ""
    return message("event", f"<Event><![CDATA[{name}]]></Event>{key_xml}", msg_id=None)


def fields_of(xml: str) -> dict[str, str]:
    root = SafeET.fromstring(xml, forbid_dtd=True)
    return {child.tag: child.text or "" for child in root}


@dataclass(frozen=True)
class Outcome:
    texts: list[str]
    duplicate: bool


@dataclass
class FakeWindow:
    """The passive window as the router sees it: passes the first rendered text back, keeps the rest.

    It also records that it ran off the event loop (the real window blocks for up to 4 s)."""

    replies: Callable[[Incoming], list[Reply]]
    calls: list[tuple[str, Incoming]] = field(default_factory=list)
    rest: list[str] = field(default_factory=list)
    on_event_loop: list[bool] = field(default_factory=list)

    def respond(self, key: str, incoming: Incoming, render: Callable[[list[Reply]], list[str]]) -> Outcome:
        try:
            asyncio.get_running_loop()
            self.on_event_loop.append(True)
        except RuntimeError:
            self.on_event_loop.append(False)
        self.calls.append((key, incoming))
        texts = render(self.replies(incoming))
        self.rest.extend(texts[1:])
        return Outcome(texts=texts[:1], duplicate=False)


def answer_with_citation(incoming: Incoming) -> list[Reply]:
    return [Reply(text=ANSWER, citations=[CITATION])]


def link_form(user_id: str, attachment: Attachment) -> str:
    return f"https://bot.example.cn/forms/{user_id}/{attachment.filename}"


class Platform:
    """Sends what WeChat sends: signed query parameters, plaintext or safe-mode bodies."""

    def __init__(self, client: TestClient, *, safe: bool = False) -> None:
        self.client = client
        self.safe = safe
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        self._nonces = 0

    def query(self, *, timestamp: int = NOW, nonce: str | None = None, token: str = TOKEN) -> dict[str, str]:
        if nonce is None:
            self._nonces += 1
            nonce = f"n{self._nonces}"
        stamp = str(timestamp)
        return {"signature": signature(token, stamp, nonce), "timestamp": stamp, "nonce": nonce}

    def post(self, body: str | bytes, *, query: dict[str, str] | None = None) -> Response:
        """Posts ``body``; in safe mode a str body is encrypted first (bytes are sent as they are)."""
        params = dict(self.query() if query is None else query)
        if self.safe and isinstance(body, str):
            body, params["msg_signature"] = self.encrypt(body, params, self.crypto)
            params["encrypt_type"] = "aes"
        content = body.encode("utf-8") if isinstance(body, str) else body
        headers = {"Content-Type": "text/xml"}
        return self.client.post("/wechat", params=params, content=content, headers=headers)

    @staticmethod
    def encrypt(xml: str, params: dict[str, str], crypto: WeChatCrypto) -> tuple[str, str]:
        """The safe-mode body and its msg_signature, as the platform makes them with ``crypto``."""
        envelope = fields_of(crypto.encrypt_message(xml, params["nonce"], params["timestamp"]))
        body = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        )
        return body, envelope["MsgSignature"]

    def reply_fields(self, response: Response) -> dict[str, str]:
        """The passive reply's fields, decrypted (and its signature checked) in safe mode."""
        assert response.status_code == 200, response.text
        fields = fields_of(response.text)
        if self.safe:
            inner = self.crypto.decrypt_message(
                response.text, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
            )
            fields = fields_of(inner)
        return fields


def make_app(window: FakeWindow, *, safe: bool = False, state: SharedState | None = None) -> FastAPI:
    config = WeChatConfig(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY if safe else None)
    app = FastAPI()
    app.include_router(
        wechat_router(config, state or MemorySharedState(), window, link_form, clock=lambda: float(NOW))
    )
    return app


@pytest.fixture(autouse=True)
def _no_stray_wechat_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX + "WECHAT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file


@pytest.fixture(params=["memory", "sqlite", "postgres", "redis"])
def shared_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedState]:
    """Each backend the serve workers really share (this machine's Postgres and Redis included)."""
    yield from shared_states(request.param, tmp_path)


@pytest.fixture
def window() -> FakeWindow:
    return FakeWindow(answer_with_citation)


@pytest.fixture
def platform(window: FakeWindow) -> Iterator[Platform]:
    # raise_server_exceptions=False: a 5xx must show as a response, not as a test error.
    with TestClient(make_app(window), raise_server_exceptions=False) as client:
        yield Platform(client)


@pytest.fixture
def safe_platform(window: FakeWindow) -> Iterator[Platform]:
    with TestClient(make_app(window, safe=True), raise_server_exceptions=False) as client:
        yield Platform(client, safe=True)
