"""The dialogue: `handle(incoming) -> list[Reply]`, the same for every channel.

Questions are the default. Commands (and their natural-language forms) start and steer the eligibility
walk and the self-assessment; during a walk, a reply that reads as a question is answered from the
notices and the walk's current step is asked again. One user's messages are handled one at a time (a
lock per user here, the state's version in the store across processes); different users in parallel.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from conversations import _assessment, _check, _programmes, _qa
from conversations._context import Answerer, TurnContext, text_reply
from conversations._intents import Command, FreeText, RatingIntent, looks_like_question, parse
from conversations._messages import Incoming, Reply
from conversations._store import Store, Turn

logger = logging.getLogger(__name__)

APOLOGY = "抱歉，系统暂时出了点问题，这条消息没有处理成功，请稍后再发一次。"
NOT_TEXT = "暂时只能处理文字消息（图片、语音、表情等无法识别），请用文字提问或回答。"
EMPTY = "没有收到内容。请用文字提问，例如“申报截止日期是哪天？”，或回复“帮助”查看用法。"


class _UserLocks:
    """One lock per user, dropped when no turn holds it (a WeakValueDictionary of locks)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: weakref.WeakValueDictionary[tuple[str, str], _Lock] = weakref.WeakValueDictionary()

    @contextmanager
    def hold(self, key: tuple[str, str]) -> Iterator[None]:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = _Lock()
                self._locks[key] = lock
        with lock.lock:
            yield


class _Lock:
    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


class Dialogue:
    def __init__(self, store: Store, answerer: Answerer, *, today: Callable[[], date] = date.today) -> None:
        self.store = store
        self.answerer = answerer
        self._today = today
        self._locks = _UserLocks()

    def handle(self, incoming: Incoming) -> list[Reply]:
        """The replies to one message; never raises (a failure is logged and apologised for)."""
        with self._locks.hold((incoming.channel, incoming.user_id)):
            try:
                return self.store.run_turn(incoming, lambda turn: self._turn(turn, incoming))
            except Exception:
                logger.exception("turn failed for %s/%s", incoming.channel, incoming.user_id)
                return [Reply(text=APOLOGY)]

    # --- routing -------------------------------------------------------------------------------------

    def _turn(self, turn: Turn, incoming: Incoming) -> list[Reply]:
        ctx = TurnContext(
            turn=turn,
            answerer=self.answerer,
            today=self._today(),
            programme_source=self.answerer.programme_details,
        )
        if incoming.rating is not None:
            question_id, rating = incoming.rating
            return [_qa.rate(ctx, question_id, rating)]
        if incoming.kind != "text":
            return [text_reply(NOT_TEXT), *self._reprompt(ctx)]
        if not incoming.text.strip():
            return [text_reply(EMPTY), *self._reprompt(ctx)]
        intent = parse(incoming.text)
        if isinstance(intent, RatingIntent):
            target = ctx.turn.data.get("rating_target")
            if intent.explicit or (turn.mode == "idle" and target is not None):
                return [_qa.rate(ctx, target, intent.rating)]
            intent = FreeText(incoming.text)
        if isinstance(intent, Command):
            return self._command(ctx, intent)
        return self._free_text(ctx, incoming.text.strip())  # as typed: the log keeps the user's words

    def _command(self, ctx: TurnContext, command: Command) -> list[Reply]:
        name, argument = command.name, command.argument
        mode = ctx.turn.mode
        if name == "help":
            return [self._help(ctx), *self._reprompt(ctx)]
        if name == "programme":
            return [*_programmes.choose(ctx, argument), *self._reprompt(ctx)]
        if name in ("check", "assess"):
            before = (mode, ctx.turn.data)
            replies = (_check.start if name == "check" else _assessment.start)(ctx, argument)
            if (ctx.turn.mode, ctx.turn.data) == before:  # nothing started (a menu): the walk goes on
                replies.extend(self._reprompt(ctx))
            return replies
        if name == "form":
            return [*_assessment.send_form(ctx), *self._reprompt(ctx)]
        if name == "cancel":
            if mode == "check":
                return _check.stop(ctx)
            return _assessment.pause(ctx)
        if name == "summary" and mode != "check":
            return _assessment.summary(ctx)
        if mode == "assessment":
            if name == "back":
                return _assessment.back(ctx)
            if name == "edit":
                return _assessment.edit(ctx, argument)
            if name == "confirm":
                return _assessment.confirm(ctx)
        return [
            text_reply(f"“{_COMMAND_LABELS[name]}”只能在自评过程中使用。回复“我要自评”开始自评。"),
            *self._reprompt(ctx),
        ]

    def _free_text(self, ctx: TurnContext, text: str) -> list[Reply]:
        mode = ctx.turn.mode
        if mode == "assessment" and _assessment.active(ctx) is not None:
            if _assessment.asking_field(ctx):  # a name or unit, taken as typed
                return _assessment.fill_field(ctx, text)
            if looks_like_question(text):
                return [self._question(ctx, text, context="assessment"), *_assessment.reprompt(ctx)]
            return _assessment.answer(ctx, text)
        if mode == "check" and _check.active(ctx) is not None:
            if looks_like_question(text):
                return [self._question(ctx, text, context="check"), *_check.reprompt(ctx)]
            return _check.answer(ctx, text)
        if mode != "idle":  # the walk's record is gone (cancelled elsewhere): back to questions
            ctx.turn.save(mode="idle", data={})
        return [self._question(ctx, text, context="qa")]

    def _question(self, ctx: TurnContext, text: str, *, context: str) -> Reply:
        return _qa.answer_question(ctx, text, programme=self._scope(ctx), context=context)

    def _scope(self, ctx: TurnContext) -> str | None:
        """The programme of the form being filled, else the one the user chose."""
        found = _assessment.active(ctx) if ctx.turn.mode == "assessment" else None
        if found is not None:
            return found[1].programme
        return ctx.turn.programme

    def _reprompt(self, ctx: TurnContext) -> list[Reply]:
        if ctx.turn.mode == "assessment":
            return _assessment.reprompt(ctx)
        if ctx.turn.mode == "check":
            return _check.reprompt(ctx)
        return []

    def _help(self, ctx: TurnContext) -> Reply:
        programme = (
            ctx.programme_label(ctx.turn.programme)
            if ctx.turn.programme
            else "未选择（回答时按问题里提到的地区判断）"
        )
        text = "\n".join(
            [
                "我是申报助手，可以：",
                "1. 回答申报通知里的问题（条件、材料、截止时间等），并注明出处。直接提问即可。",
                "2. 申报条件自查：回复“我能报吗”或“/check”。",
                "3. 按官方自评表逐项自评，最后生成填好的自评表：回复“我要自评”或“/assess”。",
                "自评中可以回复：“上一题”（/back）、“改第3项为8分”（/edit 3 8分）、“汇总”（/summary）、"
                "“确认”（/confirm，生成自评表）、“退出”（/cancel，进度会保存）；“/form”再次获取自评表。",
                "“/programme 青海2025”切换项目。每个回答后可回复“1 有用”或“2 没用”评价。",
                f"当前项目：{programme}",
            ]
        )
        return text_reply(text, [("我要自评", "/assess"), ("我能报吗", "/check"), ("选择项目", "/programme")])


_COMMAND_LABELS = {
    "back": "上一题",
    "edit": "修改",
    "confirm": "确认",
    "summary": "汇总",
    "help": "帮助",
    "programme": "项目",
    "check": "自查",
    "assess": "自评",
    "form": "自评表",
    "cancel": "退出",
}
