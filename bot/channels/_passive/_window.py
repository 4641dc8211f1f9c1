"""The coordinator: answers each webhook delivery within the deadline, across workers.

`PassiveWindow` is the one stateful piece the web app holds per worker: its thread pools, the records it
owns and the heartbeat that renews their leases and sweeps dead workers' acknowledged messages. It decides
what happens to a message when; the record format (`_records`), the per-user shared state (`_ledger`) and
pushing or keeping texts (`_delivery`) live beside it. The rule itself is in the package docstring.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from bot.channels._passive._delivery import Delivery, PushSender
from bot.channels._passive._ledger import Ledger
from bot.channels._passive._records import HANDLED, Record, key_of, record_key_for
from bot.shared_state import SharedState
from conversations import Incoming, Reply

logger = logging.getLogger(__name__)

ACK_PUSH = "正在为您查询，答案稍后发送。"
ACK_PULL = "正在为您查询，答案准备好后，会在您下次发消息时先发给您。"

Dialogue = Callable[[Incoming], list[Reply]]
Render = Callable[[list[Reply]], list[str]]


@dataclass(frozen=True)
class PassiveOutcome:
    texts: list[str]  # for the passive reply now (normally 0 or 1 text)
    duplicate: bool  # a retry that must show nothing new: answer the platform's "success"


class PassiveWindow:
    """Answers one webhook delivery within the deadline; see the module docstring."""

    def __init__(
        self,
        state: SharedState,
        dialogue: Dialogue,
        pusher: PushSender | None,
        *,
        push_enabled: bool = True,
        deadline_s: float = 4.0,
        lease_s: float = 30.0,
        allowance: int = 5,
        allowance_window_s: float = 48 * 3600,
        max_text_bytes: int = 2048,
        max_workers: int = 12,  # below the store's 15 connections: each running turn holds one
        max_waiting: int = 256,
        record_ttl_s: float = 48 * 3600,
        kept_ttl_s: float = 30 * 24 * 3600,
        push_attempts: int = 3,
        push_backoff_s: float = 0.5,
        poll_s: float = 0.05,
        order_wait_s: float = 120.0,
        clock: Callable[[], float] = time.time,
        renderer: Callable[[Incoming, list[Reply]], list[str]] | None = None,
    ) -> None:
        """`renderer(incoming, replies)` is what `render` is for one message, for answers the sweep
        recovers without a request; without it they wait for the user's next message."""
        self._state = state
        self._renderer = renderer
        self._dialogue = dialogue
        self._pusher = pusher if push_enabled else None
        self._deadline_s = deadline_s
        self._lease_s = lease_s
        self._record_ttl_s = record_ttl_s
        self._ledger = Ledger(
            state=state,
            allowance=allowance,
            allowance_window_s=allowance_window_s,
            record_ttl_s=record_ttl_s,
            kept_ttl_s=kept_ttl_s,
            clock=clock,
        )
        self._delivery = Delivery(
            ledger=self._ledger,
            pusher=self._pusher,
            max_text_bytes=max_text_bytes,
            push_attempts=push_attempts,
            push_backoff_s=push_backoff_s,
        )
        self._poll_s = poll_s
        self._order_wait_s = order_wait_s  # at most this long behind an earlier message of the user
        self._order_poll_s = max(poll_s, 0.25)
        self._clock = clock
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="passive-window")
        # Messages waiting behind the same user's earlier one wait here, not in the dialogue pool: a
        # stalled answer must not leave other users' messages without a thread.
        self._queue = ThreadPoolExecutor(max_workers=max_waiting, thread_name_prefix="passive-queue")
        # The records this worker owns, as last written: the heartbeat renews their leases.
        self._owned: dict[str, str] = {}
        self._owned_lock = threading.Lock()
        self._settled: dict[str, threading.Event] = {}  # records a local message waits on
        self._stopping = threading.Event()
        self._heartbeat = threading.Thread(target=self._renew_leases, name="passive-lease", daemon=True)
        self._heartbeat.start()

    @property
    def ack_text(self) -> str:
        return ACK_PUSH if self._pusher is not None else ACK_PULL

    def close(self) -> None:
        """Finish the answers still being delivered, then stop."""
        self._queue.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        self._stopping.set()
        self._heartbeat.join(timeout=5)

    # --- one delivery ----------------------------------------------------------------------------------

    def respond(
        self, key: str, incoming: Incoming, render: Render, *, received_at: float | None = None
    ) -> PassiveOutcome:
        """The passive reply to one delivery of `key`, within `deadline_s` of `received_at` (a
        `time.monotonic()` taken when the request arrived; default: now)."""
        # Nothing slow runs after the deadline: under load the shared state can be slow, so the
        # bookkeeping is done by the dialogue job or in the background.
        deadline = (time.monotonic() if received_at is None else received_at) + self._deadline_s
        record_key = record_key_for(key)
        record = Record(
            state="processing",
            owner=self.worker_id,
            lease=self._clock() + self._lease_s,
            incoming=incoming.model_dump(mode="json"),
            passive=[],
            outbox=[],
        )
        if self._state.add(record_key, record.dumps(), self._record_ttl_s):
            self._own(record_key, record.dumps())
            # Queued now, before the job waits for a thread: the user's messages keep the order they came.
            self._ledger.add_pending(incoming, key)
            return self._run(record_key, incoming, render, deadline)
        return self._retried(record_key, incoming, render, deadline)

    def _run(self, record_key: str, incoming: Incoming, render: Render, deadline: float) -> PassiveOutcome:
        """As the key's owner: run the dialogue, answer passively or acknowledge."""
        future = self._queue.submit(self._finish_then_handle, incoming, render, record_key)
        try:
            replies = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            # Nothing is written before the ack: under load a write can take seconds. The message is in
            # its user's queue already, so were this worker to die now, the next message would finish it.
            self._background(self._defer, record_key, incoming, render, future)
            return PassiveOutcome(texts=[self.ack_text], duplicate=False)
        texts = self._delivery.compose(incoming, render(replies))
        passive, outbox = texts[:1], texts[1:]
        outcome = self._advance(
            record_key,
            lambda record: (
                record.but(state="answered", passive=passive, outbox=outbox)
                if record.state == "processing"
                else None
            ),
        )
        if outcome is not None and outcome[1]:
            if outbox:
                self._background(self._deliver_outbox, record_key, incoming)
            else:
                self._background(self._finished, record_key, incoming)
            return PassiveOutcome(texts=passive, duplicate=False)
        self._ledger.restore_kept(incoming, texts)
        if outcome is None:  # taken over (our lease lapsed): the taker answers
            return PassiveOutcome(texts=[], duplicate=True)
        # A retry flipped the record to deferred at its own deadline (our request is the one the
        # platform gave up on): the whole answer is pushed instead.
        self._background(self._deliver_deferred, record_key, incoming, render, future)
        return PassiveOutcome(texts=[self.ack_text], duplicate=False)

    def _defer(
        self, record_key: str, incoming: Incoming, render: Render, future: Future[list[Reply]]
    ) -> None:
        """After an acknowledgement: mark the record deferred (and list it for the sweep), and push the
        answer once it is ready."""
        self._ledger.register_deferred(record_key)
        outcome = self._advance(
            record_key, lambda record: record.but(state="deferred") if record.state == "processing" else None
        )
        if outcome is None:  # taken over (our lease lapsed): the taker answers
            return
        self._when_done(future, self._deliver_deferred, record_key, incoming, render, future)

    def _background(self, job: Callable[..., None], *args: Any) -> None:
        """Bookkeeping and delivery, in the queue's threads: never behind stalled dialogues."""
        try:
            self._queue.submit(job, *args)
        except RuntimeError:  # shutting down: finish it here rather than drop an answer
            job(*args)

    def _when_done(self, future: Future[list[Reply]], job: Callable[..., None], *args: Any) -> None:
        """`job` in the pool once `future` is done; never in the caller's thread (a request)."""
        future.add_done_callback(lambda _done: self._background(job, *args))

    def _retried(
        self, record_key: str, incoming: Incoming, render: Render, deadline: float
    ) -> PassiveOutcome:
        """Another delivery of a claimed key: answer from its record, waiting for its owner."""
        while True:
            raw = self._state.get(record_key)
            if raw is None:  # expired between the claim and now: treat as new
                return self.respond(key_of(record_key), incoming, render)
            record = Record.loads(raw)
            if record.state == "answered":
                return PassiveOutcome(texts=record.passive, duplicate=False)
            if record.state in ("deferred", "ready", "delivered"):
                if record.lease < self._clock() and record.state == "deferred":
                    self._take_over_later(record_key, raw, record, render)
                return PassiveOutcome(texts=[], duplicate=True)
            if record.lease < self._clock():  # processing, owner dead: run it again here
                if self._claim(record_key, raw, record):
                    logger.info("took over message %s from %s", key_of(record_key), record.owner)
                    return self._run(record_key, incoming, render, deadline)
                continue
            if time.monotonic() >= deadline:
                # The owner is slow and the platform gave up on its request: this retry's reply is the
                # one shown. Flip to deferred so the owner pushes the answer instead of replying to nobody.
                if self._state.replace(
                    record_key, raw, record.but(state="deferred").dumps(), self._record_ttl_s
                ):
                    self._ledger.register_deferred(record_key)
                    return PassiveOutcome(texts=[self.ack_text], duplicate=False)
                continue
            time.sleep(self._poll_s)

    # --- after the passive reply ------------------------------------------------------------------------

    def _deliver_outbox(self, record_key: str, incoming: Incoming) -> None:
        current = self._owned_value(record_key)
        if current is None:
            return
        was_ready = Record.loads(current).state == "ready"  # a dead pusher's texts, taken over
        self._delivery.push_or_keep(incoming, Record.loads(current).outbox)
        self._advance(
            record_key, lambda record: record.but(outbox=[], state="delivered" if was_ready else record.state)
        )
        self._finished(record_key, incoming, deferred=was_ready)

    def _deliver_deferred(
        self, record_key: str, incoming: Incoming, render: Render, future: Future[list[Reply]]
    ) -> None:
        try:
            replies = future.result()
        except Exception:  # the dialogue never raises; should a bug make it, another worker tries again
            logger.exception("deferred answer failed for message %s", key_of(record_key))
            with self._owned_lock:
                self._owned.pop(record_key, None)  # the lease runs out: the sweep or the next message retries
            return
        if self._owned_value(record_key) is None:
            return  # taken over: the taker delivers
        texts = self._delivery.compose(incoming, render(replies))
        # "ready": handled, so the user's next message goes ahead even if pushing is slow; the texts
        # stay in the record until sent, for a worker that takes over.
        if self._advance(record_key, lambda record: record.but(state="ready", outbox=texts)) is None:
            self._ledger.restore_kept(incoming, texts)
            return
        self._delivery.push_or_keep(incoming, texts)
        self._advance(record_key, lambda record: record.but(state="delivered", outbox=[]))
        self._finished(record_key, incoming, deferred=True)

    def _take_over_later(self, record_key: str, raw: str, record: Record, render: Render) -> bool:
        """An acknowledged record of a dead worker: answer it again here, in the background, by push."""
        if not self._claim(record_key, raw, record, state="deferred"):
            return False
        logger.info("took over acknowledged message %s from %s", key_of(record_key), record.owner)
        incoming = Incoming.model_validate(record.incoming)
        future = self._pool.submit(self._dialogue, incoming)
        self._when_done(future, self._deliver_deferred, record_key, incoming, render, future)
        return True

    def sweep(self) -> int:
        """Take over the acknowledged answers of dead workers and deliver them (push, or keep): the
        heartbeat runs this, so such an answer reaches the user even when they never write again.
        Returns how many were taken over."""
        taken = 0
        for record_key in self._ledger.deferred():
            raw = self._state.get(record_key)
            record = Record.loads(raw) if raw is not None else None
            if record is None or record.state not in ("processing", "deferred", "ready"):
                self._ledger.unregister_deferred(record_key)
            elif record.state == "ready" and record.lease < self._clock():
                # Killed while pushing: the texts are in the record; send what is left from here.
                if raw is not None and self._claim(record_key, raw, record):
                    self._background(
                        self._deliver_outbox, record_key, Incoming.model_validate(record.incoming)
                    )
                    taken += 1
            elif record.lease < self._clock() and self._renderer is not None:
                incoming = Incoming.model_validate(record.incoming)
                render = functools.partial(self._renderer, incoming)
                taken += self._take_over_later(record_key, raw or "", record, render)
        return taken

    def _finish_then_handle(self, incoming: Incoming, render: Render, record_key: str) -> list[Reply]:
        """The dialogue job of a claimed message. One user's messages are handled in the order sent, on
        whichever workers they land: this one waits until the user's earlier unfinished messages are
        handled (a dead worker's is taken over and handled here first, its answer kept to be shown
        first), then runs."""
        if self._pusher is not None:
            self._ledger.reset_allowance(incoming)  # a new message from the user: a new 客服消息 window
        pending = self._ledger.add_pending(incoming, key_of(record_key))  # already there, but for a takeover
        for key in pending[: pending.index(key_of(record_key))]:
            self._wait_for_earlier(record_key_for(key), incoming, render)
        return self._pool.submit(self._dialogue, incoming).result()

    def _wait_for_earlier(self, record_key: str, incoming: Incoming, render: Render) -> None:
        """Return once that earlier message is handled (answered or delivered); a dead owner's is taken
        over and handled here. Gives up after `order_wait_s`, rather than never answering."""
        try:
            self._wait_until_handled(record_key, incoming, render)
        finally:
            with self._owned_lock:
                self._settled.pop(record_key, None)

    def _wait_until_handled(self, record_key: str, incoming: Incoming, render: Render) -> None:
        give_up = time.monotonic() + self._order_wait_s
        while True:
            raw = self._state.get(record_key)
            record = Record.loads(raw) if raw is not None else None
            if record is None or record.state in HANDLED:
                return
            if record.lease < self._clock():
                self._recover(record_key, incoming, render)  # a dead owner's: handled here, first
                continue
            if time.monotonic() >= give_up:
                logger.warning("message %s unfinished: the next one is handled anyway", key_of(record_key))
                return
            with self._owned_lock:
                local = self._settled.setdefault(record_key, threading.Event())
            local.wait(self._order_poll_s)  # woken at once when this worker settles it

    def _recover(self, record_key: str, incoming: Incoming, render: Render) -> None:
        raw = self._state.get(record_key)
        if raw is None:
            self._ledger.remove_pending(incoming, key_of(record_key))
            return
        record = Record.loads(raw)
        finished = record.state == "delivered" or (record.state == "answered" and not record.outbox)
        if finished:
            self._ledger.remove_pending(incoming, key_of(record_key))
            return
        if record.lease >= self._clock():
            return  # a live worker is on it
        if not self._claim(record_key, raw, record):
            return
        if record.state in ("answered", "ready"):
            texts = record.outbox
        else:
            texts = render(self._dialogue(Incoming.model_validate(record.incoming)))
        logger.info("recovered message %s of a dead worker %s", key_of(record_key), record.owner)
        self._ledger.keep(incoming, texts)
        self._advance(record_key, lambda record: record.but(state="delivered", outbox=[]))
        self._finished(record_key, incoming, deferred=True)

    def _finished(self, record_key: str, incoming: Incoming, *, deferred: bool = False) -> None:
        with self._owned_lock:
            self._owned.pop(record_key, None)
        self._ledger.remove_pending(incoming, key_of(record_key))
        if deferred:
            self._ledger.unregister_deferred(record_key)

    # --- this worker's records and their leases -------------------------------------------------------

    def _claim(self, record_key: str, raw: str, record: Record, **changes: Any) -> bool:
        """Take a record over from its (dead) owner while it is still `raw`: ours, with a fresh lease and
        `changes`; False when another worker wrote it first."""
        mine = record.but(**changes, owner=self.worker_id, lease=self._clock() + self._lease_s).dumps()
        if not self._state.replace(record_key, raw, mine, self._record_ttl_s):
            return False
        self._own(record_key, mine)
        return True

    def _own(self, record_key: str, value: str) -> None:
        with self._owned_lock:
            self._owned[record_key] = value

    def _advance(
        self, record_key: str, change: Callable[[Record], Record | None]
    ) -> tuple[Record, bool] | None:
        """Apply `change` to our record by compare-and-set, re-reading when the heartbeat or a retry
        wrote it meanwhile. (record now, whether `change` was applied: it returns None to leave the
        record as it is); None when the record is no longer ours."""
        with self._owned_lock:
            current = self._owned.get(record_key)  # no read first: on the hot path it is current
        while current is not None:
            record = Record.loads(current)
            new = change(record)
            if new is None:
                return record, False
            if self._swap(record_key, current, new):
                return new, True
            current = self._owned_value(record_key)
        return None

    def _owned_value(self, record_key: str) -> str | None:
        """Our last write of the record, when it still is the record (None: taken over)."""
        with self._owned_lock:
            mine = self._owned.get(record_key)
        if mine is None:
            return None
        current = self._state.get(record_key)
        if current == mine:
            return mine
        if current is not None and Record.loads(current).owner == self.worker_id:
            self._own(record_key, current)  # a retry on this worker flipped the state
            return current
        return None

    def _swap(self, record_key: str, expected: str, record: Record) -> bool:
        """Replace our record (renewing the lease) while it is still `expected`."""
        value = record.but(lease=self._clock() + self._lease_s).dumps()
        if not self._state.replace(record_key, expected, value, self._record_ttl_s):
            return False
        with self._owned_lock:
            if record_key in self._owned:
                self._owned[record_key] = value
            settled = self._settled.pop(record_key, None) if record.state in HANDLED else None
        if settled is not None:
            settled.set()
        return True

    def _renew_leases(self) -> None:
        while not self._stopping.wait(self._lease_s / 3):
            try:
                self.sweep()
            except Exception:  # the shared state may be briefly unreachable: try again next beat
                logger.warning("sweep of acknowledged messages failed", exc_info=True)
            with self._owned_lock:
                owned = list(self._owned)
            for record_key in owned:
                try:
                    current = self._owned_value(record_key)
                    if current is None:
                        with self._owned_lock:
                            self._owned.pop(record_key, None)  # taken over by another worker
                    else:
                        self._swap(record_key, current, Record.loads(current))
                except Exception:  # the shared state may be briefly unreachable: try again next beat
                    logger.warning("lease renewal failed for %s", record_key, exc_info=True)
