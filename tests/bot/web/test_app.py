"""The web app through FastAPI's TestClient: /healthz and the signed form download links."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.shared_state import MemorySharedState
from bot.web import FormLinks, create_app, form_link_secret
from conversations import Attachment, Incoming

ASSESSMENT = ["/assess qinghai-2025-star", "9分", "14分", "15分", "10分", "10分", "20分", "20分", "/confirm"]


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return Settings(
        data_dir=Path(env["APPLICANT_BOT_DATA_DIR"]),
        notices=Path(env["APPLICANT_BOT_NOTICES"]),
        public_base_url=env["APPLICANT_BOT_PUBLIC_BASE_URL"],
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


def _completed_form(client: TestClient, user: str) -> Attachment:
    """The form an applicant gets at the end of the real self-assessment dialogue."""
    dialogue = client.app.state.web.dialogue  # type: ignore[attr-defined]

    def say(text: str) -> list:
        return dialogue.handle(Incoming(channel="wechat", user_id=user, text=text))

    for text in ASSESSMENT:
        replies = say(text)
    for _ in range(5):  # the header blanks (姓名, 单位, 岗位)
        attachments = [a for reply in replies for a in reply.attachments]
        if attachments:
            return attachments[0]
        replies = say("张三")
    raise AssertionError(f"no form after the assessment: {[r.text for r in replies]}")


def _path(url: str) -> str:
    return urlsplit(url).path


def test_healthz_reports_store_index_and_shared_state(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"store": "ok", "index": "ok", "shared_state": "ok"},
    }


def test_healthz_is_503_and_names_the_store_when_the_database_is_gone(settings: Settings) -> None:
    app = create_app(settings, shared_state=MemorySharedState())
    with TestClient(app) as client:
        store = app.state.web.dialogue.store
        database = Path(store.engine.url.database)
        database.unlink()
        store.engine.dispose()  # as after a restart of the database: the old file's connections are gone
        response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["store"].startswith("error") and checks["shared_state"] == "ok"


def test_a_form_link_downloads_the_completed_form_with_its_chinese_name(client: TestClient) -> None:
    form = _completed_form(client, "alice")
    url = client.app.state.web.form_links.url_for("alice", form)  # type: ignore[attr-defined]
    assert url.startswith("https://bot.example.org/forms/")
    response = client.get(_path(url))
    assert response.status_code == 200
    assert response.content == form.data
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = response.headers["content-disposition"]
    assert form.filename.startswith("自评表") and f"filename*=UTF-8''{quote(form.filename)}" in disposition


def test_tampered_expired_and_other_users_links_never_serve_the_file(
    client: TestClient, clock: Clock
) -> None:
    form = _completed_form(client, "alice")
    links: FormLinks = client.app.state.web.form_links  # type: ignore[attr-defined]
    token = links.token("alice", form.data)

    body, signature = token.split(".")
    other_body = links.token("bob", form.data).split(".")[0]
    # The last two characters changed (never to what they were: a signature may end in "AA").
    altered = signature[:-2] + ("BB" if signature.endswith("AA") else "AA")
    for forged in (f"{other_body}.{signature}", f"{body}.{altered}", body, "x" * 40):
        refused = client.get(f"/forms/{forged}")
        assert refused.status_code == 403 and "下载链接无效" in refused.text
        assert form.data not in refused.content

    # A genuine link for bob cannot fetch alice's form: the store looks it up among bob's forms only.
    bobs = client.get(f"/forms/{links.token('bob', form.data)}")
    assert bobs.status_code == 404 and form.data not in bobs.content

    clock.now += 72 * 3600 + 1  # past APPLICANT_BOT_FORM_LINK_TTL_HOURS
    expired = client.get(f"/forms/{token}")
    assert expired.status_code == 410 and "已过期" in expired.text and form.data not in expired.content


def test_the_link_secret_is_created_once_private_and_shared(settings: Settings, tmp_path: Path) -> None:
    first = form_link_secret(settings)
    path = settings.data_dir / "form-link-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert form_link_secret(Settings(data_dir=settings.data_dir)) == first  # another worker, same key
    configured = Settings(data_dir=tmp_path / "elsewhere", form_link_secret="a-key-set-by-the-operator")
    assert form_link_secret(configured) == b"a-key-set-by-the-operator"


def test_a_link_from_one_worker_is_served_by_another(
    client: TestClient, settings: Settings, clock: Clock
) -> None:
    form = _completed_form(client, "alice")
    url = client.app.state.web.form_links.url_for("alice", form)  # type: ignore[attr-defined]
    with TestClient(create_app(settings, clock=clock)) as second_worker:
        response = second_worker.get(_path(url))
    assert response.status_code == 200 and response.content == form.data


class UnreachableSharedState(MemorySharedState):
    """A shared state whose server went away (Redis down): every call fails."""

    def set(self, key: str, value: str, ttl_s: float) -> None:
        raise ConnectionError("Connection refused (127.0.0.1:6379)")


def test_healthz_is_503_and_names_the_shared_state_when_it_is_unreachable(settings: Settings) -> None:
    with TestClient(create_app(settings, shared_state=UnreachableSharedState())) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["store"] == "ok" and checks["index"] == "ok"
    assert checks["shared_state"].startswith("error") and "Connection refused" in checks["shared_state"]
