"""Cutting long texts for channels with a message limit, without cutting a character apart."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable


def attaches_to_previous(char: str) -> bool:
    """A combining mark, joiner or variation selector: splitting before it would break a character."""
    return (
        bool(unicodedata.combining(char))
        or char in "\u200d\ufe0e\ufe0f"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
    )


def fitting_prefix(text: str, limit: int, units: Callable[[str], int]) -> int:
    """How many characters of ``text`` fit in ``limit`` (each character counting ``units(char)``: UTF-16
    units for Telegram, UTF-8 bytes for WeChat), not cutting a character or an emoji sequence apart."""
    used = 0
    end = 0
    for char in text:
        used += units(char)
        if used > limit:
            break
        end += 1
    # Step back over marks that belong to the character before the cut (é as e + ◌́, 👍🏽, ZWJ emoji).
    while 0 < end < len(text) and (attaches_to_previous(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    return end or 1
