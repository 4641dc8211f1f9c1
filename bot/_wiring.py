"""Turns Settings into the core objects, so the core never reads environment variables itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from bot.settings import Settings
from knowledge import EmbeddingsConfig, KnowledgeBase, KnowledgeConfig, LLMConfig

if TYPE_CHECKING:
    from conversations import Dialogue, GapAnalytics, Store


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


def knowledge_base_with_curated(settings: Settings, store: Store) -> KnowledgeBase:
    """The knowledge base that answers with the staff's curated answers of `store` first."""
    from conversations import CuratedAnswerStore

    def titles() -> dict[str, str]:  # the citation under a curated answer names the indexed notice
        return kb.notice_titles()

    curated = CuratedAnswerStore(store, catalog_titles=titles, programme_names=lambda: programme_names(kb))
    kb = KnowledgeBase(knowledge_config(settings), curated=curated)
    return kb


def programme_names(kb: KnowledgeBase) -> list[str]:
    """The places and awards that name the index's programmes (海安, 用户满意服务之星)."""
    return [
        name
        for programme in kb.programme_details()
        for name in (*programme.places, *programme.provinces, *programme.awards)
    ]


def existing_store(settings: Settings) -> Store | None:
    """The conversation store when there is one: a configured database URL, or the SQLite file a
    dialogue already created. None otherwise: a one-off `ask` does not create a database."""
    from conversations import Store

    if settings.database_url is None:
        from sqlalchemy.engine import make_url

        from conversations import default_database_url

        database = make_url(default_database_url(settings.data_dir)).database
        if not database or not Path(database).is_file():
            return None
    return Store(settings.resolved_database_url())


def dialogue(settings: Settings) -> Dialogue:
    """The dialogue over the store of `settings` (migrated on open) and the notice index, with the
    staff's curated answers consulted before the notices."""
    from conversations import Dialogue, Store

    store = Store(settings.resolved_database_url())
    return Dialogue(store, knowledge_base_with_curated(settings, store), today=settings.effective_today)


def gap_analytics(settings: Settings, store: Store, **kwargs: Any) -> GapAnalytics:
    """The FAQ gaps of `store`, grouped by the configured embedder when one is (TF-IDF otherwise):
    `applicant-bot gaps` and the staff pages rank them alike. `kwargs` go to `GapAnalytics` (clock)."""
    from conversations import GapAnalytics, gap_encoder_factory

    factory = gap_encoder_factory(knowledge_config(settings).embeddings)
    return GapAnalytics(store, encoder_factory=factory, **kwargs)
