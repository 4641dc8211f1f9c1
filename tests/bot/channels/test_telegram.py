"""The Telegram adapter, driven offline: real python-telegram-bot objects, a recording request layer.

Every Bot API call goes through `RecordingRequest`, which records its method and parameters and answers
with a plausible result, so the Application initialises (getMe) and sends exactly as it would online.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.channels import (
    TELEGRAM_MESSAGE_LIMIT,
    CallbackDataStore,
    DialogueHandler,
    build_application,
    split_message,
)
from bot.channels import telegram as telegram_adapter
from bot.channels.telegram import APOLOGY
from conversations import Attachment, Choice, Incoming, Link, Reply, SourceRef

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:TEST-token-never-sent-anywhere"
NOW = 1764756000  # 2025-12-03, a plausible Unix date for messages


@dataclass
class ApiCall:
    method: str
    parameters: dict[str, Any]
    files: dict[str, Any]


class RecordingRequest(BaseRequest):
    """A Bot API that records every call and answers it the way Telegram would."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self._next_message_id = 500

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        parameters = dict(request_data.parameters) if request_data else {}
        files = dict(request_data.multipart_data) if request_data and request_data.contains_files else {}
        self.calls.append(ApiCall(api_method, parameters, files))
        return 200, json.dumps({"ok": True, "result": self._result(api_method, parameters)}).encode()

    def _result(self, api_method: str, parameters: dict[str, Any]) -> Any:
        if api_method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "申报助手",
                "username": "applicant_test_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if api_method in {"answerCallbackQuery", "deleteWebhook"}:
            return True
        self._next_message_id += 1
        message: dict[str, Any] = {
            "message_id": self._next_message_id,
            "date": NOW,
            "chat": {"id": int(parameters.get("chat_id", 1)), "type": "private", "first_name": "用户"},
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "申报助手",
                "username": "applicant_test_bot",
            },
        }
        if api_method == "sendMessage":
            message["text"] = parameters["text"]
        if api_method == "sendDocument":
            message["document"] = {"file_id": "BQACAgUAAx0", "file_unique_id": "doc-1", "file_name": "x.docx"}
        if "reply_markup" in parameters:
            message["reply_markup"] = parameters["reply_markup"]
        return message

    def sent(self, api_method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == api_method]


@dataclass
class FakeDialogue:
    """Records what it was handed and answers with ``respond``."""

    respond: Callable[[Incoming], list[Reply]] = lambda incoming: [Reply(text=f"收到：{incoming.text}")]
    received: list[Incoming] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, incoming: Incoming) -> list[Reply]:
        with self._lock:
            self.received.append(incoming)
        return self.respond(incoming)


# --- realistic update JSON --------------------------------------------------------------------------

_update_ids: Iterator[int] = iter(range(880000, 10**9))


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "张", "last_name": "三", "language_code": "zh-hans"}


def message_update(user_id: int, **content: Any) -> dict[str, Any]:
    update_id = next(_update_ids)
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 10000,
            "date": NOW,
            "from": _user(user_id),
            "chat": {"id": user_id, "type": "private", "first_name": "张", "last_name": "三"},
            **content,
        },
    }


def text_update(user_id: int, text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split(" ", 1)[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return message_update(user_id, **content)


def callback_update(user_id: int, under: ApiCall, data: str) -> dict[str, Any]:
    """The user pressing the button with ``data`` under the message the bot sent in ``under``."""
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": f"cbq-{user_id}-{data[:8]}",
            "from": _user(user_id),
            "chat_instance": "-4417093402834",
            "data": data,
            "message": {
                "message_id": 501,
                "date": NOW,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "申报助手"},
                "chat": {"id": user_id, "type": "private", "first_name": "张"},
                "text": under.parameters["text"],
                "reply_markup": under.parameters["reply_markup"],
            },
        },
    }


def buttons(call: ApiCall) -> list[dict[str, Any]]:
    return [button for row in call.parameters["reply_markup"]["inline_keyboard"] for button in row]


