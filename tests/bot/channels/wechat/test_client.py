"""客服消息 against a fake WeChat API (httpx.MockTransport): one shared access_token, refusals, failures."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from bot.channels.wechat import (
    CustomerServiceClient,
    PushRefused,
    WeChatApiError,
    WeChatUnavailable,
)
from bot.shared_state import MemorySharedState, SharedState

APP_ID = "wx0123456789abcdef"
SECRET = "app-secret-never-logged"


@dataclass
class FakeWeChatApi:
    """/cgi-bin/token hands out numbered tokens; /cgi-bin/message/custom/send answers from a script."""

    send_errors: list[int] = field(default_factory=list)  # errcodes for the next sends, in order
    token_delay_s: float = 0.0
    tokens_issued: int = 0
    sent: list[tuple[str, dict[str, object]]] = field(default_factory=list)  # (token, payload) accepted
    raw_bodies: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/token":
            assert request.url.params["appid"] == APP_ID
            assert request.url.params["secret"] == SECRET
            assert request.url.params["grant_type"] == "client_credential"
            time.sleep(self.token_delay_s)  # widens the race between workers; not measured
            with self.lock:
                self.tokens_issued += 1
                token = f"token-{self.tokens_issued}"
            return httpx.Response(200, json={"access_token": token, "expires_in": 7200})
        assert request.url.path == "/cgi-bin/message/custom/send"
        token = request.url.params["access_token"]
        with self.lock:
            self.raw_bodies.append(request.content)
            errcode = self.send_errors.pop(0) if self.send_errors else 0
            if errcode == 0 and token != f"token-{self.tokens_issued}":
                errcode = 40001  # an old token: WeChat calls it invalid
            if errcode == 0:
                self.sent.append((token, json.loads(request.content)))
        return httpx.Response(200, json={"errcode": errcode, "errmsg": "ok" if errcode == 0 else "error"})


def _client(api: FakeWeChatApi, state: SharedState, **kwargs: object) -> CustomerServiceClient:
    return CustomerServiceClient(
        state,
        APP_ID,
        SECRET,
        api_base="https://wechat.test",
        transport=httpx.MockTransport(api),
        **kwargs,  # type: ignore[arg-type]
    )


def test_send_text_posts_utf8_json_to_the_user() -> None:
    api = FakeWeChatApi()
    _client(api, MemorySharedState()).send_text("oUser-1", "您的自评表已生成 ✅")
    payload = {"touser": "oUser-1", "msgtype": "text", "text": {"content": "您的自评表已生成 ✅"}}
    assert api.sent == [("token-1", payload)]
    assert "您的自评表".encode() in api.raw_bodies[0]  # raw UTF-8, not \\u escapes


def test_two_workers_share_one_access_token(shared_state: SharedState) -> None:
    api = FakeWeChatApi()
    first, second = _client(api, shared_state), _client(api, shared_state)
    first.send_text("oUser-1", "第一条")
    second.send_text("oUser-2", "第二条")
    assert api.tokens_issued == 1
    assert [token for token, _payload in api.sent] == ["token-1", "token-1"]


def test_eight_workers_at_once_fetch_the_token_once(shared_state: SharedState) -> None:
    api = FakeWeChatApi(token_delay_s=0.2)
    clients = [_client(api, shared_state) for _ in range(8)]
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def send(index: int) -> None:
        start.wait()
        try:
            clients[index].send_text(f"oUser-{index}", "答案")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert api.tokens_issued == 1
    assert sorted(payload["touser"] for _token, payload in api.sent) == [f"oUser-{i}" for i in range(8)]


def test_a_token_is_fetched_again_before_it_expires() -> None:
    now = [1000.0]
    state = MemorySharedState(clock=lambda: now[0])
    api = FakeWeChatApi()
    client = _client(api, state)
    client.send_text("oUser-1", "一")
    now[0] += 7200 - 299  # inside the last five minutes of its two hours
    client.send_text("oUser-1", "二")
    assert api.tokens_issued == 2
    assert [token for token, _payload in api.sent] == ["token-1", "token-2"]


def test_an_invalid_token_is_refreshed_once_and_the_message_sent_once(shared_state: SharedState) -> None:
    api = FakeWeChatApi(send_errors=[40001])
    _client(api, shared_state).send_text("oUser-1", "答案")
    assert api.tokens_issued == 2
    assert api.sent == [("token-2", {"touser": "oUser-1", "msgtype": "text", "text": {"content": "答案"}})]


def test_a_token_that_stays_invalid_is_not_refreshed_in_a_loop() -> None:
    api = FakeWeChatApi(send_errors=[42001, 42001, 42001])
    with pytest.raises(WeChatApiError) as raised:
        _client(api, MemorySharedState()).send_text("oUser-1", "答案")
    assert raised.value.errcode == 42001
    assert api.tokens_issued == 2
    assert api.sent == []


@pytest.mark.parametrize("errcode", [45047, 45015])
def test_used_up_allowance_or_48_hours_is_a_push_refusal(errcode: int) -> None:
    api = FakeWeChatApi(send_errors=[errcode])
    with pytest.raises(PushRefused):
        _client(api, MemorySharedState()).push("oUser-1", ["第一条", "第二条"])
    assert api.sent == []  # stopped at the first refusal: the window keeps both


def test_network_failures_are_retriable_errors() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    transport = httpx.MockTransport(unreachable)
    client = CustomerServiceClient(
        MemorySharedState(), APP_ID, SECRET, api_base="https://wechat.test", transport=transport
    )
    with pytest.raises(WeChatUnavailable):
        client.send_text("oUser-1", "答案")


def test_wechat_system_busy_is_retriable() -> None:
    api = FakeWeChatApi(send_errors=[-1])
    with pytest.raises(WeChatUnavailable):
        _client(api, MemorySharedState()).send_text("oUser-1", "答案")


def test_neither_secret_nor_token_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="httpx")  # other tests may have quietened it
    api = FakeWeChatApi()
    _client(api, MemorySharedState()).send_text("oUser-1", "答案")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "cgi-bin" in logged  # httpx did log the requests
    assert SECRET not in logged
    assert "token-1" not in logged
