"""One WeChat request, synchronously: verify, decrypt, parse, route, answer (the router's core).

Blocking work (the shared state behind the nonce cache, the passive window, which runs the dialogue)
happens here, so the router calls it in a worker thread and the event loop never waits on it.
Every refusal is a `Rejected` with its status; the router logs it once and answers it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.channels.wechat._crypto import SafeModeCipher
from bot.channels.wechat._inbound import InboundMessage
from bot.channels.wechat._render import FormLinker, render_replies, split_passive
from bot.channels.wechat._security import TIMESTAMP_WINDOW_S, Rejected, RequestGuard, SignedQuery
from bot.channels.wechat._xml import parse_fields, text_reply_xml
from bot.settings import Settings
from bot.shared_state import SharedState
from conversations import Incoming, Reply

logger = logging.getLogger(__name__)

# What WeChat accepts as "received, nothing to show": it neither retries nor tells the user anything.
SUCCESS = "success"
APOLOGY = "抱歉，系统暂时出了点问题，这条消息没有处理成功，请稍后再发一次。"
_MAX_ECHOSTR = 256

Render = Callable[[list[Reply]], list[str]]


class PassiveResult(Protocol):
    @property
    def texts(self) -> list[str]: ...

    @property
    def duplicate(self) -> bool: ...


class PassiveResponder(Protocol):
    """The 5-second coordinator (``bot.channels._passive.PassiveWindow``) as this adapter uses it."""

    def respond(self, key: str, incoming: Incoming, render: Render) -> PassiveResult: ...


@dataclass(frozen=True)
class WeChatConfig:
    """The 公众号's server configuration: the token always; AppID and EncodingAESKey for safe mode."""

    token: str | None
    app_id: str | None = None
    aes_key: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> WeChatConfig:
        return cls(
            token=settings.wechat_token.get_secret_value() if settings.wechat_token else None,
            app_id=settings.wechat_app_id,
            aes_key=settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None,
        )

    @property
    def safe_mode(self) -> bool:
        return bool(self.aes_key)


class WeChatEndpoint:
    """Answers GET (URL verification) and POST (messages) of ``/wechat``."""

    def __init__(
        self,
        config: WeChatConfig,
        state: SharedState,
        window: PassiveResponder,
        linker: FormLinker,
        *,
        clock: Callable[[], float] = time.time,
        window_s: float = TIMESTAMP_WINDOW_S,
    ) -> None:
        self._guard = RequestGuard(config.token, state, window_s=window_s, clock=clock)
        self._cipher: SafeModeCipher | None = None
        if config.safe_mode:
            assert config.aes_key is not None
            if not config.token or not config.app_id:
                raise ValueError("WeChat safe mode needs wechat_token and wechat_app_id with wechat_aes_key")
            self._cipher = SafeModeCipher(config.token, config.aes_key, config.app_id)
        self._window = window
        self._linker = linker
        self._clock = clock

    def check_signature(self, params: dict[str, str]) -> SignedQuery:
        """No I/O: run before the body is read, so an unsigned request costs nothing."""
        query = SignedQuery.from_params(params)
        self._guard.check_signature(query)
        return query

    def verify_url(self, params: dict[str, str]) -> str:
        """GET: the echostr back when the request is signed (also in safe mode: only messages are
        encrypted for a 公众号, its URL verification is plaintext)."""
        query = self.check_signature(params)
        echostr = params.get("echostr", "")
        self._guard.claim_nonce(query, echostr.encode("utf-8"))
        if not echostr or len(echostr) > _MAX_ECHOSTR:
            raise Rejected(400, "missing or oversized echostr")
        return echostr

    def handle_message(self, query: SignedQuery, params: dict[str, str], body: bytes) -> str:
        """POST, after `check_signature`: the passive reply's XML, or ``success``."""
        self._guard.claim_nonce(query, body)
        fields = parse_fields(body)
        if self._cipher is not None:
            encrypted = fields.get("Encrypt", "")
            if not encrypted:
                raise Rejected(400, "plaintext message in safe mode")
            self._guard.verify_message_signature(query, params.get("msg_signature", ""), encrypted)
            fields = parse_fields(self._cipher.decrypt(encrypted))
        message = InboundMessage.from_fields(fields)
        text = self._answer(message)
        if text is None:
            return SUCCESS
        reply = text_reply_xml(message.from_user, message.to_user, text, now=self._clock())
        return self._cipher.encrypt_reply(reply, now=self._clock()) if self._cipher else reply

    def _answer(self, message: InboundMessage) -> str | None:
        route = message.route()
        if route.incoming is None:
            if route.reply is not None:
                logger.info("wechat %r message answered without the dialogue", message.kind)
            return route.reply
        user_id = route.incoming.user_id

        def render(replies: list[Reply]) -> list[str]:
            return render_replies(replies, user_id, self._linker)

        try:
            outcome = self._window.respond(route.key, route.incoming, render)
        except Exception:
            logger.exception("the passive window failed on a wechat %r message", message.kind)
            return APOLOGY
        if outcome.duplicate:
            return None
        split = split_passive(outcome.texts)
        if split.rest:  # the window's contract: it pushes or keeps everything but the passive text
            logger.error("the passive window returned %d texts for one passive reply", len(outcome.texts))
        return split.passive