def run(dialogue: DialogueHandler, *updates: dict[str, Any]) -> RecordingRequest:
    """Initialises an Application on the recording request layer and processes ``updates`` in order."""
    request = RecordingRequest()

    async def process() -> None:
        application = build_application(
            dialogue, TOKEN, request=request, get_updates_request=RecordingRequest()
        )
        async with application:
            for data in updates:
                await application.process_update(Update.de_json(data, application.bot))

    asyncio.run(process())
    return request


# --- tests ------------------------------------------------------------------------------------------


def test_initialising_asks_telegram_who_the_bot_is() -> None:
    request = run(FakeDialogue())
    assert [call.method for call in request.calls] == ["getMe"]


def test_a_text_message_reaches_the_dialogue_and_the_answer_is_sent_with_its_citations() -> None:
    citation = SourceRef(
        title="关于开展2025年青海省用户满意服务明星申报的通知", section="四、申报时间", quote="…"
    )
    dialogue = FakeDialogue(respond=lambda _: [Reply(text="截止时间为2025年8月31日。", citations=[citation])])
    update = text_update(4242, "申报截止到哪天？")
    request = run(dialogue, update)

    assert dialogue.received == [
        Incoming(
            channel="telegram",
            user_id="4242",
            text="申报截止到哪天？",
            kind="text",
            message_id=str(update["update_id"]),
        )
    ]
    (sent,) = request.sent("sendMessage")
    assert sent.parameters["chat_id"] == 4242
    assert sent.parameters["text"] == (
        "截止时间为2025年8月31日。\n出处：《关于开展2025年青海省用户满意服务明星申报的通知》四、申报时间"
    )
    assert "reply_markup" not in sent.parameters


def test_commands_are_forwarded_as_text_without_the_bot_name() -> None:
    dialogue = FakeDialogue()
    run(dialogue, text_update(1, "/assess qinghai-2025-star"), text_update(1, "/help@applicant_test_bot"))
    assert [incoming.text for incoming in dialogue.received] == ["/assess qinghai-2025-star", "/help"]


def test_choices_become_an_inline_keyboard_and_a_press_sends_the_choice_text() -> None:
    choices = [
        Choice(label="10分", send="10"),
        Choice(label="8分", send="8"),
        Choice(label="退出", send="/cancel"),
    ]

    def respond(incoming: Incoming) -> list[Reply]:
        return (
            [Reply(text="第1项：服务态度（满分10分）", choices=choices)]
            if incoming.text == "/assess x"
            else []
        )

    dialogue = FakeDialogue(respond=respond)
    request = run(dialogue, text_update(9, "/assess x"))
    (keyboard_message,) = request.sent("sendMessage")
    assert [button["text"] for button in buttons(keyboard_message)] == ["10分", "8分", "退出"]

    press = callback_update(9, keyboard_message, buttons(keyboard_message)[1]["callback_data"])
    request = run(dialogue, press)
    assert dialogue.received[-1] == Incoming(
        channel="telegram", user_id="9", text="8", message_id=str(press["update_id"])
    )
    (answered,) = request.sent("answerCallbackQuery")
    assert answered.parameters["callback_query_id"] == press["callback_query"]["id"]


def test_a_choice_too_long_for_callback_data_is_sent_whole() -> None:
    long_send = "我想先了解一下申报条件、截止时间和需要提交的全部材料清单"  # 3 bytes a character: > 64 bytes
    assert len(long_send.encode()) > 64
    store = CallbackDataStore()
    dialogue = FakeDialogue(
        respond=lambda _: [Reply(text="您想做什么？", choices=[Choice(label="了解", send=long_send)])]
    )
    request = RecordingRequest()

    async def process() -> None:
        application = build_application(dialogue, TOKEN, request=request, store=store)
        async with application:
            await application.process_update(Update.de_json(text_update(5, "你好"), application.bot))
            (keyboard_message,) = request.sent("sendMessage")
            (button,) = buttons(keyboard_message)
            assert len(button["callback_data"].encode()) <= 64
            await application.process_update(
                Update.de_json(callback_update(5, keyboard_message, button["callback_data"]), application.bot)
            )

    asyncio.run(process())
    assert dialogue.received[-1].text == long_send


