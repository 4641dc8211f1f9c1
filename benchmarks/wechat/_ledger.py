"""Did every user see every answer exactly once? The verdict over what WeChat showed.

A user sees passive replies (`Delivery.shown`) and 客服消息 (`FakeWeChatAPI.messages`). Each message's
answer is what the bot stored for it (the replies of its MsgId). An answer is identified in what the
user saw by two fragments of its text: the head of its first line and the tail of its last line (a
long answer is split into several WeChat messages at line breaks, so each fragment stays whole).

- lost: a MsgId whose answer the user never sees (not passively, not by 客服消息, not in a later
  passive reply), or that the bot never stored an answer for;
- duplicate: an answer shown more often than the messages it answers (the same answer twice).

Fragments are counted as occurrences: what the user saw must hold each fragment exactly as often as
the stored answers do (an answer quoting another one's passage holds it too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from benchmarks.wechat._fake_api import CustomMessage
from benchmarks.wechat._platform import Delivery

FRAGMENT_CHARS = 16


@dataclass(frozen=True)
class Seen:
    """One message on the user's screen."""

    openid: str
    at: float
    via: str  # "passive" | "custom"
    text: str


@dataclass
class Verdict:
    messages: int
    lost: list[str] = field(default_factory=list)  # MsgIds
    duplicates: list[str] = field(default_factory=list)  # the answer fragments shown too often
    unanswered: list[str] = field(default_factory=list)  # MsgIds the store holds no answer for

    @property
    def ok(self) -> bool:
        return not self.lost and not self.duplicates


def fragments(reply_text: str) -> list[str]:
    """The head of the first line and the tail of the last line of a reply's text."""
    lines = [line.strip() for line in reply_text.splitlines() if line.strip()]
    if not lines:
        return []
    head, tail = lines[0][:FRAGMENT_CHARS], lines[-1][-FRAGMENT_CHARS:]
    return [head] if head == tail else [head, tail]


def screens(deliveries: Iterable[Delivery], pushed: Iterable[CustomMessage]) -> dict[str, list[Seen]]:
    """Everything each user saw, oldest first."""
    seen: dict[str, list[Seen]] = {}
    for delivery in deliveries:
        if delivery.shown is not None:
            at = delivery.shown_at or delivery.sent_at
            seen.setdefault(delivery.openid, []).append(Seen(delivery.openid, at, "passive", delivery.shown))
    for message in pushed:
        seen.setdefault(message.openid, []).append(
            Seen(message.openid, message.at, "custom", message.content)
        )
    for items in seen.values():
        items.sort(key=lambda item: item.at)
    return seen


def judge(
    deliveries: Sequence[Delivery],
    pushed: Iterable[CustomMessage],
    answers: Mapping[str, list[str]],
) -> Verdict:
    """`answers`: MsgId -> the texts of the replies the bot stored for it."""
    verdict = Verdict(messages=len(deliveries))
    seen = screens(deliveries, pushed)
    by_user: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_user.setdefault(delivery.openid, []).append(delivery)
    for openid, sent in by_user.items():
        screen = [item.text for item in seen.get(openid, [])]
        replies: list[tuple[str, str]] = []  # (MsgId, reply text)
        for delivery in sent:
            texts = answers.get(delivery.msg_id)
            if not texts:
                verdict.unanswered.append(delivery.msg_id)
                verdict.lost.append(delivery.msg_id)
            replies.extend((delivery.msg_id, text) for text in texts or [])
        pieces = {piece for _, text in replies for piece in fragments(text)}
        # Counted as occurrences, so an answer that quotes another one expects that passage twice.
        expected = Counter({piece: sum(text.count(piece) for _, text in replies) for piece in pieces})
        shown = Counter({piece: sum(text.count(piece) for text in screen) for piece in pieces})
        for msg_id, text in replies:
            if (
                any(shown[piece] < expected[piece] for piece in fragments(text))
                and msg_id not in verdict.lost
            ):
                verdict.lost.append(msg_id)
        verdict.duplicates.extend(
            f"{openid}: {piece}" for piece in expected if shown[piece] > expected[piece]
        )
    return verdict
