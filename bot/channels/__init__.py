"""Channel adapters: each turns its platform's messages into `conversations.Incoming` and back.

The adapters' platform libraries are optional extras, so this package imports them only when one of
their names is used: ``import bot.channels`` never needs python-telegram-bot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.channels._passive import PassiveOutcome, PassiveWindow, PushRefused, PushSender

if TYPE_CHECKING:
    from bot.channels.telegram import (
        TELEGRAM_CHANNEL,
        TELEGRAM_MESSAGE_LIMIT,
        CallbackDataStore,
        DialogueHandler,
        TelegramAdapter,
        build_application,
        split_message,
    )

__all__ = [
    "TELEGRAM_CHANNEL",
    "TELEGRAM_MESSAGE_LIMIT",
    "CallbackDataStore",
    "DialogueHandler",
    "PassiveOutcome",
    "PassiveWindow",
    "PushRefused",
    "PushSender",
    "TelegramAdapter",
    "build_application",
    "split_message",
]


def __getattr__(name: str) -> Any:
    if name in __all__ and name not in globals():  # a Telegram name: import python-telegram-bot now
        from bot.channels import telegram

        return getattr(telegram, name)
    raise AttributeError(f"module 'bot.channels' has no attribute {name!r}")