def test_an_unknown_long_callback_key_falls_back_to_the_button_label() -> None:
    """After a restart the in-memory keys are gone: the press sends the label the user saw."""
    long_send = "我想先了解一下申报条件、截止时间和需要提交的全部材料清单"
    dialogue = FakeDialogue(
        respond=lambda _: [Reply(text="您想做什么？", choices=[Choice(label="了解条件", send=long_send)])]
    )
    request = run(dialogue, text_update(6, "你好"))
    (keyboard_message,) = request.sent("sendMessage")
    (button,) = buttons(keyboard_message)

    run(
        dialogue, callback_update(6, keyboard_message, button["callback_data"])
    )  # a new Application: new store
    assert dialogue.received[-1].text == "了解条件"


def test_rating_buttons_become_a_rating_and_leave_the_message() -> None:
    dialogue = FakeDialogue(
        respond=lambda incoming: (
            [Reply(text="谢谢您的评价！")] if incoming.rating else [Reply(text="答案。", rating_id=31)]
        )
    )
    request = run(dialogue, text_update(12, "奖金有多少"))
    (answer,) = request.sent("sendMessage")
    labels = {button["text"]: button["callback_data"] for button in buttons(answer)}
    assert set(labels) == {"👍 有用", "👎 没用"}

    request = run(dialogue, callback_update(12, answer, labels["👎 没用"]))
    assert dialogue.received[-1].rating == (31, "useless")
    assert dialogue.received[-1].user_id == "12"
    (answered,) = request.sent("answerCallbackQuery")
    assert "text" not in answered.parameters  # no pop-up: the dialogue's reply is the one thanks
    assert [m.parameters["text"] for m in request.sent("sendMessage")] == ["谢谢您的评价！"]
    (edited,) = request.sent("editMessageReplyMarkup")
    assert "reply_markup" not in edited.parameters  # the only row was the rating row: no keyboard is left


def test_links_become_url_buttons_or_lines() -> None:
    links = [Link(label="官网", url="https://www.qhzl.org.cn/"), Link(label="电话", url="0971-1234567")]
    request = run(
        FakeDialogue(respond=lambda _: [Reply(text="联系协会：", links=links)]), text_update(3, "怎么联系")
    )
    (sent,) = request.sent("sendMessage")
    assert sent.parameters["text"] == "联系协会：\n电话：0971-1234567"
    assert buttons(sent) == [{"text": "官网", "url": "https://www.qhzl.org.cn/"}]


def test_an_attachment_is_sent_as_a_document_with_its_name_and_bytes() -> None:
    data = b"PK\x03\x04 pretend docx bytes \x00\xff"
    form = Attachment(
        filename="青海2025服务明星自评表.docx",
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        data=data,
    )
    request = run(
        FakeDialogue(respond=lambda _: [Reply(text="自评表已生成。", attachments=[form])]),
        text_update(8, "/confirm"),
    )
    assert [call.method for call in request.calls] == ["getMe", "sendMessage", "sendDocument"]
    (document,) = request.sent("sendDocument")
    assert document.parameters["chat_id"] == 8
    filename, content, _media_type = document.files["document"]
    assert filename == "青海2025服务明星自评表.docx"
    assert content == data


