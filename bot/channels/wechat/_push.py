"""The passive window's push interface (``bot.channels._passive``, the web issue's part).

`PushRefused` must be the window's own class: the window catches it to keep an answer for the user's
next message instead of retrying. Until that module is in this tree, a stand-in of the same name keeps
this package importable and testable; it goes when ``_passive`` lands (see the interface notes).
"""

from __future__ import annotations

try:
    from bot.channels._passive import PushRefused
except ModuleNotFoundError as missing:  # the web issue's module is not merged yet
    if missing.name != "bot.channels._passive":
        raise

    class PushRefused(Exception):  # type: ignore[no-redef]
        """The platform will not take this message now (WeChat: allowance used up, or outside 48 h)."""


__all__ = ["PushRefused"]
