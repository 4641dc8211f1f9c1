"""``/wechat`` as WeChat and an attacker see it: URL verification, signatures, replies, bad input."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat import APOLOGY, WELCOME
from bot.shared_state import SharedState
from conversations import Reply
from tests.bot.channels.wechat.conftest import (
    ACCOUNT,
    ANSWER,
    CITATION,
    NOW,
    OPENID,
    TOKEN,
    FakeWindow,
    Platform,
    event,
    make_app,
    message,
    signature,
    text_message,
)

# --- URL verification --------------------------------------------------------------------------------


def test_url_verification_echoes_the_echostr(platform: Platform) -> None:
    response = platform.client.get("/wechat", params={**platform.query(), "echostr": "4837261950"})
    assert response.status_code == 200
    assert response.text == "4837261950"


def test_url_verification_with_a_wrong_signature_is_forbidden(platform: Platform) -> None:
    query = platform.query(token="not-our-token")
    response = platform.client.get("/wechat", params={**query, "echostr": "4837261950"})
    assert response.status_code == 403
    assert "4837261950" not in response.text


def test_safe_mode_url_verification_is_plaintext(safe_platform: Platform) -> None:
    # A 公众号 in safe mode still verifies its URL with a plain echostr and `signature`.
    response = safe_platform.client.get("/wechat", params={**safe_platform.query(), "echostr": "echo-1"})
    assert response.status_code == 200
    assert response.text == "echo-1"


# --- who may post ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"timestamp": str(NOW), "nonce": "n"},
        {"signature": "0" * 40, "timestamp": str(NOW), "nonce": "n"},
        {"signature": signature("other-token", str(NOW), "n"), "timestamp": str(NOW), "nonce": "n"},
    ],
    ids=["unsigned", "no signature", "wrong signature", "signed with another token"],
)
def test_unsigned_or_wrongly_signed_messages_are_forbidden(
    platform: Platform, window: FakeWindow, query: dict[str, str]
) -> None:
    response = platform.post(text_message("截止时间？"), query=query)
    assert response.status_code == 403
    assert window.calls == []


@pytest.mark.parametrize(
    "offset", [-301, 301, -3600, 86_400], ids=["stale", "future", "an hour old", "next day"]
)
def test_timestamps_outside_five_minutes_are_forbidden(
    platform: Platform, window: FakeWindow, offset: int
) -> None:
    response = platform.post(text_message("截止时间？"), query=platform.query(timestamp=NOW + offset))
    assert response.status_code == 403
    assert window.calls == []


def test_timestamps_within_five_minutes_are_accepted(platform: Platform, window: FakeWindow) -> None:
    for offset in (-300, 299):
        query = platform.query(timestamp=NOW + offset)
        assert platform.post(text_message("截止时间？", msg_id=str(offset)), query=query).status_code == 200
    assert len(window.calls) == 2


def test_a_replayed_signed_request_is_forbidden(platform: Platform, window: FakeWindow) -> None:
    query = platform.query(nonce="captured")
    assert platform.post(text_message("截止时间？"), query=query).status_code == 200
    # The same signed URL with another body: the signature does not cover the body in plaintext mode.
    replayed = platform.post(text_message("我要自评", msg_id="24099"), query=query)
    assert replayed.status_code == 403
    assert len(window.calls) == 1


def test_the_nonce_cache_is_shared_by_every_worker(window: FakeWindow, shared_state: SharedState) -> None:
    first_app, second_app = make_app(window, state=shared_state), make_app(window, state=shared_state)
    with TestClient(first_app) as first, TestClient(second_app) as second:
        query = Platform(first).query(nonce="shared")
        assert Platform(first).post(text_message("截止时间？"), query=query).status_code == 200
        replayed = Platform(second).post(text_message("我要自评", msg_id="24100"), query=query)
        assert replayed.status_code == 403
    assert [incoming.text for _, incoming in window.calls] == ["截止时间？"]


def test_the_same_signed_request_again_is_a_redelivery_not_a_replay(
    window: FakeWindow, shared_state: SharedState
) -> None:
    """A reverse proxy retries a request on the other worker when the first died mid-way; WeChat may
    resend a request unchanged. Refusing it would lose the message; the MsgId dedupe answers it once."""
    first_app, second_app = make_app(window, state=shared_state), make_app(window, state=shared_state)
    with TestClient(first_app) as first, TestClient(second_app) as second:
        query = Platform(first).query(nonce="resent")
        body = text_message("截止时间？", msg_id="24101")
        assert Platform(first).post(body, query=query).status_code == 200
        again = Platform(second).post(body, query=query)
        assert again.status_code == 200
        assert ANSWER in again.text


# --- answers -----------------------------------------------------------------------------------------


def test_a_text_message_gets_the_answer_with_its_citation(platform: Platform, window: FakeWindow) -> None:
    response = platform.post(text_message("申报截止时间是哪天？"))
    reply = platform.reply_fields(response)
    assert reply["ToUserName"] == OPENID
    assert reply["FromUserName"] == ACCOUNT
    assert reply["MsgType"] == "text"
    assert ANSWER in reply["Content"]
    assert f"出处：{CITATION.line()}" in reply["Content"]
    key, incoming = window.calls[0]
    assert (incoming.channel, incoming.user_id, incoming.text) == ("wechat", OPENID, "申报截止时间是哪天？")
    assert incoming.message_id == "24001"
    assert key == "wechat:24001"


def test_the_window_runs_off_the_event_loop(platform: Platform, window: FakeWindow) -> None:
    platform.post(text_message("申报截止时间是哪天？"))
    assert window.on_event_loop == [False]


def test_a_duplicate_delivery_gets_success_and_shows_nothing(platform: Platform) -> None:
    class Duplicate(FakeWindow):
        def respond(self, key, incoming, render):  # type: ignore[no-untyped-def]
            return type("Outcome", (), {"texts": [], "duplicate": True})()

    with TestClient(make_app(Duplicate(lambda incoming: []))) as client:
        response = Platform(client).post(text_message("截止时间？"))
    assert response.status_code == 200
    assert response.text == "success"


def test_a_failing_window_gets_the_user_an_apology_not_a_5xx(window: FakeWindow) -> None:
    def broken(incoming: object) -> list[Reply]:
        raise RuntimeError("store unreachable")

    window.replies = broken
    with TestClient(make_app(window), raise_server_exceptions=False) as client:
        platform = Platform(client)
        reply = platform.reply_fields(platform.post(text_message("截止时间？")))
    assert reply["Content"] == APOLOGY


def test_subscribing_gets_the_welcome(platform: Platform, window: FakeWindow) -> None:
    reply = platform.reply_fields(platform.post(event("subscribe")))
    assert reply["Content"] == WELCOME
    assert "/check" in WELCOME and "/assess" in WELCOME and "出处" in WELCOME and "自评表" in WELCOME
    assert window.calls == []


def test_a_menu_click_sends_its_command(platform: Platform, window: FakeWindow) -> None:
    platform.post(event("CLICK", "CMD_ASSESS"))
    platform.post(event("CLICK", "/check 青海2025"))
    assert [incoming.text for _key, incoming in window.calls] == ["/assess", "/check 青海2025"]
    key, incoming = window.calls[0]
    assert key == f"wechat:{OPENID}:{NOW}:click:CMD_ASSESS"
    assert incoming.message_id is not None


def test_an_unknown_menu_item_is_answered_politely(platform: Platform, window: FakeWindow) -> None:
    reply = platform.reply_fields(platform.post(event("CLICK", "V1001_TODAY_MUSIC")))
    assert "菜单" in reply["Content"] and "文字" in reply["Content"]
    assert window.calls == []


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (message("image", "<PicUrl><![CDATA[http://mmbiz/x.jpg]]></PicUrl><MediaId>m1</MediaId>"), "图片"),
        (message("voice", "<MediaId>m2</MediaId><Format>amr</Format><Recognition></Recognition>"), "语音"),
        (message("video", "<MediaId>m3</MediaId>"), "视频"),
        (message("location", "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y>"), "位置"),
        (message("shake_the_phone"), "这类消息"),
    ],
    ids=["image", "voice without recognition", "video", "location", "unknown MsgType"],
)
def test_what_the_bot_cannot_read_gets_a_polite_text(
    platform: Platform, window: FakeWindow, body: str, named: str
) -> None:
    reply = platform.reply_fields(platform.post(body))
    assert named in reply["Content"]
    assert "文字" in reply["Content"]  # says what it can read
    assert window.calls == []


def test_recognised_voice_is_read_as_text(platform: Platform, window: FakeWindow) -> None:
    voice = message("voice", "<MediaId>m2</MediaId><Format>amr</Format><Recognition>我能报吗</Recognition>")
    platform.post(voice)
    assert [incoming.text for _key, incoming in window.calls] == ["我能报吗"]


def test_events_without_a_reply_get_success(platform: Platform, window: FakeWindow) -> None:
    response = platform.post(event("unsubscribe"))
    assert response.text == "success"
    assert window.calls == []


def test_cdata_terminator_in_an_answer_does_not_break_the_reply(window: FakeWindow) -> None:
    tricky = "比较运算 a]]>b 与 <xml> & 符号]]>"
    window.replies = lambda incoming: [Reply(text=tricky + "\x08")]  # a control character XML cannot carry
    with TestClient(make_app(window)) as client:
        platform = Platform(client)
        reply = platform.reply_fields(platform.post(text_message("test")))
    assert reply["Content"] == tricky


# --- bad bodies --------------------------------------------------------------------------------------


def _with_entity(dtd: str, reference: str) -> str:
    """A text message whose Content is an entity reference (outside CDATA, so a naive parser expands it)."""
    return (
        '<?xml version="1.0"?><!DOCTYPE xml ['
        + dtd
        + "]>"
        + text_message("PLACEHOLDER").replace("<![CDATA[PLACEHOLDER]]>", reference)
    )


BILLION_LAUGHS = _with_entity(
    '<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)),
    "&lol9;",
)
XXE = _with_entity('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;")
# Small enough for expat's own amplification limit to let it through: the DTD must be refused as such.
ONE_ENTITY = _with_entity('<!ENTITY notice "我要自评">', "&notice;")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"<xml><ToUserName>gh</ToUserName><Content>unterminated", 400),
        (b"", 400),
        (b"not xml at all", 400),
        (b"<root><Content>x</Content></root>", 400),
        (b"<xml><ToUserName>gh</ToUserName></xml>", 400),
        (BILLION_LAUGHS.encode("utf-8"), 400),
        (XXE.encode("utf-8"), 400),
        (ONE_ENTITY.encode("utf-8"), 400),
        (text_message("申报截止时间").encode("gbk"), 415),
        (b"<xml>" + b"a" * (1024 * 1024) + b"</xml>", 413),
    ],
    ids=[
        "malformed",
        "empty",
        "not XML",
        "wrong root",
        "missing fields",
        "billion laughs",
        "XXE",
        "entity",
        "GBK",
        "1 MB",
    ],
)
def test_bad_bodies_are_refused_without_a_5xx_and_never_reach_the_dialogue(
    platform: Platform, window: FakeWindow, caplog: pytest.LogCaptureFixture, body: bytes, status: int
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.wechat")
    response = platform.post(body)
    assert response.status_code == status
    assert "root:" not in response.text  # /etc/passwd never shows
    assert window.calls == []
    refusals = [record for record in caplog.records if "refused" in record.getMessage()]
    assert len(refusals) == 1  # logged once, with a reason
    assert "申报截止时间" not in refusals[0].getMessage()


def test_a_chunked_body_over_the_limit_is_refused(platform: Platform, window: FakeWindow) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(64):  # 4 MB, without a Content-Length (chunked)
            yield b"<a>" + b"x" * 65_536 + b"</a>"

    params = platform.query()
    response = platform.client.post("/wechat", params=params, content=chunks())
    assert response.status_code == 413
    assert window.calls == []


def test_user_text_is_not_logged(platform: Platform, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    platform.post(text_message("我的身份证号是110101199001011234"))
    platform.post(message("image", "<MediaId>m1</MediaId>"))
    assert not any("110101199001011234" in record.getMessage() for record in caplog.records)


# --- safe mode ---------------------------------------------------------------------------------------


def test_safe_mode_round_trip(safe_platform: Platform, window: FakeWindow) -> None:
    response = safe_platform.post(text_message("申报截止时间是哪天？"))
    assert ANSWER not in response.text  # encrypted on the wire
    reply = safe_platform.reply_fields(response)  # decrypts and checks MsgSignature
    assert ANSWER in reply["Content"]
    assert f"出处：{CITATION.line()}" in reply["Content"]
    assert window.calls[0][1].text == "申报截止时间是哪天？"


def test_safe_mode_refuses_plaintext_messages(safe_platform: Platform, window: FakeWindow) -> None:
    response = safe_platform.post(text_message("截止时间？").encode("utf-8"))
    assert response.status_code == 400
    assert window.calls == []


def test_safe_mode_refuses_a_wrong_msg_signature(safe_platform: Platform, window: FakeWindow) -> None:
    query = safe_platform.query()
    body, _msg_signature = Platform.encrypt(text_message("截止时间？"), query, safe_platform.crypto)
    response = safe_platform.post(body.encode(), query={**query, "msg_signature": "0" * 40})
    assert response.status_code == 403
    assert window.calls == []


def test_safe_mode_refuses_a_body_encrypted_for_another_account(
    safe_platform: Platform, window: FakeWindow
) -> None:
    query = safe_platform.query()
    # Signed with our token, but encrypted with another EncodingAESKey and AppID.
    other = WeChatCrypto(TOKEN, "B" * 43, "wxffffffffffffffff")
    body, msg_signature = Platform.encrypt(text_message("截止时间？"), query, other)
    response = safe_platform.post(body.encode(), query={**query, "msg_signature": msg_signature})
    assert response.status_code == 400
    assert window.calls == []
