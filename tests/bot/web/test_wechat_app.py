"""The 公众号 webhook as mounted by the web app: signed messages in, the dialogue's answers out, and a
completed form as a link that downloads it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

pytest.importorskip("wechatpy")

from bot.channels.wechat import sign
from bot.settings import Settings
from bot.web import create_app

TOKEN = "wechat-test-token"
ASSESSMENT = ["/assess qinghai-2025-star", "9分", "14分", "15分", "10分", "10分", "20分", "20分", "/confirm"]


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=Path(env["APPLICANT_BOT_DATA_DIR"]),
        notices=Path(env["APPLICANT_BOT_NOTICES"]),
        public_base_url=env["APPLICANT_BOT_PUBLIC_BASE_URL"],
        wechat_token=TOKEN,
        wechat_customer_service=False,  # no 客服消息: nothing leaves the machine
        passive_deadline_s=30,  # every answer of this test is passive
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


class WeChat:
    """Signs and posts messages as the platform does (plaintext mode)."""

    def __init__(self, client: TestClient, openid: str) -> None:
        self.client = client
        self.openid = openid
        self.sent = 0

    def say(self, text: str) -> str:
        self.sent += 1
        timestamp, nonce = str(int(time.time())), f"nonce{self.sent}"
        body = (
            f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{self.openid}]]>"
            f"</FromUserName><CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{10_000 + self.sent}</MsgId></xml>"
        )
        response = self.client.post(
            "/wechat",
            params={"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce},
            content=body.encode("utf-8"),
        )
        assert response.status_code == 200, response.text
        return response.text


def test_a_question_on_wechat_gets_the_cited_answer_passively(client: TestClient) -> None:
    reply = WeChat(client, "openid-li").say("青海服务之星申报截止日期是哪天？")
    assert "2025年8月25日" in reply and "出处：" in reply and "<MsgType><![CDATA[text]]></MsgType>" in reply


def test_a_form_completed_on_wechat_arrives_as_a_link_that_downloads_it(client: TestClient) -> None:
    wechat = WeChat(client, "openid-zhang")
    for text in ASSESSMENT:
        reply = wechat.say(text)
    for _ in range(5):  # the header blanks (姓名, 单位, 岗位)
        if "/forms/" in reply:
            break
        reply = wechat.say("张三")
    links = re.findall(r"https://bot\.example\.org/forms/[A-Za-z0-9_\-.]+", reply)
    assert len(links) == 1, reply
    download = client.get(urlsplit(links[0]).path)
    (row,) = client.app.state.web.dialogue.store.assessments("wechat", "openid-zhang")  # type: ignore[attr-defined]
    assert download.status_code == 200 and download.content == row.form_docx
