"""Safe mode (安全模式): the AES envelope of messages and replies, through wechatpy's `PrpCrypto`.

wechatpy does the AES-CBC and the WeChat framing (random prefix, length, AppID suffix); the envelope's
XML and the signatures are ours (see `_xml` and `_security`), because wechatpy parses the outer XML with
xmltodict and compares ``msg_signature`` with ``!=``.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time

from wechatpy.crypto import PrpCrypto

from bot.channels.wechat._security import Rejected, sign
from bot.channels.wechat._xml import encrypted_envelope_xml

AES_KEY_LENGTH = 43  # EncodingAESKey: 32 bytes in base64 without its "=" padding


def aes_key_bytes(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key of an EncodingAESKey; ValueError when it is not one."""
    if len(encoding_aes_key) != AES_KEY_LENGTH:
        raise ValueError(f"the EncodingAESKey has {len(encoding_aes_key)} characters, not {AES_KEY_LENGTH}")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as error:
        raise ValueError("the EncodingAESKey is not base64") from error
    if len(key) != 32:
        raise ValueError("the EncodingAESKey does not decode to 32 bytes")
    return key


class SafeModeCipher:
    """Decrypts a message's ``Encrypt`` field and encrypts a passive reply into its envelope."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self._token = token
        self._key = aes_key_bytes(encoding_aes_key)
        self._app_id = app_id

    def decrypt(self, encrypted: str) -> bytes:
        """The inner XML (UTF-8 bytes) of a message; `Rejected` (400) when it does not decrypt for us."""
        try:
            text: str = PrpCrypto(self._key).decrypt(encrypted, self._app_id)
        except Exception:  # bad base64, padding, length or AppID: wechatpy raises many kinds
            raise Rejected(400, "encrypted body does not decrypt for this AppID") from None
        return text.encode("utf-8")

    def encrypt_reply(self, reply_xml: str, *, now: float | None = None) -> str:
        """The envelope WeChat expects back in safe mode, signed with a fresh nonce."""
        timestamp = str(int(time.time() if now is None else now))
        nonce = secrets.token_hex(8)
        encrypted = PrpCrypto(self._key).encrypt(reply_xml, self._app_id).decode("ascii")
        signature = sign(self._token, timestamp, nonce, encrypted)
        return encrypted_envelope_xml(encrypted, signature, timestamp, nonce)
