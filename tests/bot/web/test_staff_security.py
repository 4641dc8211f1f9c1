"""The staff pages' gate: every route under /staff/ (pages added later too, found in app.routes) refuses
anonymous requests, wrong passwords and forged CSRF tokens; lock-out; cookies and security headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.web.staff import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    LoginRefusal,
    StaffAccounts,
    route_table,
    staff_page_router,
)
from conversations import Store
from conversations._store import StaffAccountRow, StaffSessionRow, count_rows
from conversations._store._schema import Base
from tests.bot.web.staff_app import (
    STAFF_NAME,
    STAFF_PASSWORD,
    Clock,
    hidden_csrf,
    login,
    session_csrf,
    staff_client,
    staff_settings,
)

PUBLIC_ROUTES = {"/staff/login"}  # the only staff route open to anonymous visitors
DOWNLOAD = re.compile(r"\.(csv|xlsx|json)$")


@pytest.fixture
def clock() -> Clock:
    return Clock()


class LaterPage:
    """A page added the way the gaps, curated-answer and notices pages are: on `staff_page_router`.
    Its POST records every call that gets through, so a refusal is seen to change nothing."""

    def __init__(self) -> None:
        self.posted: list[str] = []
        self.router = staff_page_router()
        self.router.add_api_route("/later/{item}", self.show, methods=["GET"], name="staff_later")
        self.router.add_api_route("/later/{item}", self.change, methods=["POST"])
        self.router.add_api_route("/later.json", self.show, methods=["GET"])

    def show(self, item: str = "") -> dict[str, str]:
        return {"item": item}

    def change(self, item: str) -> dict[str, str]:
        self.posted.append(item)
        return {"changed": item}


@pytest.fixture
def later_page() -> LaterPage:
    return LaterPage()


@pytest.fixture
def client(tmp_path: Path, database_url: str, clock: Clock, later_page: LaterPage) -> Iterator[TestClient]:
    settings = staff_settings(tmp_path / "data")
    with staff_client(settings, database_url, clock, [later_page.router]) as test_client:
        yield test_client


def _staff_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path with its parameters filled) of every staff route."""
    found = []
    for route in route_table(client.app):  # type: ignore[arg-type]
        if route.path.startswith("/staff"):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            found += [(method, path) for method in sorted(route.methods)]
    assert ("GET", "/staff/") in found and ("GET", "/staff/log.xlsx") in found
    assert ("POST", "/staff/later/1") in found and ("GET", "/staff/later.json") in found  # added later
    return found


def _sets_session(response: httpx.Response) -> bool:
    return any(cookie.startswith(SESSION_COOKIE + "=") for cookie in response.headers.get_list("set-cookie"))


def _row_counts(client: TestClient) -> dict[str, int]:
    store: Store = client.app.state.web.dialogue.store  # type: ignore[attr-defined]
    return {table.__tablename__: count_rows(store, table) for table in Base.__subclasses__()}


def test_every_staff_route_refuses_anonymous_requests(client: TestClient, later_page: LaterPage) -> None:
    for method, path in _staff_routes(client):
        if path in PUBLIC_ROUTES:
            continue
        response = client.request(method, path, data={"csrf_token": "x"})
        if method == "GET" and not DOWNLOAD.search(path):
            assert response.status_code == 303, (method, path)
            location = urlsplit(response.headers["location"])
            assert location.path == "/staff/login" and parse_qs(location.query)["next"] == [path]
        else:
            assert response.status_code == 401, (method, path, response.status_code)
            assert "请先登录" in response.text
        assert "csv" not in response.headers.get("content-type", "")
    assert later_page.posted == []


def test_a_wrong_password_is_refused_without_a_session_cookie(client: TestClient) -> None:
    refused = login(client, password="not-the-password")
    assert refused.status_code == 401 and "用户名或密码错误" in refused.text
    assert not _sets_session(refused)
    assert client.get("/staff/").status_code == 303


def test_unknown_names_get_the_same_refusal_as_wrong_passwords(client: TestClient) -> None:
    unknown = login(client, name="nobody")
    wrong = login(client, password="not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    assert re.search(r'class="error"[^>]*>([^<]+)<', unknown.text).group(1) == re.search(  # type: ignore[union-attr]
        r'class="error"[^>]*>([^<]+)<', wrong.text
    ).group(1)


