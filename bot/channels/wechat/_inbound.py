"""WeChat's messages and events, as the dialogue sees them (`Incoming`) or answered here at once.

- ``text`` → `Incoming` with the text; its MsgId is the dedupe key.
- ``voice`` with WeChat's speech recognition (``Recognition``, filled when the account has 语音识别
  enabled; empty otherwise) → `Incoming` with the recognised text; without it, a polite reply.
- ``event``/``subscribe`` (also by scanning a QR code) and ``SCAN`` → the welcome text.
- ``event``/``CLICK`` → the menu item's command, by its EventKey (the convention of the menu set up in
  the 公众号 admin): an EventKey that is itself a command ("/assess", "/check 青海2025") is sent as it
  is; ``CMD_<NAME>`` is sent as ``/<name>`` (``CMD_ASSESS`` → "/assess", ``CMD_HELP`` → "/help").
- image, video, shortvideo, location, link, file and any unknown MsgType → a polite text naming what
  was received and what the bot reads; the dialogue is not called.
- other events (unsubscribe, VIEW, LOCATION reports, template receipts...) → no reply ("success").

Events carry no MsgId: their dedupe key is FromUserName + CreateTime + Event (+ EventKey), which
WeChat's retries of the same event repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels.wechat._security import Rejected
from conversations import Incoming

WECHAT_CHANNEL = "wechat"

WELCOME = "\n".join(
    [
        "您好，欢迎关注！我是申报助手，帮您了解质量协会的评优申报（用户满意服务之星、服务明星、"
        "用户满意等级评价等），并完成官方自评。",
        "1. 直接提问：如“申报截止时间是哪天？”“需要准备哪些材料？”，回答来自申报通知原文，并注明出处"
        "（通知名称和条款）。",
        "2. 回复“我能报吗”（/check）：逐条自查申报条件。",
        "3. 回复“我要自评”（/assess）：按官方自评表逐项打分，完成后给出得分汇总和填好的自评表下载链接，"
        "打印后签字盖章即可。",
        "回复“帮助”查看全部用法。",
    ]
)
WHAT_I_READ = "我目前只能读文字：请直接用文字提问，或回复“我能报吗”“我要自评”“帮助”。"
UNKNOWN_MENU = "这个菜单项暂时不可用。" + WHAT_I_READ

_KIND_LABELS = {
    "image": "图片",
    "voice": "语音",
    "video": "视频",
    "shortvideo": "小视频",
    "location": "位置",
    "link": "链接",
    "file": "文件",
}
_WELCOME_EVENTS = {"subscribe", "scan"}
_MENU_COMMAND = re.compile(r"^CMD_([A-Z][A-Z_]*)$")


class InboundMessage(BaseModel):
    """The fields of one WeChat message or event that the bot reads (the rest are ignored)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    to_user: str = Field(alias="ToUserName", min_length=1, max_length=128)  # the account (gh_...)
    from_user: str = Field(alias="FromUserName", min_length=1, max_length=128)  # the user's openid
    create_time: int = Field(alias="CreateTime", ge=0)
    msg_type: str = Field(alias="MsgType", min_length=1, max_length=32)
    msg_id: str | None = Field(default=None, alias="MsgId", max_length=64)
    # No length limit of its own: the body limit bounds it, and a long text is the user's to send.
    content: str = Field(default="", alias="Content")
    recognition: str = Field(default="", alias="Recognition")
    event: str = Field(default="", alias="Event", max_length=64)
    event_key: str = Field(default="", alias="EventKey", max_length=256)

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> InboundMessage:
        """From the parsed XML fields; `Rejected` (400) when a required field is missing or malformed."""
        known = {name: value for name, value in fields.items() if name in _FIELD_NAMES}
        if not known.get("MsgId"):
            known.pop("MsgId", None)
        try:
            return cls.model_validate(known)
        except ValidationError as error:
            where = sorted({str(item["loc"][0]) for item in error.errors() if item["loc"]})
            raise Rejected(400, f"message fields missing or malformed: {', '.join(where)}") from None

    @property
    def kind(self) -> str:
        """The MsgType, lowercased; events as ``event:<name>``."""
        msg_type = self.msg_type.lower()
        return f"event:{self.event.lower()}" if msg_type == "event" else msg_type

    def dedupe_key(self) -> str:
        """One key per message across WeChat's retries: MsgId, or the event's sender, time and name."""
        if self.msg_id:
            return f"wechat:{self.msg_id}"
        parts = [self.from_user, str(self.create_time), self.event.lower()]
        if self.event_key:
            parts.append(self.event_key)
        return "wechat:" + ":".join(parts)

    def route(self) -> Route:
        """What to do with it: hand it to the dialogue, answer at once, or answer nothing."""
        kind = self.kind
        if kind == "text":
            return self._to_dialogue(self.content)
        if kind == "voice" and self.recognition.strip():
            return self._to_dialogue(self.recognition.strip())
        if kind == "voice":
            return Route(reply="收到了您的语音，但这条语音没有识别出文字。" + WHAT_I_READ)
        if kind.startswith("event:"):
            return self._event(kind.removeprefix("event:"))
        label = _KIND_LABELS.get(kind, "这类消息")
        return Route(reply=f"收到了您发来的{label}，但暂时无法读取其内容。" + WHAT_I_READ)

    def _event(self, event: str) -> Route:
        if event in _WELCOME_EVENTS:
            return Route(reply=WELCOME)
        if event == "click":
            command = menu_command(self.event_key)
            return self._to_dialogue(command) if command else Route(reply=UNKNOWN_MENU)
        return Route()

    def _to_dialogue(self, text: str) -> Route:
        incoming = Incoming(
            channel=WECHAT_CHANNEL,
            user_id=self.from_user,
            text=text,
            message_id=self.dedupe_key().removeprefix("wechat:")[:128],
        )
        return Route(incoming=incoming, key=self.dedupe_key())


_FIELD_NAMES = {field.alias for field in InboundMessage.model_fields.values()}


def menu_command(event_key: str) -> str | None:
    """The command a menu CLICK sends (see the module docstring), or None for an unknown EventKey."""
    key = event_key.strip()
    if key.startswith("/") and len(key) > 1:
        return key
    match = _MENU_COMMAND.match(key)
    return "/" + match.group(1).lower() if match else None


@dataclass(frozen=True)
class Route:
    """Exactly one of: `incoming` (with its dedupe `key`) for the dialogue; `reply`, a text to send now;
    neither, nothing to send (WeChat gets "success")."""

    incoming: Incoming | None = None
    key: str = ""
    reply: str | None = None
