"""The WeChat platform's side of a 公众号 webhook: signed message deliveries with WeChat's retries.

WeChat POSTs each user message to the account's URL (``?signature=&timestamp=&nonce=``, signature =
sha1 of the sorted token, timestamp and nonce; safe mode adds ``encrypt_type=aes&msg_signature=`` and
sends ``<Encrypt>``). It waits 5 s for the answer; without one it cuts the connection and sends the same
message again (same MsgId, fresh timestamp and nonce), up to three more times. The first complete
answer within 5 s is what the user sees: an XML text message, or nothing for "success"/an empty body.

`WeChatPlatform` does that, and also injects the retry WeChat makes when an answer was lost on the way
back: with probability `lost_response_rate` an in-time answer is dropped (the server sent it, the user
never sees it) and the message is delivered again.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from itertools import count

import httpx

from benchmarks.wechat._fake_api import FakeWeChatAPI

TIMEOUT_S = 5.0  # WeChat cuts the connection after 5 s
RETRIES = 3  # and then delivers the message again, three times at most ("总共重试三次")
ACCOUNT = "gh_applicant_bot"  # ToUserName: the 公众号's original id


# The platform side is written again here from WeChat's documentation, not imported from the bot's
# adapter (bot.channels.wechat.sign/cdata): a simulator sharing the bot's code would agree with its bugs.
def signature(*parts: str) -> str:
    """WeChat's signature: sha1 of the parts sorted and joined (token, timestamp, nonce[, encrypt])."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def cdata(text: str) -> str:
    """A CDATA section holding `text`, even when it contains ``]]>``."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_message_xml(openid: str, content: str, msg_id: str, create_time: int, account: str = ACCOUNT) -> str:
    return (
        f"<xml><ToUserName>{cdata(account)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content><MsgId>{msg_id}</MsgId></xml>"
    )


@dataclass
class Attempt:
    """One HTTP delivery of a message."""

    latency_s: float
    status: int | None  # None: no answer within the timeout (WeChat cut the connection)
    shown: str | None = None  # the text of a passive reply that was shown
    lost: bool = False  # an in-time answer dropped on its way back (injected)
    error: str = ""


@dataclass
class Delivery:
    """One user message and what WeChat made of it."""

    openid: str
    msg_id: str
    content: str
    sent_at: float  # time.time() of the first attempt
    attempts: list[Attempt] = field(default_factory=list)
    shown: str | None = None  # the passive reply the user saw (None: nothing)
    shown_at: float | None = None

    @property
    def acknowledged(self) -> bool:
        """The bot answered in time (a reply or "success"), so WeChat stopped retrying."""
        return any(a.status == 200 and not a.lost for a in self.attempts)


class WeChatPlatform:
    """Delivers users' messages to the bot's ``/wechat`` URL as WeChat does."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        app_id: str = "wx-bench",
        aes_key: str | None = None,
        api: FakeWeChatAPI | None = None,
        timeout_s: float = TIMEOUT_S,
        retries: int = RETRIES,
        lost_response_rate: float = 0.0,
        seed: int = 0,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = url
        self.token = token
        self.app_id = app_id
        self.api = api
        self.timeout_s = timeout_s
        self.retries = retries
        self.lost_response_rate = lost_response_rate
        self._random = random.Random(seed)
        self._crypto = _crypto(token, aes_key, app_id) if aes_key else None
        self._client = client or httpx.Client(
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=256),
            trust_env=False,  # loopback: never through a proxy from the environment
        )
        self._ids = count(int(time.time() * 1000) * 1000)
        self._lock = threading.Lock()
        self.deliveries: list[Delivery] = []

    @property
    def safe_mode(self) -> bool:
        return self._crypto is not None

    def close(self) -> None:
        self._client.close()

    def new_msg_id(self) -> str:
        with self._lock:
            return str(next(self._ids))

    # --- URL verification ---------------------------------------------------------------------------

    def verify_url(self, echostr: str | None = None) -> httpx.Response:
        """The GET WeChat sends when the URL is configured; the bot must echo `echostr`."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        params = {
            "signature": signature(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr or secrets.token_hex(10),
        }
        return self._client.get(self.url, params=params)

    # --- messages -------------------------------------------------------------------------------------

    def send_text(self, openid: str, content: str, msg_id: str | None = None) -> Delivery:
        """Deliver one text message with WeChat's timeout and retries; blocks until WeChat is done."""
        msg_id = msg_id or self.new_msg_id()
        if self.api is not None:
            self.api.user_messaged(openid)
        delivery = Delivery(openid, msg_id, content, sent_at=time.time())
        body = text_message_xml(openid, content, msg_id, int(delivery.sent_at))
        for number in range(self.retries + 1):
            attempt = self._attempt(body, openid)
            delivery.attempts.append(attempt)
            if attempt.status is None:
                continue  # WeChat's 5-second cut: deliver again at once
            last = number == self.retries
            if attempt.status == 200 and not last and self._random.random() < self.lost_response_rate:
                attempt.lost = True  # the bot answered, the user never got it: WeChat delivers again
                time.sleep(self._random.uniform(0.05, 1.0))
                continue
            if attempt.status == 200 and attempt.shown is not None:
                delivery.shown = attempt.shown
                delivery.shown_at = time.time()
            break  # an answer (or an error page) ends WeChat's retries
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    def _attempt(self, message_xml: str, openid: str) -> Attempt:
        params, body = self._signed(message_xml)
        started = time.perf_counter()
        try:
            response = self._client.post(
                self.url,
                params=params,
                content=body.encode("utf-8"),
                headers={"Content-Type": "text/xml; charset=utf-8"},
            )
        except httpx.TimeoutException:
            return Attempt(latency_s=time.perf_counter() - started, status=None, error="timeout")
        except httpx.TransportError as error:  # refused/reset: a worker died mid-request
            return Attempt(latency_s=time.perf_counter() - started, status=None, error=type(error).__name__)
        latency = time.perf_counter() - started
        if latency > self.timeout_s:
            return Attempt(latency_s=latency, status=None, error="late")
        attempt = Attempt(latency_s=latency, status=response.status_code)
        if response.status_code == 200:
            try:
                attempt.shown = self.passive_text(response.text, openid)
            except Exception as error:  # WeChat shows nothing for a reply it cannot read
                attempt.error = f"unreadable reply: {error}"
        return attempt

    def _signed(self, message_xml: str) -> tuple[dict[str, str], str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        params = {
            "signature": signature(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        if self._crypto is None:
            return params, message_xml
        sealed = ET.fromstring(self._crypto.encrypt_message(message_xml, nonce, timestamp))
        encrypt = sealed.findtext("Encrypt") or ""
        params.update(encrypt_type="aes", msg_signature=sealed.findtext("MsgSignature") or "")
        return (
            params,
            f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>",
        )

    def passive_text(self, body: str, openid: str) -> str | None:
        """What WeChat shows `openid` for a passive reply body: its text, or None for "success"/empty."""
        if body.strip() in ("", "success"):
            return None
        root = ET.fromstring(body)
        if self._crypto is not None:
            plain = self._crypto.decrypt_message(
                body, root.findtext("MsgSignature"), root.findtext("TimeStamp"), root.findtext("Nonce")
            )
            root = ET.fromstring(plain)
        if root.findtext("MsgType") != "text":
            raise ValueError(f"passive reply of type {root.findtext('MsgType')!r}: only text is expected")
        if root.findtext("ToUserName") != openid:
            raise ValueError("passive reply addressed to another user")
        return root.findtext("Content") or ""


def _crypto(token: str, aes_key: str, app_id: str):  # type: ignore[no-untyped-def]
    from wechatpy.crypto import WeChatCrypto  # the `wechat` extra; plaintext mode does not need it

    return WeChatCrypto(token, aes_key, app_id)