def test_a_long_reply_is_split_under_the_limit_in_order_with_buttons_on_the_last_part() -> None:
    lines = [f"第{number}行：申报材料须真实、完整，按通知要求装订成册。" for number in range(400)]
    text = "\n".join(lines)
    assert len(text) > 10_000
    reply = Reply(text=text, choices=[Choice(label="继续", send="继续")])
    request = run(FakeDialogue(respond=lambda _: [reply]), text_update(2, "材料要求"))

    parts = [call.parameters["text"] for call in request.sent("sendMessage")]
    assert len(parts) >= 3
    assert all(len(part.encode("utf-16-le")) // 2 <= TELEGRAM_MESSAGE_LIMIT for part in parts)
    assert "\n".join(parts) == text  # cut at line breaks only
    markups = [call.parameters.get("reply_markup") for call in request.sent("sendMessage")]
    assert all(markup is None for markup in markups[:-1]) and markups[-1] is not None


def test_splitting_a_text_without_line_breaks_never_cuts_a_character() -> None:
    text = (
        "申" * 5000 + "👍🏽" * 3000 + "é" * 10
    )  # astral emoji with a skin-tone modifier; e + combining accent
    parts = split_message(text)
    assert "".join(parts) == text
    assert all(len(part.encode("utf-16-le")) // 2 <= TELEGRAM_MESSAGE_LIMIT for part in parts)
    assert all(not part.startswith(("\U0001f3fd", "\u0301")) for part in parts)


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (
            {
                "photo": [
                    {
                        "file_id": "AgACAgUAAxk",
                        "file_unique_id": "p1",
                        "width": 90,
                        "height": 67,
                        "file_size": 1432,
                    }
                ]
            },
            "image",
        ),
        (
            {
                "sticker": {
                    "file_id": "CAACAgIAAxk",
                    "file_unique_id": "s1",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "😀",
                }
            },
            "sticker",
        ),
        (
            {
                "voice": {
                    "file_id": "AwACAgUAAxk",
                    "file_unique_id": "v1",
                    "duration": 3,
                    "mime_type": "audio/ogg",
                }
            },
            "voice",
        ),
        (
            {
                "document": {
                    "file_id": "BQACAgUAAxk",
                    "file_unique_id": "d1",
                    "file_name": "a.pdf",
                    "mime_type": "application/pdf",
                }
            },
            "file",
        ),
        ({"location": {"latitude": 36.62, "longitude": 101.78}}, "location"),
    ],
)
def test_other_message_types_reach_the_dialogue_with_their_kind(content: dict[str, Any], kind: str) -> None:
    dialogue = FakeDialogue(
        respond=lambda incoming: [Reply(text=f"暂时只能处理文字消息（{incoming.kind}）。")]
    )
    request = run(dialogue, message_update(77, **content))
    assert [incoming.kind for incoming in dialogue.received] == [kind]
    assert request.sent("sendMessage")[0].parameters["text"] == f"暂时只能处理文字消息（{kind}）。"


def test_a_photo_caption_is_the_text() -> None:
    dialogue = FakeDialogue()
    photo = [{"file_id": "AgACAgUAAxk", "file_unique_id": "p1", "width": 90, "height": 67}]
    run(dialogue, message_update(78, photo=photo, caption="这是我的证书"))
    assert (dialogue.received[0].kind, dialogue.received[0].text) == ("image", "这是我的证书")


def test_a_failing_dialogue_gets_a_chinese_apology_and_nothing_escapes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def respond(incoming: Incoming) -> list[Reply]:
        raise RuntimeError("database is gone")

    request = run(FakeDialogue(respond=respond), text_update(13, "你好"), text_update(13, "还在吗"))
    assert [call.parameters["text"] for call in request.sent("sendMessage")] == [APOLOGY, APOLOGY]
    assert "database is gone" in caplog.text


