"""The channel-neutral dialogue layer (store, dialogue, analytics); see ../shared/ARCHITECTURE.md.

It depends on ``knowledge`` and ``rubric_engine``; ``bot`` depends on it. Filled by the dialogue issue.
"""

__all__: list[str] = []
