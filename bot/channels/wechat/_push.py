"""The passive window's push interface (``bot.channels._passive``, the web issue's part).

`PushRefused` must be the window's own class: the window catches it to keep an answer for the user's
next message instead of retrying.
"""

from __future__ import annotations

from bot.channels._passive import PushRefused

__all__ = ["PushRefused"]