def test_forged_or_missing_csrf_tokens_are_refused_on_every_post_route(
    client: TestClient, later_page: LaterPage
) -> None:
    assert login(client).status_code == 303
    genuine = session_csrf(client)
    before = _row_counts(client)
    posts = [path for method, path in _staff_routes(client) if method == "POST" and path not in PUBLIC_ROUTES]
    assert "/staff/logout" in posts
    for path in posts:
        altered = genuine[:-1] + ("B" if genuine.endswith("A") else "A")  # never the genuine one
        for data in ({}, {"csrf_token": "forged"}, {"csrf_token": altered}):
            response = client.post(path, data=data)
            assert response.status_code == 403 and "安全校验失败" in response.text, (path, data)
        assert client.post(path, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert _row_counts(client) == before and later_page.posted == []
    # The genuine token, as a form field or a header, gets through.
    assert client.post("/staff/later/1", data={"csrf_token": genuine}).status_code == 200
    assert client.post("/staff/later/2", headers={"X-CSRF-Token": genuine}).status_code == 200
    assert later_page.posted == ["1", "2"]
    assert client.get("/staff/").status_code == 200  # the forged logouts did not sign anyone out


def test_the_login_form_refuses_a_post_without_its_own_token(client: TestClient) -> None:
    data = {"name": STAFF_NAME, "password": STAFF_PASSWORD}
    for token in ("", "forged"):
        response = client.post("/staff/login", data={**data, "csrf_token": token})
        assert response.status_code == 403 and not _sets_session(response)
    # A token from another browser's form does not go with this browser's cookie.
    other = TestClient(client.app, base_url="https://testserver", follow_redirects=False)
    stolen = hidden_csrf(other.get("/staff/login").text)
    client.cookies.delete(LOGIN_COOKIE)
    client.get("/staff/login")  # this browser's own login cookie, for a different token
    assert client.post("/staff/login", data={**data, "csrf_token": stolen}).status_code == 403


def test_login_sets_a_strict_secure_cookie_and_logout_ends_the_session(client: TestClient) -> None:
    response = login(client, next="/staff/log?answered=no")
    assert response.status_code == 303 and response.headers["location"] == "/staff/log?answered=no"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/staff" in lowered
    assert "secure" in lowered and "max-age=43200" in lowered
    token = cookie.split(";")[0].split("=", 1)[1]
    store: Store = client.app.state.web.dialogue.store  # type: ignore[attr-defined]
    with store.session() as session:  # only the hash is stored
        hashes = list(session.scalars(select(StaffSessionRow.token_hash)))
    assert len(hashes) == 1 and token not in hashes[0]
    logout = client.post("/staff/logout", data={"csrf_token": session_csrf(client)})
    assert logout.status_code == 303 and logout.headers["location"] == "/staff/login"
    client.cookies.set(SESSION_COOKIE, token, domain="testserver.local", path="/staff")
    assert client.get("/staff/").status_code == 303  # the old token no longer works
    assert count_rows(store, StaffSessionRow) == 0


def test_a_plain_http_deployment_gets_no_secure_flag(tmp_path: Path, database_url: str, clock: Clock) -> None:
    with staff_client(staff_settings(tmp_path / "data", https=False), database_url, clock) as client:
        cookie = next(c for c in login(client).headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "secure" not in cookie.lower()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/staff/", "/forms/x", "/\\evil"])
def test_login_never_redirects_off_the_staff_pages(client: TestClient, target: str) -> None:
    response = login(client, next=target)
    assert response.status_code == 303 and response.headers["location"] == "/staff/"


def test_five_failures_lock_the_account_even_for_the_right_password_until_it_expires(
    client: TestClient, clock: Clock
) -> None:
    for _ in range(5):
        assert login(client, password="not-the-password").status_code == 401
    locked = login(client)
    assert locked.status_code == 401 and "用户名或密码错误" in locked.text
    clock.advance(14 * 60)
    assert login(client).status_code == 401
    clock.advance(61)
    assert login(client).status_code == 303


def test_resetting_or_removing_an_account_signs_its_sessions_out(client: TestClient) -> None:
    accounts = client.app.state.web.staff.accounts  # type: ignore[attr-defined]
    assert login(client).status_code == 303
    accounts.add(STAFF_NAME, "a-brand-new-password")
    assert client.get("/staff/").status_code == 303
    assert login(client, password="a-brand-new-password").status_code == 303
    accounts.remove(STAFF_NAME)
    assert client.get("/staff/").status_code == 303


def test_a_session_expires_after_its_lifetime(client: TestClient, clock: Clock) -> None:
    assert login(client).status_code == 303
    assert client.get("/staff/").status_code == 200
    clock.advance(12 * 3600 + 1)
    assert client.get("/staff/").status_code == 303


def test_staff_pages_send_the_security_headers_and_no_inline_script(client: TestClient) -> None:
    login(client)
    for path in ("/staff/login", "/staff/", "/staff/log", "/staff/log.csv", "/staff/nowhere"):
        response = client.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        if response.headers.get("content-type", "").startswith("text/html"):
            nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
            assert f'<style nonce="{nonce}">' in response.text or response.status_code == 404
            assert "<script" not in response.text
    assert "content-security-policy" not in client.get("/healthz").headers


def test_the_app_hashes_staff_passwords_at_argon2s_default_cost(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    """The other page tests use a cheap hasher; the app as deployed hashes (and checks) at the full cost."""
    with staff_client(staff_settings(tmp_path / "data"), database_url, clock, hasher=None) as client:
        store: Store = client.app.state.web.dialogue.store  # type: ignore[attr-defined]
        with store.session() as session:
            stored = session.scalar(select(StaffAccountRow.password_hash))
        default = PasswordHasher()
        assert stored is not None and not default.check_needs_rehash(stored)
        assert f"m={default.memory_cost},t={default.time_cost},p={default.parallelism}" in stored
        assert login(client, password="not-the-password").status_code == 401
        assert login(client).status_code == 303


def test_verify_rehashes_passwords_hashed_with_old_parameters(database_url: str) -> None:
    store = Store(database_url)
    try:
        weak = StaffAccounts(store, hasher=PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
        weak.add("李老师", STAFF_PASSWORD)
        with store.session() as session:
            old = session.scalar(select(StaffAccountRow.password_hash))
        current = StaffAccounts(store)
        assert not isinstance(current.verify("李老师", STAFF_PASSWORD), LoginRefusal)
        with store.session() as session:
            new = session.scalar(select(StaffAccountRow.password_hash))
        assert new != old and "m=8192" in str(old) and "m=8192" not in str(new)
        assert not isinstance(current.verify("李老师", STAFF_PASSWORD), LoginRefusal)
    finally:
        store.close()


def test_accounts_refuse_weak_passwords_and_say_when_a_password_is_reset(database_url: str) -> None:
    from bot.web.staff import StaffAccountError

    store = Store(database_url)
    try:
        accounts = StaffAccounts(store)
        with pytest.raises(StaffAccountError, match="至少需要 10 个字符"):
            accounts.add("赵老师", "short")
        with pytest.raises(StaffAccountError, match="1 到 64"):
            accounts.add("x" * 65, STAFF_PASSWORD)
        assert accounts.add("赵老师", STAFF_PASSWORD) is True
        assert accounts.add("赵老师", "another-long-password") is False
        assert isinstance(accounts.verify("赵老师", STAFF_PASSWORD), LoginRefusal)
        assert not isinstance(accounts.verify("赵老师", "another-long-password"), LoginRefusal)
        assert [a.name for a in accounts.list()] == ["赵老师"]
        assert accounts.remove("赵老师") and not accounts.remove("赵老师")
    finally:
        store.close()


class CountingHasher(PasswordHasher):
    """Records the parameters of every hash a verification checks against."""

    def __init__(self) -> None:
        super().__init__()
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(str(hash).rsplit("$", 2)[0])  # $argon2id$v=19$m=...,t=...,p=...
        return super().verify(hash, password)


def test_an_unknown_name_costs_one_full_hash_like_a_wrong_password(tmp_path: Path) -> None:
    """The refusal takes as long for an unknown name: a dummy hash with the same parameters is checked
    (counted rather than timed: wall time on a shared machine is too noisy to assert)."""
    store = Store(f"sqlite:///{tmp_path / 'timing.sqlite3'}")
    try:
        hasher = CountingHasher()
        accounts = StaffAccounts(store, hasher=hasher)
        accounts.add(STAFF_NAME, STAFF_PASSWORD)
        assert isinstance(accounts.verify(STAFF_NAME, "wrong-password"), LoginRefusal)
        assert isinstance(accounts.verify("nobody", "wrong-password"), LoginRefusal)
        for _ in range(5):  # a locked account is checked too
            accounts.verify(STAFF_NAME, "wrong-password")
        assert len(hasher.verified) == 7 and len(set(hasher.verified)) == 1
    finally:
        store.close()
