"""`Reply` → the texts WeChat shows: a text-only channel with a byte limit and no files.

Each reply becomes its `Reply.plain_text()` (the answer, its "出处：…" citations, "可回复：…" choices,
links, the rating prompt), plus one download link per attachment: a 公众号 cannot send a .docx, so the
completed form arrives as a signed, expiring link (made by the `FormLinker`) beside the plain-text
summary the reply already carries. A text longer than WeChat's 2048 bytes (UTF-8) is split at a line
break, else a sentence end, else a comma or space, never inside a character, and numbered "(1/3)".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.channels._text import fitting_prefix
from conversations import Attachment, Reply

# WeChat refuses a text reply or 客服消息 whose content is over 2048 bytes (UTF-8).
TEXT_LIMIT_BYTES = 2048

FormLinker = Callable[[str, Attachment], str]
"""(user_id, attachment) → an absolute URL where that user can download the attachment."""

_SENTENCE_ENDS = "。！？；!?;…"
_SOFT_BREAKS = "，、,：: "
# "(12/12)\n" is the longest label a split text of any realistic length gets.
_LABEL_ROOM = len("(99/99)\n")


@dataclass(frozen=True)
class PassiveSplit:
    """WeChat takes ONE message in the reply to a request: `passive` goes there (None: reply "success"),
    `rest` must be pushed as 客服消息 or kept for the user's next message."""

    passive: str | None
    rest: list[str]


def split_passive(texts: list[str]) -> PassiveSplit:
    """The first text for the passive reply, the others for 客服消息 (or for later)."""
    return PassiveSplit(passive=texts[0] if texts else None, rest=list(texts[1:]))


def render_replies(replies: list[Reply], user_id: str, linker: FormLinker) -> list[str]:
    """The texts to send for one turn, in order, each within `TEXT_LIMIT_BYTES`; `split_passive` says
    which one goes in the passive reply."""
    texts: list[str] = []
    for reply in replies:
        text = reply_text(reply, user_id, linker)
        if text.strip():
            texts.extend(split_text(text))
    return texts


def reply_text(reply: Reply, user_id: str, linker: FormLinker) -> str:
    lines = [reply.plain_text()]
    for attachment in reply.attachments:
        lines.append(f"下载《{attachment.filename}》：{linker(user_id, attachment)}")
    if reply.attachments:
        lines.append("（链接有时效，过期后回复“/form”可重新获取。）")
    return "\n".join(line for line in lines if line)


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-8 bytes each, numbered "(i/n)" when there are several.

    A cut at a line break drops that line break; otherwise the parts (without their labels) joined
    give the text back.
    """
    if _size(text) <= limit:
        return [text]
    parts = _cut(text, limit - _LABEL_ROOM)
    return [f"({index}/{len(parts)})\n{part}" for index, part in enumerate(parts, start=1)]


def _cut(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    remaining = text
    while _size(remaining) > limit:
        end = fitting_prefix(remaining, limit, _utf8_bytes)
        line_break = remaining.rfind("\n", 0, end + 1)
        if line_break > end // 2:  # a line break not too far back: cut there, and drop it
            parts.append(remaining[:line_break])
            remaining = remaining[line_break + 1 :]
            continue
        cut = _last_boundary(remaining, end, _SENTENCE_ENDS) or _last_boundary(remaining, end, _SOFT_BREAKS)
        cut = cut if cut > end // 2 else end
        parts.append(remaining[:cut])
        remaining = remaining[cut:]
    parts.append(remaining)
    return [part for part in parts if part.strip()]


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _utf8_bytes(char: str) -> int:
    return len(char.encode("utf-8"))


def _last_boundary(text: str, end: int, marks: str) -> int:
    """The index just after the last of ``marks`` before ``end`` (0 when there is none)."""
    return max((text.rfind(mark, 0, end) + 1 for mark in marks), default=0)
