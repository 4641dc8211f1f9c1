"""The reply-deadline rule: one visible reply per message key, answers never lost, across workers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.channels._passive import (
    ACK_PULL,
    ACK_PUSH,
    KEPT_LEAD,
    PassiveOutcome,
    PassiveWindow,
    PushRefused,
)
from bot.shared_state import MemorySharedState, SharedState
from conversations import Incoming, Reply
from tests.services import shared_states

USER = "openid-applicant-1"
HELD = 0.2  # the deadline where the dialogue is held on purpose: the acknowledgement comes at once


class FakeDialogue:
    """Answers "答复：<text>"; blocks on `gate` when one is given; counts its calls."""

    def __init__(self, gate: threading.Event | None = None, replies_per_message: int = 1) -> None:
        self.gate = gate
        self.replies_per_message = replies_per_message
        self.calls: list[str] = []
        self.started = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, incoming: Incoming) -> list[Reply]:
        with self._lock:
            self.calls.append(incoming.text)
        self.started.set()
        if self.gate is not None:
            self.gate.wait(timeout=30)
        if self.replies_per_message == 1:
            return [Reply(text=f"答复：{incoming.text}")]
        return [Reply(text=f"答复{n}：{incoming.text}") for n in range(1, self.replies_per_message + 1)]


class RecordingPusher:
    """Records every text pushed; refuses (PushRefused) or fails (OSError) the first `fail` pushes."""

    def __init__(self, *, refuse: bool = False, fail: int = 0) -> None:
        self.refuse = refuse
        self.fail = fail
        self.pushed: list[tuple[str, str]] = []
        self.attempts = 0

    def push(self, user_id: str, texts: list[str]) -> None:
        self.attempts += 1
        if self.refuse:
            raise PushRefused("45047 out of response count limit")
        if self.fail:
            self.fail -= 1
            raise OSError("connection reset")
        self.pushed.extend((user_id, text) for text in texts)


def render(replies: list[Reply]) -> list[str]:
    return [reply.plain_text() for reply in replies]


def message(text: str, msg_id: str) -> Incoming:
    return Incoming(channel="wechat", user_id=USER, text=text, message_id=msg_id)


@pytest.fixture
def windows() -> Iterator[Callable[..., PassiveWindow]]:
    made: list[PassiveWindow] = []

    def make(state: SharedState, dialogue: FakeDialogue, pusher: RecordingPusher | None, **kw: object):
        # A generous deadline where the answer is expected passively (a loaded machine must not turn
        # it into an acknowledgement); tests that hold the dialogue pass deadline_s=HELD.
        options: dict[str, object] = {"deadline_s": 30.0, "push_backoff_s": 0.01, **kw}
        window = PassiveWindow(state, dialogue, pusher, **options)  # type: ignore[arg-type]
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()


def test_fast_answer_is_the_passive_reply(windows: Callable[..., PassiveWindow]) -> None:
    pusher = RecordingPusher()
    window = windows(MemorySharedState(), FakeDialogue(), pusher)
    outcome = window.respond("m1", message("截止日期是哪天？", "m1"), render)
    assert outcome == PassiveOutcome(texts=["答复：截止日期是哪天？"], duplicate=False)
    window.close()
    assert pusher.pushed == []


def test_texts_beyond_one_message_are_pushed_in_order(windows: Callable[..., PassiveWindow]) -> None:
    pusher = RecordingPusher()
    window = windows(MemorySharedState(), FakeDialogue(replies_per_message=3), pusher, max_text_bytes=20)
    outcome = window.respond("m1", message("材料", "m1"), render)
    window.close()
    assert outcome.texts == ["答复1：材料"]
    assert pusher.pushed == [(USER, "答复2：材料"), (USER, "答复3：材料")]


def test_slow_answer_is_acknowledged_then_pushed_once(windows: Callable[..., PassiveWindow]) -> None:
    gate = threading.Event()
    pusher = RecordingPusher()
    window = windows(MemorySharedState(), FakeDialogue(gate), pusher, deadline_s=HELD)
    outcome = window.respond("m1", message("评分标准？", "m1"), render)
    assert outcome.texts == [ACK_PUSH]
    assert pusher.pushed == []
    gate.set()
    window.close()  # waits for the delivery
    assert pusher.pushed == [(USER, "答复：评分标准？")]


def test_retriable_push_failure_is_retried(windows: Callable[..., PassiveWindow]) -> None:
    gate = threading.Event()
    pusher = RecordingPusher(fail=1)
    window = windows(MemorySharedState(), FakeDialogue(gate), pusher, deadline_s=HELD)
    window.respond("m1", message("评分标准？", "m1"), render)
    gate.set()
    window.close()
    assert pusher.pushed == [(USER, "答复：评分标准？")]
    assert pusher.attempts == 2


def test_refused_push_is_kept_and_shown_first_on_the_next_message(
    windows: Callable[..., PassiveWindow],
) -> None:
    state = MemorySharedState()
    gate = threading.Event()
    pusher = RecordingPusher(refuse=True)
    first = windows(state, FakeDialogue(gate), pusher, deadline_s=HELD)
    assert first.respond("m1", message("评分标准？", "m1"), render).texts == [ACK_PUSH]
    gate.set()
    first.close()
    assert pusher.pushed == []

    second = windows(state, FakeDialogue(), RecordingPusher())  # another worker
    outcome = second.respond("m2", message("谢谢", "m2"), render)
    assert outcome.texts == [f"{KEPT_LEAD}\n答复：评分标准？\n\n答复：谢谢"]
    # Shown once: the message after that no longer carries it.
    assert second.respond("m3", message("好的", "m3"), render).texts == ["答复：好的"]


def test_pull_mode_acknowledges_differently_and_keeps_the_answer(
    windows: Callable[..., PassiveWindow],
) -> None:
    state = MemorySharedState()
    gate = threading.Event()
    pusher = RecordingPusher()
    window = windows(state, FakeDialogue(gate), pusher, push_enabled=False, deadline_s=HELD)
    assert window.respond("m1", message("评分标准？", "m1"), render).texts == [ACK_PULL]
    gate.set()
    window.close()
    assert pusher.attempts == 0
    later = windows(state, FakeDialogue(), pusher, push_enabled=False)
    shown = later.respond("m2", message("在吗", "m2"), render).texts
    assert shown[0].startswith(f"{KEPT_LEAD}\n答复：评分标准？")


def test_sixth_push_within_the_allowance_is_kept_and_a_new_message_resets_it(
    windows: Callable[..., PassiveWindow],
) -> None:
    state = MemorySharedState()
    gate = threading.Event()
    gate.set()
    pusher = RecordingPusher()
    dialogue = FakeDialogue(replies_per_message=7)
    window = windows(state, dialogue, pusher, allowance=5, max_text_bytes=20)
    outcome = window.respond("m1", message("材料", "m1"), render)
    window.close()
    assert outcome.texts == ["答复1：材料"]
    assert [text for _user, text in pusher.pushed] == [f"答复{n}：材料" for n in range(2, 7)]

    dialogue.replies_per_message = 1
    later = windows(state, dialogue, pusher, allowance=5, max_text_bytes=48)  # room for the lead line
    outcome = later.respond("m2", message("好", "m2"), render)
    later.close()
    assert outcome.texts == [f"{KEPT_LEAD}\n答复7：材料"]
    assert pusher.pushed[-1] == (USER, "答复：好")  # the new message gave a fresh allowance


def test_retry_while_processing_gets_the_same_single_reply(windows: Callable[..., PassiveWindow]) -> None:
    gate = threading.Event()
    dialogue = FakeDialogue(gate)
    pusher = RecordingPusher()
    window = windows(MemorySharedState(), dialogue, pusher, deadline_s=30)
    outcomes: list[PassiveOutcome] = []

    def deliver() -> None:
        outcomes.append(window.respond("m1", message("条件", "m1"), render))

    first = threading.Thread(target=deliver)
    first.start()
    assert dialogue.started.wait(10)
    retry = threading.Thread(target=deliver)
    retry.start()
    gate.set()
    first.join()
    retry.join()
    window.close()
    assert [outcome.texts for outcome in outcomes] == [["答复：条件"], ["答复：条件"]]
    assert dialogue.calls == ["条件"]
    assert pusher.pushed == []


def test_retry_after_answer_repeats_it_and_after_ack_shows_nothing(
    windows: Callable[..., PassiveWindow],
) -> None:
    state = MemorySharedState()
    dialogue = FakeDialogue()
    window = windows(state, dialogue, RecordingPusher())
    first = window.respond("m1", message("条件", "m1"), render)
    assert window.respond("m1", message("条件", "m1"), render) == first
    assert dialogue.calls == ["条件"]

    gate = threading.Event()
    slow = windows(state, FakeDialogue(gate), RecordingPusher(), deadline_s=HELD)
    assert slow.respond("m2", message("材料", "m2"), render).texts == [ACK_PUSH]
    assert slow.respond("m2", message("材料", "m2"), render) == PassiveOutcome(texts=[], duplicate=True)
    gate.set()


def test_a_dead_workers_message_is_taken_over_and_answered_once(
    windows: Callable[..., PassiveWindow],
) -> None:
    state = MemorySharedState()
    stuck = threading.Event()
    dead_dialogue = FakeDialogue(stuck)
    # The first worker's clock is an hour behind: to the second worker its lease has run out.
    dead = windows(state, dead_dialogue, RecordingPusher(), deadline_s=30, clock=lambda: 0.0)
    incoming = message("条件", "m1")
    outcomes: list[PassiveOutcome] = []
    first = threading.Thread(target=lambda: outcomes.append(dead.respond("m1", incoming, render)))
    first.start()
    assert dead_dialogue.started.wait(10)

    pusher = RecordingPusher()
    alive = windows(state, FakeDialogue(), pusher)
    retried = alive.respond("m1", incoming, render)
    assert retried.texts == ["答复：条件"]

    stuck.set()  # the "dead" worker's dialogue returns after all: it must not answer again
    first.join()
    assert outcomes == [PassiveOutcome(texts=[], duplicate=True)]
    dead.close()
    alive.close()
    assert pusher.pushed == []


def test_an_answer_acknowledged_by_a_killed_worker_reaches_the_user_on_the_next_message(
    windows: Callable[..., PassiveWindow],
) -> None:
    state = MemorySharedState()
    dead, never, dead_pusher = _acknowledged_then_killed(windows, state)
    # ...killed here: its dialogue never returns and it never pushes.

    alive_dialogue = FakeDialogue()
    alive = windows(state, alive_dialogue, RecordingPusher(), clock=lambda: 7200.0)
    outcome = alive.respond("m2", message("还在吗", "m2"), render)
    assert outcome.texts == [f"{KEPT_LEAD}\n答复：评分标准？\n\n答复：还在吗"]
    assert alive_dialogue.calls == ["评分标准？", "还在吗"]  # the old message first, in order
    never.set()
    dead.close()
    assert dead_pusher.pushed == []  # taken over: the dead worker's late answer is not sent again


def _acknowledged_then_killed(
    windows: Callable[..., PassiveWindow], state: MemorySharedState
) -> tuple[PassiveWindow, threading.Event, RecordingPusher]:
    """A worker that acknowledged "评分标准？" (m1) and is then killed: its dialogue never returns (until
    the event is set) and it never pushes. Returns (the worker, that event, its pusher)."""
    never = threading.Event()
    dead_pusher = RecordingPusher()
    dead = windows(state, FakeDialogue(never), dead_pusher, lease_s=3600, clock=lambda: 0.0, deadline_s=HELD)
    assert dead.respond("m1", message("评分标准？", "m1"), render).texts == [ACK_PUSH]
    return dead, never, dead_pusher


def test_twenty_concurrent_deliveries_of_one_key_run_the_dialogue_once(
    windows: Callable[..., PassiveWindow],
) -> None:
    dialogue = FakeDialogue()
    pusher = RecordingPusher()
    window = windows(MemorySharedState(), dialogue, pusher, deadline_s=30)
    barrier = threading.Barrier(20)
    outcomes: list[PassiveOutcome] = []
    lock = threading.Lock()

    def deliver() -> None:
        barrier.wait()
        outcome = window.respond("m1", message("截止日期", "m1"), render)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    window.close()
    assert dialogue.calls == ["截止日期"]
    assert {tuple(outcome.texts) for outcome in outcomes} == {("答复：截止日期",)}
    assert pusher.pushed == []


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def shared_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedState]:
    """The backends serve workers really share: the store's database, or Redis."""
    yield from shared_states(request.param, tmp_path)


