"""Getting an answer's texts to the user: composed with what was kept for them, pushed, or kept.

Its own module because this is the part that talks to the platform (`PushSender`) and decides, text by
text, between pushing (within the allowance, with retries) and keeping for the user's next message; the
coordinator only says when. An answer is never dropped: whatever is not pushed is kept.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

from bot.channels._passive._ledger import Ledger
from conversations import Incoming

logger = logging.getLogger(__name__)

KEPT_LEAD = "您上一条消息的回复："


class PushRefused(Exception):
    """The platform will not take this message now (WeChat: allowance used up, or outside 48 h)."""


class PushSender(Protocol):
    def push(self, user_id: str, texts: list[str]) -> None:
        """Send `texts` to `user_id`; `PushRefused` when refused, any other exception is retriable."""
        ...


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """Composes, pushes and keeps; `pusher` None is pull mode (everything kept)."""

    ledger: Ledger
    pusher: PushSender | None
    max_text_bytes: int
    push_attempts: int
    push_backoff_s: float

    def compose(self, incoming: Incoming, fresh: list[str]) -> list[str]:
        """The texts for the user now: what was kept for them first (with a lead line), then `fresh`."""
        kept = self.ledger.take_kept(incoming)
        if not kept:
            return _pack(list(fresh), self.max_text_bytes)
        led = f"{KEPT_LEAD}\n{kept[0]}"
        # Never past the platform's size limit; and never the lead alone, which would show nothing new.
        first = led if len(led.encode("utf-8")) <= self.max_text_bytes else kept[0]
        return _pack([first, *kept[1:], *fresh], self.max_text_bytes)

    def push_or_keep(self, incoming: Incoming, texts: list[str]) -> None:
        for index, text in enumerate(texts):
            if self.pusher is None or not self.ledger.reserve_push(incoming):
                self.ledger.keep(incoming, texts[index:])
                return
            try:
                self._push_with_retries(incoming.user_id, text)
            except PushRefused:
                logger.info("push refused for a %s user: answer kept for the next message", incoming.channel)
                self.ledger.use_up_allowance(incoming)
                self.ledger.keep(incoming, texts[index:])
                return
            except Exception:
                logger.warning("push failed after retries: answer kept for the next message", exc_info=True)
                self.ledger.keep(incoming, texts[index:])
                return

    def _push_with_retries(self, user_id: str, text: str) -> None:
        assert self.pusher is not None
        for attempt in range(1, self.push_attempts + 1):
            try:
                self.pusher.push(user_id, [text])
                return
            except PushRefused:
                raise
            except Exception:
                if attempt == self.push_attempts:
                    raise
                time.sleep(self.push_backoff_s * 2 ** (attempt - 1))


def _pack(texts: list[str], limit: int) -> list[str]:
    """Consecutive texts joined into one message while they fit (fewer pushes, and in pull mode the
    user sees more per message); a text is never split here (the channel's renderer did that)."""
    packed: list[str] = []
    for text in texts:
        if packed and len((packed[-1] + "\n\n" + text).encode("utf-8")) <= limit:
            packed[-1] = packed[-1] + "\n\n" + text
        else:
            packed.append(text)
    return packed
