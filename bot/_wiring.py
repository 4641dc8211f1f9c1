"""Turns Settings into the core objects, so the core never reads environment variables itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.settings import Settings
from knowledge import EmbeddingsConfig, KnowledgeBase, KnowledgeConfig, LLMConfig

if TYPE_CHECKING:
    from conversations import Dialogue


def _secret(value: SecretStr | None) -> str | None:
    """A key from settings (masked in reprs and logs) as the plain string the endpoint needs."""
    return value.get_secret_value() if value is not None else None


def knowledge_config(settings: Settings) -> KnowledgeConfig:
    llm = None
    if settings.llm_configured:
        llm = LLMConfig(
            base_url=str(settings.llm_base_url),
            model=str(settings.llm_model),
            api_key=_secret(settings.llm_api_key),
            timeout_s=settings.llm_timeout_s,
        )
    return KnowledgeConfig(
        index_dir=settings.index_dir,
        chroma_host=settings.chroma_host,
        chroma_port=settings.chroma_port,
        embeddings=EmbeddingsConfig(
            kind=settings.embeddings,
            base_url=settings.embeddings_base_url,
            model=settings.embeddings_model,
            api_key=_secret(settings.embeddings_api_key),
            model_dir=settings.embeddings_model_dir,
        ),
        llm=llm,
        today=settings.today,
    )


def knowledge_base(settings: Settings) -> KnowledgeBase:
    return KnowledgeBase(knowledge_config(settings))


def dialogue(settings: Settings) -> Dialogue:
    """The dialogue over the store of `settings` (migrated on open) and the notice index."""
    from conversations import Dialogue, Store

    return Dialogue(
        Store(settings.resolved_database_url()),
        knowledge_base(settings),
        today=settings.effective_today,
    )
