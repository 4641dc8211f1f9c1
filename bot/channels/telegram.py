"""The Telegram channel: python-telegram-bot updates in, `conversations.Reply` messages out.

Everything Telegram-specific lives here: the core only sees `Incoming` and answers with `Reply`.
- Text messages and commands are forwarded as text (the core parses ``/help``, ``/assess x``...).
- Photos, stickers, voice, documents... become an `Incoming` of the matching kind, which the core
  answers politely.
- `Reply.choices` become inline buttons; pressing one sends its ``send`` text as the user's message.
- `Reply.rating_id` adds 👍/👎 buttons whose press becomes `Incoming.rating`.
- `Reply.attachments` are sent as documents; long texts are split under Telegram's limit.

The dialogue's ``handle`` is synchronous (database, search): it runs in a worker thread so one slow
user never blocks the event loop, and updates are processed concurrently, one user at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels._text import fitting_prefix
from conversations import Incoming, IncomingKind, Rating, Reply

# The public names are listed once, in bot/channels/__init__.py.

_LOGGER = logging.getLogger(__name__)

TELEGRAM_CHANNEL = "telegram"
# Telegram rejects a message text longer than 4096 characters, counted in UTF-16 code units.
TELEGRAM_MESSAGE_LIMIT = 4096
# Telegram rejects an inline button whose callback_data is longer than 64 bytes (UTF-8).
CALLBACK_DATA_LIMIT = 64

APOLOGY = "抱歉，处理您的消息时出了点问题，请稍后再试。"
EXPIRED_BUTTON = "这个按钮已失效，请直接输入您的回答。"
# Telegram needs some text to carry buttons; used when a reply has buttons but no words.
BUTTONS_ONLY_TEXT = "请选择："

_RATING_LABELS: dict[Rating, str] = {"useful": "👍 有用", "useless": "👎 没用"}
_RATING_CODES: dict[Rating, str] = {"useful": "u", "useless": "x"}
_RATINGS_BY_CODE: dict[str, Rating] = {code: rating for rating, code in _RATING_CODES.items()}

# callback_data prefixes: the text itself, a key of CallbackDataStore, a rating.
_TEXT_PREFIX = "t:"
_KEY_PREFIX = "k:"
_RATING_PREFIX = "r:"

# Labels this short fit several to a row (scores such as "8分", "是"/"否"); longer ones get a row each.
_SHORT_LABEL = 8
_SHORT_LABELS_PER_ROW = 4

_Context = ContextTypes.DEFAULT_TYPE


class DialogueHandler(Protocol):
    """The dialogue core as the adapter sees it: synchronous and safe to call from several threads."""

    def handle(self, incoming: Incoming) -> list[Reply]: ...


class CallbackDataStore:
    """Maps a choice's ``send`` text to callback_data of at most 64 bytes, and back.

    Telegram limits callback_data to 64 bytes and a Chinese character is 3 bytes in UTF-8, so a choice
    like "我想先了解申报条件和截止时间" does not fit. A short send text travels in the button itself;
    a longer one is kept here under a hash key. The store is in memory and bounded (least recently
    used keys are dropped), so after a restart or eviction a key is unknown: the press then falls back
    to re-sending the button's label, which the core reads like a typed answer.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._sends: OrderedDict[str, str] = OrderedDict()

    def encode(self, send: str) -> str:
        inline = _TEXT_PREFIX + send
        if len(inline.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            return inline
        # The same text always gets the same key, so repeated keyboards do not fill the store.
        key = _KEY_PREFIX + hashlib.sha256(send.encode("utf-8")).hexdigest()[:24]
        self._sends[key] = send
        self._sends.move_to_end(key)
        while len(self._sends) > self._capacity:
            self._sends.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        """The send text of a choice button's callback_data, or None when it is unknown."""
        if data.startswith(_TEXT_PREFIX):
            return data[len(_TEXT_PREFIX) :]
        if data.startswith(_KEY_PREFIX):
            send = self._sends.get(data)
            if send is not None:
                self._sends.move_to_end(data)
            return send
        return None


def rating_callback_data(rating_id: int, rating: Rating) -> str:
    return f"{_RATING_PREFIX}{rating_id}:{_RATING_CODES[rating]}"


def parse_rating(data: str) -> tuple[int, Rating] | None:
    if not data.startswith(_RATING_PREFIX):
        return None
    rating_id, _, code = data[len(_RATING_PREFIX) :].partition(":")
    rating = _RATINGS_BY_CODE.get(code)
    if rating is None or not rating_id.isdigit():
        return None
    return int(rating_id), rating


# --- long texts ------------------------------------------------------------------------------------


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units, not cutting a character apart."""
    return fitting_prefix(text, limit, _utf16_units)


def split_message(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-16 units, cut at line breaks where possible.

    A cut at a line break drops that line break (the message boundary shows it); otherwise the parts
    joined give the text back. Blank parts are left out: Telegram rejects an empty message.
    """
    parts: list[str] = []
    remaining = text
    while _utf16_length(remaining) > limit:
        end = _fitting_prefix(remaining, limit)
        line_break = remaining.rfind("\n", 0, end + 1)
        if line_break > 0:
            parts.append(remaining[:line_break])
            remaining = remaining[line_break + 1 :]
        else:
            parts.append(remaining[:end])
            remaining = remaining[end:]
    parts.append(remaining)
    return [part for part in parts if part.strip()]


# --- replies --------------------------------------------------------------------------------------


def reply_text(reply: Reply) -> str:
    """The reply's text with its citations and (non-button) links as lines under it."""
    lines = [reply.text] if reply.text else []
    lines.extend(f"出处：{citation.line()}" for citation in reply.citations)
    lines.extend(f"{link.label}：{link.url}" for link in reply.links if not _is_web_url(link.url))
    return "\n".join(lines)


def _is_web_url(url: str) -> bool:
    # Telegram accepts only http(s) and tg:// URLs on buttons; anything else stays a text line.
    return url.startswith(("https://", "http://"))


def _rows(buttons: list[InlineKeyboardButton], short: bool) -> list[list[InlineKeyboardButton]]:
    width = _SHORT_LABELS_PER_ROW if short else 1
    return [buttons[start : start + width] for start in range(0, len(buttons), width)]


def reply_markup(reply: Reply, store: CallbackDataStore) -> InlineKeyboardMarkup | None:
    """Choices, then the rating buttons, then link buttons; None when the reply has none."""
    keyboard: list[list[InlineKeyboardButton]] = []
    choice_buttons = [
        InlineKeyboardButton(choice.label, callback_data=store.encode(choice.send))
        for choice in reply.choices
    ]
    short = all(len(choice.label) <= _SHORT_LABEL for choice in reply.choices)
    keyboard.extend(_rows(choice_buttons, short))
    if reply.rating_id is not None:
        keyboard.append(
            [
                InlineKeyboardButton(label, callback_data=rating_callback_data(reply.rating_id, rating))
                for rating, label in _RATING_LABELS.items()
            ]
        )
    keyboard.extend(
        [InlineKeyboardButton(link.label, url=link.url)] for link in reply.links if _is_web_url(link.url)
    )
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def _without_rating_buttons(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    if markup is None:
        return None
    rows = [
        [
            button
            for button in row
            if not (isinstance(button.callback_data, str) and button.callback_data.startswith(_RATING_PREFIX))
        ]
        for row in markup.inline_keyboard
    ]
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


# --- incoming -------------------------------------------------------------------------------------


def message_kind(message: Message) -> IncomingKind:
    """The `Incoming.kind` of a Telegram message."""
    if message.text is not None:
        return "text"
    if message.photo:
        return "image"
    if message.sticker is not None:
        return "sticker"
    if message.voice is not None or message.audio is not None:
        return "voice"
    if message.video is not None or message.video_note is not None or message.animation is not None:
        return "video"
    if message.document is not None:
        # An image sent "as a file" is still a picture to the applicant.
        mime = message.document.mime_type or ""
        return "image" if mime.startswith("image/") else "file"
    if message.location is not None or message.venue is not None:
        return "location"
    return "other"


def _command_text(text: str, bot_username: str | None) -> str:
    """``/help@applicant_bot x`` (how commands look in groups) as ``/help x``."""
    if not text.startswith("/") or not bot_username:
        return text
    command, space, rest = text.partition(" ")
    name, at, addressee = command.partition("@")
    if at and addressee.lower() == bot_username.lower():
        return name + space + rest
    return text


def _user_id(update: Update) -> str | None:
    if update.effective_user is not None:
        return str(update.effective_user.id)
    if update.effective_chat is not None:  # a channel post has no user: the channel speaks
        return str(update.effective_chat.id)
    return None


class TelegramAdapter:
    """Turns updates into `Incoming`, calls the dialogue in a worker thread and sends its replies."""

    def __init__(self, handler: DialogueHandler, store: CallbackDataStore | None = None) -> None:
        self._handler = handler
        self._store = store or CallbackDataStore()
        # One lock per user, so one user's messages are answered in the order they came, while other
        # users' messages run in parallel. Weak values: a lock lives only while someone holds or waits.
        self._user_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # -- handlers registered on the Application --

    async def on_message(self, update: Update, context: _Context) -> None:
        message = update.message
        user_id = _user_id(update)
        if message is None or user_id is None:
            return
        kind = message_kind(message)
        text = message.text if kind == "text" else message.caption
        incoming = Incoming(
            channel=TELEGRAM_CHANNEL,
            user_id=user_id,
            text=_command_text(text or "", context.bot.username),
            kind=kind,
            message_id=str(update.update_id),
        )
        await self._answer(incoming, message.chat_id, context)

    async def on_callback_query(self, update: Update, context: _Context) -> None:
        query = update.callback_query
        user_id = _user_id(update)
        if query is None or user_id is None:
            return
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        data = query.data or ""
        rating = parse_rating(data)
        if rating is not None:
            await self._safely(query.answer())  # the dialogue's own reply thanks the user
            await self._remove_rating_buttons(query)
            incoming = Incoming(
                channel=TELEGRAM_CHANNEL, user_id=user_id, rating=rating, message_id=str(update.update_id)
            )
            await self._answer(incoming, chat_id, context)
            return
        send = self._store.decode(data)
        if send is None:
            send = _pressed_label(query)
        if send is None:
            await self._safely(query.answer(EXPIRED_BUTTON, show_alert=True))
            return
        # Answered first: until then the user's client shows a spinner on the button.
        await self._safely(query.answer())
        incoming = Incoming(
            channel=TELEGRAM_CHANNEL, user_id=user_id, text=send, message_id=str(update.update_id)
        )
        await self._answer(incoming, chat_id, context)

    async def on_error(self, update: object, context: _Context) -> None:
        """Logs what escaped the handlers (an update we could not read, a network error while polling).

        The dialogue's own errors are caught in `_answer`; when an update from a chat fails before that,
        the user still gets the apology instead of silence.
        """
        _LOGGER.error("Telegram update %r failed", update, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            await self._safely(context.bot.send_message(chat_id=update.effective_chat.id, text=APOLOGY))

    # -- the work --

    async def _answer(self, incoming: Incoming, chat_id: int, context: _Context) -> None:
        lock = self._user_locks.get(incoming.user_id)
        if lock is None:
            lock = asyncio.Lock()
            self._user_locks[incoming.user_id] = lock
        async with lock:
            try:
                replies = await asyncio.to_thread(self._handler.handle, incoming)
                for reply in replies:
                    await self._send(reply, chat_id, context)
            except Exception:
                _LOGGER.exception(
                    "Could not answer Telegram message %s of user %s", incoming.message_id, incoming.user_id
                )
                await self._safely(context.bot.send_message(chat_id=chat_id, text=APOLOGY))

    async def _send(self, reply: Reply, chat_id: int, context: _Context) -> None:
        markup = reply_markup(reply, self._store)
        parts = split_message(reply_text(reply))
        if not parts and markup is not None:
            parts = [BUTTONS_ONLY_TEXT]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            await context.bot.send_message(chat_id=chat_id, text=part, reply_markup=markup if last else None)
        for attachment in reply.attachments:
            await context.bot.send_document(
                chat_id=chat_id, document=attachment.data, filename=attachment.filename
            )

    async def _remove_rating_buttons(self, query: CallbackQuery) -> None:
        """One rating per answer: the 👍/👎 row goes, the other buttons of the message stay."""
        message = query.message
        if not isinstance(message, Message):  # too old for Telegram to show us
            return
        await self._safely(
            query.edit_message_reply_markup(reply_markup=_without_rating_buttons(message.reply_markup))
        )

    @staticmethod
    async def _safely(call: Awaitable[object]) -> None:
        """Awaits a Bot API call whose failure must not stop the answer (the button is gone, ...)."""
        try:
            await call
        except TelegramError as error:
            _LOGGER.warning("Telegram call failed: %s", error)


def _pressed_label(query: CallbackQuery) -> str | None:
    """The label of the button that was pressed, found in the message it sits under."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


def build_application(
    handler: DialogueHandler,
    token: str,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    store: CallbackDataStore | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A python-telegram-bot Application answering through ``handler``; start it with ``run_polling()``.

    ``request`` and ``get_updates_request`` replace the HTTP layer (tests pass a recording fake).
    """
    builder = Application.builder().token(token)
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    # Updates are processed concurrently so a slow answer for one user does not hold up the others;
    # TelegramAdapter keeps each user's own messages in order.
    application = builder.concurrent_updates(True).build()
    adapter = TelegramAdapter(handler, store)
    application.add_handlers(_handlers(adapter))
    application.add_error_handler(adapter.on_error)
    return application


def _handlers(adapter: TelegramAdapter) -> Sequence[BaseHandler[Update, Any, None]]:
    new_messages = filters.UpdateType.MESSAGE  # edits of old messages are not answered again
    return [
        MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, adapter.on_message),
        # Commands travel as text: the core parses /help, /assess x, ...
        MessageHandler(new_messages & filters.COMMAND, adapter.on_message),
        # Photos, stickers, voice, files...: the core answers them with what it can do.
        MessageHandler(new_messages & ~filters.TEXT, adapter.on_message),
        CallbackQueryHandler(adapter.on_callback_query),
    ]
