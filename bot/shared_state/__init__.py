"""Keys with a time to live, shared by every worker (see `SharedState`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.shared_state._database import DatabaseSharedState
from bot.shared_state._memory import MemorySharedState
from bot.shared_state._protocol import SharedState
from bot.shared_state._redis import RedisSharedState

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.settings import Settings

__all__ = ["DatabaseSharedState", "MemorySharedState", "RedisSharedState", "SharedState", "shared_state_for"]


def shared_state_for(settings: Settings, engine: Engine) -> SharedState:
    """Redis when `redis_url` is set, else the conversation store's database (`engine`)."""
    if settings.redis_url:
        return RedisSharedState(settings.redis_url)
    return DatabaseSharedState(engine)
