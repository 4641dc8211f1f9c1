"""WeChat messages and events as the dialogue sees them, and the operator's configuration."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.channels.wechat import (
    WELCOME,
    InboundMessage,
    Rejected,
    WeChatConfig,
    menu_command,
    parse_fields,
    wechat_router,
)
from bot.settings import Settings
from bot.shared_state import MemorySharedState
from tests.bot.channels.wechat.conftest import (
    AES_KEY,
    APP_ID,
    NOW,
    OPENID,
    TOKEN,
    FakeWindow,
    Platform,
    answer_with_citation,
    event,
    link_form,
    text_message,
)


def _inbound(xml: str) -> InboundMessage:
    return InboundMessage.from_fields(parse_fields(xml.encode("utf-8")))


def test_retries_of_one_event_share_a_dedupe_key_and_other_events_do_not() -> None:
    click = _inbound(event("CLICK", "CMD_ASSESS"))
    assert click.msg_id is None
    assert click.dedupe_key() == _inbound(event("CLICK", "CMD_ASSESS")).dedupe_key()
    assert click.dedupe_key() != _inbound(event("CLICK", "CMD_CHECK")).dedupe_key()
    assert click.dedupe_key() != _inbound(event("subscribe")).dedupe_key()
    assert OPENID in click.dedupe_key() and str(NOW) in click.dedupe_key()


def test_messages_are_deduplicated_by_msg_id() -> None:
    assert _inbound(text_message("你好", msg_id="7001")).dedupe_key() == "wechat:7001"
    assert _inbound(text_message("你好", msg_id="7002")).dedupe_key() == "wechat:7002"


@pytest.mark.parametrize(
    ("event_key", "command"),
    [
        ("CMD_ASSESS", "/assess"),
        ("CMD_CHECK", "/check"),
        ("CMD_HELP", "/help"),
        ("/assess", "/assess"),
        ("/programme 青海2025", "/programme 青海2025"),
        ("V1001_GOOD", None),
        ("", None),
        ("/", None),
    ],
)
def test_menu_event_keys_map_to_commands(event_key: str, command: str | None) -> None:
    assert menu_command(event_key) == command


def test_subscribing_by_qr_code_and_scanning_again_get_the_welcome() -> None:
    assert _inbound(event("subscribe", "qrscene_123")).route().reply == WELCOME
    assert _inbound(event("SCAN", "123")).route().reply == WELCOME


def test_a_message_without_a_sender_is_refused() -> None:
    xml = text_message("你好").replace(f"<FromUserName><![CDATA[{OPENID}]]></FromUserName>", "")
    with pytest.raises(Rejected) as refused:
        _inbound(xml)
    assert refused.value.status == 400
    assert "FromUserName" in refused.value.reason


def test_config_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPLICANT_BOT_WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("APPLICANT_BOT_WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("APPLICANT_BOT_WECHAT_AES_KEY", AES_KEY)
    monkeypatch.setenv("APPLICANT_BOT_WECHAT_CUSTOMER_SERVICE", "false")
    settings = Settings()
    config = WeChatConfig.from_settings(settings)
    assert (config.token, config.app_id, config.aes_key, config.safe_mode) == (TOKEN, APP_ID, AES_KEY, True)
    assert settings.wechat_customer_service is False
    assert settings.wechat_api_base == "https://api.weixin.qq.com"
    assert TOKEN not in repr(settings)  # secrets stay out of logs and tracebacks


@pytest.mark.parametrize(
    "config",
    [
        WeChatConfig(token=TOKEN, app_id=APP_ID, aes_key="too-short"),
        WeChatConfig(token=TOKEN, app_id=None, aes_key=AES_KEY),
        WeChatConfig(token=TOKEN, app_id=APP_ID, aes_key="!" * 43),
    ],
    ids=["short key", "no AppID", "not base64"],
)
def test_a_broken_safe_mode_configuration_fails_at_start_not_per_request(config: WeChatConfig) -> None:
    with pytest.raises(ValueError):
        wechat_router(config, MemorySharedState(), FakeWindow(answer_with_citation), link_form)


def test_without_a_token_every_request_is_forbidden() -> None:
    app = FastAPI()
    window = FakeWindow(answer_with_citation)
    app.include_router(wechat_router(WeChatConfig(token=None), MemorySharedState(), window, link_form))
    with TestClient(app) as client:
        assert Platform(client).post(text_message("你好")).status_code == 403
    assert window.calls == []
