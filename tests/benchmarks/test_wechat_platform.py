"""The platform simulator behaves as WeChat does towards a bot: signed deliveries, the same MsgId again
after a timeout or a lost answer, safe-mode encryption both ways, and only a reply addressed to the
user is shown. Driven against a small signed-echo bot written here, and the benchmark's FastAPI echo app."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import pytest

from benchmarks.wechat import LoopbackServer, WeChatPlatform, cdata, signature
from benchmarks.wechat._loopback import Request, Response

TOKEN = "platform-test-token"
APP_ID = "wx0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues them


@dataclass
class EchoBot:
    """Checks WeChat's signature, answers "收到：<content>"; `hold` makes chosen deliveries wait."""

    crypto: Any = None  # wechatpy's WeChatCrypto in safe mode
    hold: Callable[[int], bool] = lambda _number: False
    released: threading.Event = field(default_factory=threading.Event)
    reply_to: str | None = None  # address the reply to someone else
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # (MsgId, nonce, content)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Request) -> Response:
        query = request.query
        if signature(TOKEN, query["timestamp"], query["nonce"]) != query["signature"]:
            return 403, "text/plain", b"bad signature"
        body = request.body.decode("utf-8")
        if self.crypto is not None:
            assert query["encrypt_type"] == "aes"
            body = self.crypto.decrypt_message(
                body, query["msg_signature"], query["timestamp"], query["nonce"]
            )
        message = ET.fromstring(body)
        with self.lock:
            self.seen.append(
                (message.findtext("MsgId") or "", query["nonce"], message.findtext("Content") or "")
            )
            number = len(self.seen)
        if self.hold(number):
            self.released.wait(timeout=10)
        if message.findtext("Content") == "不用回复":
            return 200, "text/plain", b"success"
        reply = (
            f"<xml><ToUserName>{cdata(self.reply_to or message.findtext('FromUserName') or '')}</ToUserName>"
            f"<FromUserName>{cdata('gh_test')}</FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata('收到：' + (message.findtext('Content') or ''))}</Content></xml>"
        )
        if self.crypto is not None:
            reply = self.crypto.encrypt_message(reply, query["nonce"], query["timestamp"])
        return 200, "application/xml", reply.encode("utf-8")


@pytest.fixture
def bot() -> EchoBot:
    return EchoBot()


@pytest.fixture
def platform(bot: EchoBot) -> Iterator[WeChatPlatform]:
    with LoopbackServer(bot) as server:
        simulator = WeChatPlatform(server.url + "/wechat", TOKEN, timeout_s=0.5)
        yield simulator
        bot.released.set()
        simulator.close()


def test_a_signed_message_gets_its_passive_reply_shown(platform: WeChatPlatform, bot: EchoBot) -> None:
    delivery = platform.send_text("alice", "截止日期是哪天？含 ]]> 也不怕")

    assert delivery.shown == "收到：截止日期是哪天？含 ]]> 也不怕"
    assert delivery.acknowledged and len(delivery.attempts) == 1
    assert bot.seen == [(delivery.msg_id, bot.seen[0][1], "截止日期是哪天？含 ]]> 也不怕")]
    assert platform.deliveries == [delivery]


def test_success_shows_nothing_but_ends_the_retries(platform: WeChatPlatform) -> None:
    delivery = platform.send_text("alice", "不用回复")
    assert delivery.shown is None and delivery.acknowledged and len(delivery.attempts) == 1


def test_a_slow_answer_is_cut_and_the_same_msg_id_delivered_again_with_a_fresh_nonce(
    platform: WeChatPlatform, bot: EchoBot
) -> None:
    bot.hold = lambda number: number == 1  # the first delivery outlives WeChat's timeout
    delivery = platform.send_text("alice", "你好")
    bot.released.set()

    assert [attempt.status for attempt in delivery.attempts] == [None, 200]
    assert delivery.shown == "收到：你好"
    (first_id, first_nonce, _), (second_id, second_nonce, _) = bot.seen
    assert first_id == second_id == delivery.msg_id and first_nonce != second_nonce


def test_a_bot_that_never_answers_in_time_gets_three_retries_and_shows_nothing(
    platform: WeChatPlatform, bot: EchoBot
) -> None:
    bot.hold = lambda _number: True
    delivery = platform.send_text("alice", "你好")
    bot.released.set()

    assert len(delivery.attempts) == 4 and {msg_id for msg_id, _, _ in bot.seen} == {delivery.msg_id}
    assert delivery.shown is None and not delivery.acknowledged


def test_lost_answers_are_delivered_again_and_only_the_last_one_is_shown(bot: EchoBot) -> None:
    with LoopbackServer(bot) as server:
        platform = WeChatPlatform(server.url + "/wechat", TOKEN, timeout_s=2, lost_response_rate=1.0)
        delivery = platform.send_text("alice", "你好")
        platform.close()

    assert [attempt.lost for attempt in delivery.attempts] == [True, True, True, False]
    assert len(bot.seen) == 4 and delivery.shown == "收到：你好"


def test_a_reply_addressed_to_another_user_is_not_shown(platform: WeChatPlatform, bot: EchoBot) -> None:
    bot.reply_to = "bob"
    delivery = platform.send_text("alice", "你好")
    assert delivery.shown is None and "another user" in delivery.attempts[0].error


def test_safe_mode_encrypts_the_message_and_decrypts_the_reply() -> None:
    WeChatCrypto = pytest.importorskip("wechatpy.crypto", reason="the wechat extra").WeChatCrypto

    bot = EchoBot(crypto=WeChatCrypto(TOKEN, AES_KEY, APP_ID))
    with LoopbackServer(bot) as server:
        platform = WeChatPlatform(server.url + "/wechat", TOKEN, app_id=APP_ID, aes_key=AES_KEY, timeout_s=2)
        delivery = platform.send_text("alice", "安全模式：申报材料要几份？")
        platform.close()

    assert platform.safe_mode
    assert delivery.shown == "收到：安全模式：申报材料要几份？"
    assert bot.seen[0][2] == "安全模式：申报材料要几份？"


def test_the_echo_app_the_bot_is_compared_with_checks_the_signature() -> None:
    pytest.importorskip("fastapi", reason="the serve extra")
    from fastapi.testclient import TestClient

    from benchmarks.wechat._echo import TOKEN as ECHO_TOKEN
    from benchmarks.wechat._echo import app

    with TestClient(app) as test_client:
        client = cast(httpx.Client, test_client)  # an httpx client in front of the app
        good = WeChatPlatform("/wechat", ECHO_TOKEN, client=client).send_text("alice", "回声")
        forged = WeChatPlatform("/wechat", "not-the-token", client=client).send_text("alice", "回声")
    assert good.shown == "回声"
    assert forged.shown is None and forged.attempts[0].status == 403
