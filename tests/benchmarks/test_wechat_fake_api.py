"""The fake WeChat API refuses what WeChat refuses, so a bot that passes against it keeps WeChat's rules:
one token for everyone, 客服消息 only within 48 hours of the user's message and five at most."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from benchmarks.wechat import FakeWeChatAPI

APP_ID, SECRET = "wx-test", "test-secret"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(clock: Clock) -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI(APP_ID, SECRET, clock=clock) as fake:
        yield fake


@pytest.fixture
def client(api: FakeWeChatAPI) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.base_url, trust_env=False, timeout=5) as http:
        yield http


def token(client: httpx.Client, secret: str = SECRET) -> dict[str, object]:
    params = {"grant_type": "client_credential", "appid": APP_ID, "secret": secret}
    return client.get("/cgi-bin/token", params=params).json()


def send(client: httpx.Client, access_token: object, openid: str, content: str) -> int:
    params = {"access_token": str(access_token)}
    body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
    response = client.post("/cgi-bin/message/custom/send", params=params, json=body)
    return int(response.json()["errcode"])


def test_a_token_is_issued_for_the_right_secret_only_and_every_request_is_counted(
    api: FakeWeChatAPI, client: httpx.Client
) -> None:
    issued = token(client)
    assert issued["expires_in"] == 7200 and str(issued["access_token"])
    assert token(client, secret="wrong")["errcode"] == 40125
    assert api.token_requests == 2


def test_messages_reach_the_user_within_the_window_and_are_recorded_in_order(
    api: FakeWeChatAPI, client: httpx.Client
) -> None:
    access = token(client)["access_token"]
    assert send(client, access, "alice", "第一条") == 45015  # she has not written yet
    api.user_messaged("alice")
    assert send(client, access, "alice", "第一条") == 0
    assert send(client, access, "alice", "第二条：含“引号”与 emoji 🙂") == 0
    assert [m.content for m in api.messages("alice")] == ["第一条", "第二条：含“引号”与 emoji 🙂"]
    assert api.messages("bob") == []
    assert api.refused() == [("alice", 45015)]


def test_five_messages_per_user_message_then_out_of_response_count(
    api: FakeWeChatAPI, client: httpx.Client
) -> None:
    access = token(client)["access_token"]
    api.user_messaged("alice")
    api.user_messaged("bob")
    assert [send(client, access, "alice", f"答复{n}") for n in range(6)] == [0, 0, 0, 0, 0, 45047]
    assert send(client, access, "bob", "另一位用户不受影响") == 0
    api.user_messaged("alice")  # she writes again: the count starts over
    assert send(client, access, "alice", "新的答复") == 0


def test_the_window_closes_48_hours_after_the_users_last_message(
    api: FakeWeChatAPI, client: httpx.Client, clock: Clock
) -> None:
    api.user_messaged("alice")
    clock.now += 47 * 3600
    access = token(client)["access_token"]
    assert send(client, access, "alice", "还来得及") == 0
    clock.now += 2 * 3600
    access = token(client)["access_token"]
    assert send(client, access, "alice", "太晚了") == 45015


def test_unknown_expired_and_replaced_tokens(api: FakeWeChatAPI, client: httpx.Client, clock: Clock) -> None:
    api.user_messaged("alice")
    first = token(client)["access_token"]
    assert send(client, "made-up", "alice", "x") == 40001
    second = token(client)["access_token"]
    assert send(client, first, "alice", "旧的还可用五分钟") == 0
    clock.now += 301
    assert send(client, first, "alice", "x") == 42001
    assert send(client, second, "alice", "新的可用") == 0
    api.expire_tokens()
    assert send(client, second, "alice", "x") == 42001


def test_too_long_texts_and_injected_failures_are_refused(api: FakeWeChatAPI, client: httpx.Client) -> None:
    api.user_messaged("alice")
    access = token(client)["access_token"]
    assert send(client, access, "alice", "字" * 683) == 45002  # 2049 bytes of UTF-8
    assert send(client, access, "alice", "字" * 682) == 0
    api.fail_next(45047, times=2)
    assert [send(client, access, "alice", "x") for _ in range(3)] == [45047, 45047, 0]
