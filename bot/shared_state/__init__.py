"""Keys with a time to live, shared by every worker (see `SharedState`)."""

from bot.shared_state._memory import MemorySharedState
from bot.shared_state._protocol import SharedState

__all__ = ["MemorySharedState", "SharedState"]