def test_an_update_the_adapter_cannot_read_still_gets_the_apology(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(message: object) -> str:
        raise ValueError("a message type from a newer Bot API")

    monkeypatch.setattr(telegram_adapter, "message_kind", unreadable)
    dialogue = FakeDialogue()
    request = run(dialogue, text_update(15, "你好"))
    assert dialogue.received == []
    assert [call.parameters["text"] for call in request.sent("sendMessage")] == [APOLOGY]


def test_an_empty_reply_sends_nothing() -> None:
    request = run(FakeDialogue(respond=lambda _: [Reply(text="")]), text_update(14, "……"))
    assert request.sent("sendMessage") == []


def test_a_slow_user_does_not_delay_another_user() -> None:
    other_user_answered = threading.Event()
    seen_by_slow_user: list[bool] = []

    def respond(incoming: Incoming) -> list[Reply]:
        if incoming.user_id == "100":
            # Blocks until user 200 has been answered: if 200 waited behind 100, this would time out.
            seen_by_slow_user.append(other_user_answered.wait(timeout=5))
        else:
            other_user_answered.set()
        return [Reply(text=f"答复{incoming.user_id}")]

    dialogue = FakeDialogue(respond=respond)
    request = RecordingRequest()

    async def process() -> None:
        application = build_application(dialogue, TOKEN, request=request)
        async with application:
            slow = Update.de_json(text_update(100, "慢"), application.bot)
            quick = Update.de_json(text_update(200, "快"), application.bot)
            await asyncio.gather(application.process_update(slow), application.process_update(quick))

    asyncio.run(process())
    assert seen_by_slow_user == [True]
    assert sorted(call.parameters["text"] for call in request.sent("sendMessage")) == ["答复100", "答复200"]


def test_one_users_messages_are_answered_in_order() -> None:
    spans: dict[str, tuple[float, float]] = {}

    def respond(incoming: Incoming) -> list[Reply]:
        start = time.monotonic()
        if incoming.text == "第一条":
            time.sleep(0.3)
        spans[incoming.text] = (start, time.monotonic())
        return [Reply(text=incoming.text)]

    request = RecordingRequest()

    async def process() -> None:
        application = build_application(FakeDialogue(respond=respond), TOKEN, request=request)
        async with application:
            first = Update.de_json(text_update(300, "第一条"), application.bot)
            second = Update.de_json(text_update(300, "第二条"), application.bot)
            await asyncio.gather(application.process_update(first), application.process_update(second))

    asyncio.run(process())
    assert spans["第二条"][0] >= spans["第一条"][1]
    assert [call.parameters["text"] for call in request.sent("sendMessage")] == ["第一条", "第二条"]


def test_the_real_dialogue_over_telegram_from_a_question_to_the_completed_form(tmp_path: Path) -> None:
    """The adapter in front of the real dialogue and store: the buttons it shows work when pressed, and
    the completed form arrives as a document."""
    from datetime import date

    from conversations import Dialogue, Store
    from tests.conversations.conftest import CannedAnswerer

    dialogue = Dialogue(
        Store(f"sqlite:///{tmp_path / 'store.sqlite3'}"),
        CannedAnswerer({"截止": "材料申报截止日期为2025年8月25日。"}),
        today=lambda: date(2025, 8, 1),
    )
    request = run(dialogue, text_update(77, "截止日期是哪天？"))
    (answer,) = request.sent("sendMessage")
    assert "2025年8月25日" in answer.parameters["text"] and "出处：《测试通知》" in answer.parameters["text"]
    assert {button["text"] for button in buttons(answer)} == {"👍 有用", "👎 没用"}

    request = run(dialogue, text_update(77, "/assess"))
    (menu,) = request.sent("sendMessage")
    star = next(button for button in buttons(menu) if "服务之星自评表（个人）" in button["text"])
    request = run(dialogue, callback_update(77, menu, star["callback_data"]))
    assert any("第1/7项" in m.parameters["text"] for m in request.sent("sendMessage"))

    scores = ["9分", "14分", "15分", "10分", "10分", "20分", "20分", "确认", "张三", "跳过", "跳过"]
    request = run(dialogue, *(text_update(77, text) for text in scores))
    (document,) = request.sent("sendDocument")
    filename, content, _media_type = document.files["document"]
    assert filename.endswith(".docx") and content[:2] == b"PK"  # a .docx is a zip
