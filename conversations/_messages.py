"""The channel-neutral messages: what a channel hands the dialogue, and what it gets back.

A channel adapter turns its own input (a Telegram update, a WeChat XML message, a console line) into an
`Incoming`, calls `Dialogue.handle`, and turns each `Reply` into its own output: buttons for `choices`
where it has them, a document for an `Attachment`, rating buttons under a reply with `rating_id`.
`Reply.plain_text()` is the whole reply for channels that only show text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

IncomingKind = Literal["text", "image", "voice", "video", "sticker", "file", "location", "other"]
Rating = Literal["useful", "useless"]

# What a text-only channel shows under an answer; the same words are read back as the rating.
RATING_PROMPT = "这个回答有用吗？回复“1 有用”或“2 没用”。"


class Incoming(BaseModel):
    """One message from one user of one channel."""

    model_config = ConfigDict(frozen=True)

    channel: str = Field(min_length=1, max_length=32)  # "console", "telegram", "wechat"
    user_id: str = Field(min_length=1, max_length=128)  # the channel's own id of the user
    text: str = ""
    kind: IncomingKind = "text"
    # The channel's id of this message (WeChat MsgId, Telegram update id): a retried delivery with the
    # same id is answered from the stored replies instead of being handled twice.
    message_id: str | None = Field(default=None, max_length=128)
    # A rating button pressed under an answer (Telegram's inline buttons): (question log id, rating).
    rating: tuple[int, Rating] | None = None


class Choice(BaseModel):
    """A quick reply: `label` is shown on the button, `send` is the message pressing it sends."""

    model_config = ConfigDict(frozen=True)

    label: str
    send: str


class Attachment(BaseModel):
    """A file for the user, such as the completed self-assessment form."""

    # base64 in JSON: replies are stored as JSON (a redelivered message gets them again).
    model_config = ConfigDict(frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

    filename: str
    media_type: str
    data: bytes = Field(repr=False)


class Link(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    url: str


class SourceRef(BaseModel):
    """A citation under an answer: the notice, its section and the quoted passage."""

    model_config = ConfigDict(frozen=True)

    title: str
    section: str
    quote: str = ""
    file: str = ""

    def line(self) -> str:
        where = f"《{self.title}》{self.section}" if self.section else f"《{self.title}》"
        return where


class Reply(BaseModel):
    """One message to the user."""

    model_config = ConfigDict(frozen=True)

    text: str
    choices: list[Choice] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    citations: list[SourceRef] = Field(default_factory=list)
    # Set under an answer from the notices: the question log entry a rating of this reply lands on.
    rating_id: int | None = None

    def plain_text(self, *, with_choices: bool = True) -> str:
        """The reply as one text, for channels without buttons (console, WeChat)."""
        parts = [self.text]
        if self.citations:
            parts.append("出处：" + "；".join(citation.line() for citation in self.citations))
        if with_choices and self.choices and not _choices_listed(self.text, self.choices):
            parts.append(_choices_text(self.choices))
        parts.extend(f"{link.label}：{link.url}" for link in self.links)
        if self.rating_id is not None:
            parts.append(RATING_PROMPT)
        return "\n".join(part for part in parts if part)


def _choices_listed(text: str, choices: list[Choice]) -> bool:
    """Whether the reply's text already shows every choice (the rubric steps number their own)."""
    return all(choice.label in text for choice in choices)


def _choices_text(choices: list[Choice]) -> str:
    if all(choice.send == choice.label for choice in choices):  # 是 / 否 / 8分: the label is the reply
        return "可回复：" + "、".join(choice.label for choice in choices)
    return "\n".join(f"{choice.label}：回复“{choice.send}”" for choice in choices)
