"""WeChat's XML, both ways: untrusted bodies in (parsed defensively), passive replies out (CDATA-safe).

WeChat's messages are one flat ``<xml>`` element of short text fields. The parser refuses anything
else before it can cost us: bodies over the size limit, bytes that are not UTF-8, any DTD (so no
entity expansion — billion laughs — and no external entities — XXE), malformed XML. wechatpy's
``parse_message`` goes through xmltodict, whose entity refusal "fails closed" only since 1.0.1 while
wechatpy accepts any xmltodict from 0.11; so untrusted bytes go through defusedxml with ``forbid_dtd``,
which refuses the DTD itself, whatever else is installed.
"""

from __future__ import annotations

import re
import time
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from bot.channels.wechat._security import Rejected

# WeChat's messages are a few hundred bytes (a text message carries at most 2048 bytes of content);
# safe mode adds base64 (x4/3). 64 KB leaves room and refuses megabyte bodies before reading them.
MAX_BODY_BYTES = 64 * 1024
# Fields of one message: a few dozen at most (events with menus or scan info have the most).
_MAX_FIELDS = 64
_DECLARED_ENCODING = re.compile(r"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']""")


def parse_fields(body: bytes) -> dict[str, str]:
    """The child elements of the root ``<xml>`` as {tag: text}; `Rejected` (400/413/415) otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(413, f"body of {len(body)} bytes is over {MAX_BODY_BYTES}")
    if not body.strip():
        raise Rejected(400, "empty body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(415, "body is not UTF-8") from None
    text = text.removeprefix("\ufeff")
    declared = _DECLARED_ENCODING.match(text)
    if declared and declared.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise Rejected(415, f"body declares encoding {declared.group(1)[:20]!r}")
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise Rejected(400, f"XML with a DTD or entities refused ({type(error).__name__})") from None
    except (ParseError, ValueError):
        raise Rejected(400, "malformed XML") from None
    return _flat_fields(root)


def _flat_fields(root: Element) -> dict[str, str]:
    if root.tag != "xml":
        raise Rejected(400, "root element is not <xml>")
    children = list(root)
    if len(children) > _MAX_FIELDS:
        raise Rejected(400, f"{len(children)} fields is too many")
    # Nested elements (ScanCodeInfo, SendLocationInfo of some menu events) are kept as their text:
    # none of them is read here.
    return {child.tag: (child.text or "").strip() for child in children}


def cdata(text: str) -> str:
    """``text`` as CDATA; a ``]]>`` inside is split across two sections so it cannot end the first."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply_xml(to_user: str, from_user: str, content: str, *, now: float | None = None) -> str:
    """A passive text reply (被动回复文本消息) to ``to_user`` from the account ``from_user``."""
    created = int(time.time() if now is None else now)
    return (
        "<xml>"
        f"<ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{created}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(_xml_chars(content))}</Content>"
        "</xml>"
    )


def encrypted_envelope_xml(encrypted: str, signature: str, timestamp: str, nonce: str) -> str:
    """Safe mode's reply: the encrypted passive reply with its ``MsgSignature``."""
    return (
        "<xml>"
        f"<Encrypt>{cdata(encrypted)}</Encrypt>"
        f"<MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp>"
        f"<Nonce>{cdata(nonce)}</Nonce>"
        "</xml>"
    )


# Characters XML 1.0 cannot carry at all, even in CDATA (control characters other than tab/newline).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_chars(text: str) -> str:
    return _NOT_XML.sub("", text)
