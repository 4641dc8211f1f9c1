"""One message key's record: the JSON any worker reads to answer a retry or take the message over.

Its own module because the record's shape and key naming are the wire format between workers: a worker
running older code and one running newer read and write the same ``passive:msg:<key>`` values, so the
field names, their order (``sort_keys``) and the key prefix must stay exactly as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# The states in which a message counts as handled for the order of its user's messages.
HANDLED = ("answered", "ready", "delivered")
_PREFIX = "passive:msg:"


@dataclass(frozen=True)
class Record:
    """What the key's value holds (JSON), so any worker can take the message over."""

    state: str  # processing | answered | deferred | ready (texts computed, pushing) | delivered
    owner: str
    lease: float  # wall-clock time after which the owner is presumed dead
    incoming: dict[str, Any]
    passive: list[str]  # answered: the passive reply, repeated to retries
    outbox: list[str]  # answered: texts still to push (or keep)

    def dumps(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True)

    @classmethod
    def loads(cls, raw: str) -> Record:
        return cls(**json.loads(raw))

    def but(self, **changes: Any) -> Record:
        return Record(**{**self.__dict__, **changes})


def record_key_for(key: str) -> str:
    return f"{_PREFIX}{key}"


def key_of(record_key: str) -> str:
    return record_key.removeprefix(_PREFIX)
