"""FAQ-gap analytics and curated answers (see ../shared/ARCHITECTURE.md, conversations/ Analytics)."""

from conversations._analytics._similarity import QuestionEncoder, TfidfEncoder, cosine

__all__ = ["QuestionEncoder", "TfidfEncoder", "cosine"]
