"""The reply-deadline rule of push-capable webhook channels (WeChat's 5 seconds), across workers.

A webhook must be answered within a deadline, and the platform retries the same message key when it is
not; the answer may be slower (a stalled LLM). `PassiveWindow.respond` answers every delivery of a key:

- The first delivery *claims* the key (`SharedState.add`) and runs the dialogue in a bounded thread
  pool. Ready within `deadline_s`: its first text is the passive reply, the rest is pushed. Not ready:
  a short acknowledgement now, and every text is pushed when the answer is ready.
- Pushing goes through `PushSender`, within a per-user allowance (WeChat: 5 messages within 48 h of
  the user's last message). Refused, disabled, used up, or failing after retries: the texts are *kept*
  and shown first in the reply to the user's next message ("pull mode"). An answer is never dropped.
- One user's messages are handled in the order sent, across workers: a message's dialogue job first
  waits until the user's earlier unfinished messages (``passive:pending:<user>``) are handled ("9分"
  must not overtake the "/assess" still waiting for a slow answer).
- A retried key is answered from the key's record: the same passive texts once answered, nothing new
  once acknowledged; while the first delivery is still working, the retry waits for it.

Crashes (kill -9). Every record carries its owner's *lease*, renewed every ``lease_s / 3`` by the
owner's heartbeat thread. A record whose lease ran out belongs to a dead worker, and any worker takes it
over with `SharedState.replace` (so only one does) and runs the dialogue again on the incoming kept in
the record; the store's message-id dedupe returns the stored replies when the dead worker's turn had
committed, so nothing is answered twice. Three ways lead there: a platform retry of the key; the
heartbeat's `sweep` of the acknowledged messages still to deliver (``passive:deferred``), which pushes
the answer even if the user never writes again; and the user's next message, which first finishes that
user's unfinished keys (``passive:pending:<user>``) and shows their answers first. Pushing is
at-least-once across a crash: a worker killed between a push and marking it done gets that text sent
again by the worker that takes over; without a crash every text is shown once.

The parts: `_window` the coordinator (`PassiveWindow`: when what happens, leases, takeover), `_records` a
message's record and its key, `_ledger` the per-user state and the sweep list with their compare-and-set,
`_delivery` composing, pushing and keeping texts.
"""

from __future__ import annotations

from bot.channels._passive._delivery import KEPT_LEAD, PushRefused, PushSender
from bot.channels._passive._window import ACK_PULL, ACK_PUSH, PassiveOutcome, PassiveWindow

__all__ = [
    "ACK_PULL",
    "ACK_PUSH",
    "KEPT_LEAD",
    "PassiveOutcome",
    "PassiveWindow",
    "PushRefused",
    "PushSender",
]
