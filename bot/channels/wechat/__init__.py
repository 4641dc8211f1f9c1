"""The WeChat 公众号 channel: signed XML webhooks in, `conversations.Reply` as texts out.

- `wechat_router` mounts ``GET/POST /wechat`` on a FastAPI app: URL verification, signature checks
  (constant time, ±300 s timestamps, nonce replay cache), plaintext and safe mode (AES), defensive XML
  parsing, and the passive reply (CDATA-safe, encrypted in safe mode).
- `InboundMessage` maps WeChat's messages and events to `Incoming` (text, recognised voice, menu
  CLICKs) or to an immediate text (welcome on subscribe, a polite reply to images, voice...).
- `render_replies` turns a turn's replies into texts within WeChat's 2048 bytes, with citations,
  choices as text and completed forms as download links (`FormLinker`). The first text goes in the
  passive reply; the passive window pushes the rest through `CustomerServiceClient` (客服消息).

Needs the ``wechat`` extra (wechatpy, defusedxml, FastAPI).
"""

from bot.channels._passive import PushRefused
from bot.channels.wechat._client import (
    CustomerServiceClient,
    WeChatApiError,
    WeChatUnavailable,
)
from bot.channels.wechat._crypto import SafeModeCipher
from bot.channels.wechat._endpoint import (
    APOLOGY,
    SUCCESS,
    PassiveResponder,
    PassiveResult,
    WeChatConfig,
    WeChatEndpoint,
)
from bot.channels.wechat._inbound import WECHAT_CHANNEL, WELCOME, InboundMessage, Route, menu_command
from bot.channels.wechat._render import (
    TEXT_LIMIT_BYTES,
    FormLinker,
    PassiveSplit,
    render_replies,
    split_passive,
    split_text,
)
from bot.channels.wechat._routes import wechat_router
from bot.channels.wechat._security import Rejected, RequestGuard, SignedQuery, sign
from bot.channels.wechat._xml import MAX_BODY_BYTES, cdata, parse_fields, text_reply_xml

__all__ = [
    "APOLOGY",
    "MAX_BODY_BYTES",
    "SUCCESS",
    "TEXT_LIMIT_BYTES",
    "WECHAT_CHANNEL",
    "WELCOME",
    "CustomerServiceClient",
    "FormLinker",
    "InboundMessage",
    "PassiveResponder",
    "PassiveResult",
    "PassiveSplit",
    "PushRefused",
    "Rejected",
    "RequestGuard",
    "Route",
    "SafeModeCipher",
    "SignedQuery",
    "WeChatApiError",
    "WeChatConfig",
    "WeChatEndpoint",
    "WeChatUnavailable",
    "cdata",
    "menu_command",
    "parse_fields",
    "render_replies",
    "sign",
    "split_passive",
    "split_text",
    "text_reply_xml",
    "wechat_router",
]
