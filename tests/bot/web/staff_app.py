"""The web app with the staff pages over a real store (SQLite or Postgres) and a fake answerer, and a
browser-like client that signs in through the login form."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from fastapi import APIRouter
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.shared_state import MemorySharedState
from bot.web import create_app
from conversations import Dialogue, Incoming, Store
from conversations._context import Answerer
from knowledge import Answer, Citation, Programme

STAFF_NAME = "王老师"
STAFF_PASSWORD = "correct-horse-battery"
_HIDDEN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# The staff accounts' hasher in the page tests: argon2id at its lowest cost, microseconds per hash
# instead of a second per login (argon2's default cost is tested once, in test_staff_security.py).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Clock:
    """Wall-clock time that a test can move forward."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeAnswerer:
    """Answers questions about the deadline (cited), offers a related rule for 材料, refuses the rest."""

    def ask(self, question: str, programme: str | None = None) -> Answer:
        citation = Citation(file="notice.txt", title="测试通知", section="二、申报时间", quote="8月25日")
        if "截止" in question:
            return Answer(
                question=question,
                answer="材料申报截止日期为2025年8月25日。",
                answered=True,
                confidence=0.9,
                programme="qinghai-2025",
                citations=[citation],
            )
        if "材料" in question:
            return Answer(
                question=question,
                answer="相关条款：必须提供用户满意度测评报告。",
                answered=True,
                kind="related",
                confidence=0.5,
                programme="qinghai-2025",
                citations=[citation],
            )
        return Answer(question=question, answer="通知中没有说明这一点。", answered=False, confidence=0.1)

    def programme_details(self) -> list[Programme]:
        return [
            Programme(id="qinghai-2025", label="青海2025", title="2025年青海", places=["青海"], year=2025)
        ]


def staff_settings(data_dir: Path, *, https: bool = True) -> Settings:
    base = "https://bot.example.org" if https else "http://127.0.0.1:8000"
    return Settings(data_dir=data_dir, public_base_url=base)


@contextmanager
def staff_client(
    settings: Settings,
    database_url: str,
    clock: Clock,
    extra_pages: Sequence[APIRouter] = (),
    hasher: PasswordHasher | None = CHEAP_HASHER,
    answerer: Callable[[Store], Answerer] = lambda store: FakeAnswerer(),
    today: date = date(2025, 8, 1),
) -> Iterator[TestClient]:
    """A client of the app (https, so the Secure cookies are sent) with one staff account; `extra_pages`
    are mounted as a later staff page would be. `hasher` None: the app's own (argon2's default cost).
    `answerer`: what the dialogue answers with, made over the app's store (a real knowledge base whose
    curated answers are the store's, say)."""
    store = Store(database_url)
    dialogue = Dialogue(store, answerer(store), today=lambda: today)
    app = create_app(
        settings, dialogue=dialogue, shared_state=MemorySharedState(), clock=clock, password_hasher=hasher
    )
    for page in extra_pages:
        app.include_router(page)
    base_url = (
        "https://testserver" if (settings.public_base_url or "").startswith("https") else "http://testserver"
    )
    try:
        with TestClient(app, base_url=base_url, follow_redirects=False) as client:
            client.app.state.web.staff.accounts.add(STAFF_NAME, STAFF_PASSWORD)  # type: ignore[attr-defined]
            yield client
    finally:
        store.close()


def ask(client: TestClient, user_id: str, text: str, channel: str = "wechat") -> None:
    client.app.state.web.dialogue.handle(Incoming(channel=channel, user_id=user_id, text=text))  # type: ignore[attr-defined]


def hidden_csrf(html: str) -> str:
    found = _HIDDEN_CSRF.search(html)
    assert found is not None, "no csrf_token field on the page"
    return found.group(1)


def login(
    client: TestClient, name: str = STAFF_NAME, password: str = STAFF_PASSWORD, next: str = ""
) -> httpx.Response:
    """Submits the login form as a browser does (its CSRF token from the form page); the response."""
    form_page = client.get("/staff/login")
    assert form_page.status_code == 200
    data = {"name": name, "password": password, "csrf_token": hidden_csrf(form_page.text), "next": next}
    return client.post("/staff/login", data=data)


def session_csrf(client: TestClient) -> str:
    """The signed-in session's CSRF token, as the logout form of any page carries it."""
    page = client.get("/staff/")
    assert page.status_code == 200, page.status_code
    return hidden_csrf(page.text)