def test_two_workers_on_a_real_backend_answer_a_retried_key_once(
    windows: Callable[..., PassiveWindow], shared_backend: SharedState
) -> None:
    dialogues = [FakeDialogue(), FakeDialogue()]
    workers = [windows(shared_backend, dialogue, RecordingPusher(), deadline_s=30) for dialogue in dialogues]
    barrier = threading.Barrier(20)
    outcomes: list[PassiveOutcome] = []
    lock = threading.Lock()

    def deliver(worker: PassiveWindow) -> None:
        barrier.wait()
        outcome = worker.respond("m1", message("截止日期", "m1"), render)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=deliver, args=(workers[n % 2],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert dialogues[0].calls + dialogues[1].calls == ["截止日期"]
    assert {tuple(outcome.texts) for outcome in outcomes} == {("答复：截止日期",)}


def test_an_answer_refused_on_one_worker_is_shown_by_another_on_a_real_backend(
    windows: Callable[..., PassiveWindow], shared_backend: SharedState
) -> None:
    gate = threading.Event()
    first = windows(shared_backend, FakeDialogue(gate), RecordingPusher(refuse=True), deadline_s=HELD)
    assert first.respond("m1", message("评分标准？", "m1"), render).texts == [ACK_PUSH]
    gate.set()
    first.close()
    second = windows(shared_backend, FakeDialogue(), RecordingPusher())
    shown = second.respond("m2", message("谢谢", "m2"), render).texts
    assert shown == [f"{KEPT_LEAD}\n答复：评分标准？\n\n答复：谢谢"]


def test_an_answer_acknowledged_by_a_killed_worker_is_pushed_by_the_sweep_of_another(
    windows: Callable[..., PassiveWindow],
) -> None:
    state = MemorySharedState()
    dead, never, dead_pusher = _acknowledged_then_killed(windows, state)
    # ...killed here; the user writes nothing more.

    pusher = RecordingPusher()
    alive = windows(
        state,
        FakeDialogue(),
        pusher,
        clock=lambda: 7200.0,
        renderer=lambda _incoming, replies: render(replies),
    )
    assert alive.sweep() == 1
    alive.close()
    assert pusher.pushed == [(USER, "答复：评分标准？")]
    assert alive.sweep() == 0  # delivered: nothing left to take over
    never.set()
    dead.close()
    assert dead_pusher.pushed == []


def test_a_kept_answer_at_the_size_limit_is_shown_whole_without_the_lead_line(
    windows: Callable[..., PassiveWindow],
) -> None:
    state = MemorySharedState()
    gate = threading.Event()
    first = windows(state, FakeDialogue(gate), None, push_enabled=False, max_text_bytes=30, deadline_s=HELD)
    # "答复：" + 7 characters: 30 bytes, exactly the limit, no room for the lead line.
    assert first.respond("m1", message("申报条件是什么", "m1"), render).texts == [ACK_PULL]
    gate.set()
    first.close()
    later = windows(state, FakeDialogue(), None, push_enabled=False, max_text_bytes=30)
    shown = later.respond("m2", message("好", "m2"), render).texts
    assert shown == ["答复：申报条件是什么"]
    assert all(len(text.encode("utf-8")) <= 30 for text in shown)


class LoggingDialogue:
    """Logs when each message's handling starts and ends, in one log shared by several workers."""

    def __init__(self, log: list[str], gate: threading.Event | None = None) -> None:
        self.log = log
        self.gate = gate

    def __call__(self, incoming: Incoming) -> list[Reply]:
        self.log.append(f"start:{incoming.text}")
        if self.gate is not None:
            self.gate.wait(timeout=30)
        self.log.append(f"done:{incoming.text}")
        return [Reply(text=f"答复：{incoming.text}")]


def test_a_users_next_message_on_another_worker_waits_for_the_unfinished_one(
    windows: Callable[..., PassiveWindow],
) -> None:
    state = MemorySharedState()
    log: list[str] = []
    gate = threading.Event()
    pusher = RecordingPusher()
    first = windows(state, LoggingDialogue(log, gate), pusher, deadline_s=HELD)
    second = windows(state, LoggingDialogue(log), pusher, deadline_s=HELD)
    assert first.respond("m1", message("/assess qinghai-2025-star", "m1"), render).texts == [ACK_PUSH]
    # "9分" answers the assessment's first item: it must not be handled before "/assess" is.
    assert second.respond("m2", message("9分", "m2"), render).texts == [ACK_PUSH]
    gate.set()
    first.close()
    second.close()
    assert log == [
        "start:/assess qinghai-2025-star",
        "done:/assess qinghai-2025-star",
        "start:9分",
        "done:9分",
    ]
    assert [text for _user, text in pusher.pushed] == ["答复：/assess qinghai-2025-star", "答复：9分"]


def test_the_deadline_counts_from_when_the_request_arrived(windows: Callable[..., PassiveWindow]) -> None:
    gate = threading.Event()
    window = windows(MemorySharedState(), FakeDialogue(gate), RecordingPusher(), deadline_s=30)
    # The request spent its whole allowance before reaching the window (a slow signature check...).
    arrived = time.monotonic() - 30
    assert window.respond("m1", message("条件", "m1"), render, received_at=arrived).texts == [ACK_PUSH]
    gate.set()


class SlowPusher(RecordingPusher):
    """Pushes only once `release` is set (a WeChat API that hangs); `entered` tells a push began."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def push(self, user_id: str, texts: list[str]) -> None:
        self.entered.set()
        self.release.wait(timeout=30)
        super().push(user_id, texts)


def test_a_slow_push_does_not_hold_up_the_users_next_message(windows: Callable[..., PassiveWindow]) -> None:
    state = MemorySharedState()
    gate = threading.Event()
    pusher = SlowPusher()
    first = windows(state, FakeDialogue(gate), pusher, deadline_s=HELD)
    assert first.respond("m1", message("评分标准？", "m1"), render).texts == [ACK_PUSH]
    gate.set()
    assert pusher.entered.wait(10)  # m1 is answered; its push hangs
    second = windows(state, FakeDialogue(), RecordingPusher())
    assert second.respond("m2", message("截止日期", "m2"), render).texts == ["答复：截止日期"]
    pusher.release.set()
    first.close()
    assert pusher.pushed == [(USER, "答复：评分标准？")]
