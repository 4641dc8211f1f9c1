"""Applicants as staff see them: a keyed pseudonym instead of a channel id, and no typed numbers.

A pseudonym is HMAC-SHA256(key, channel + ":" + channel_user_id), 8 hex digits: the same applicant gets
the same pseudonym on every page and export, and without the key it cannot be traced back to the id.
"""

from __future__ import annotations

import hmac
import re
from hashlib import sha256

from bot.settings import Settings
from bot.web._secret import data_dir_secret

PSEUDONYM_PREFIX = "申请人-"
PSEUDONYM_SECRET_FILENAME = "pseudonym-secret"
MASK = "[号码已隐去]"
# Seven or more digits, possibly grouped by spaces or dashes (138 1234 5678, 138-1234-5678), with the
# check letter of a 身份证 number: phone, ID and account numbers applicants type into their questions.
_NUMBER = re.compile(r"\d(?:[ \-]?\d){6,}[Xx]?")


class Pseudonyms:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonym key must be at least 16 bytes")
        self._key = key

    def of(self, channel: str, channel_user_id: str) -> str:
        message = f"{channel}:{channel_user_id}".encode()
        return PSEUDONYM_PREFIX + hmac.new(self._key, message, sha256).hexdigest()[:8]


def pseudonym_key(settings: Settings) -> bytes:
    """`pseudonym_secret` when set; else the key created once in ``data_dir/pseudonym-secret``."""
    configured = settings.pseudonym_secret
    if configured is not None and configured.get_secret_value().strip():
        return configured.get_secret_value().strip().encode("utf-8")
    return data_dir_secret(settings, PSEUDONYM_SECRET_FILENAME)


def mask_numbers(text: str) -> str:
    """`text` with every run of 7+ digits replaced by a mark (phone and 身份证 numbers)."""
    return _NUMBER.sub(MASK, text)
