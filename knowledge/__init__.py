"""Notices -> chunks -> index -> cited answers. See ../shared/ARCHITECTURE.md (knowledge/)."""

from knowledge._catalog import CatalogError, load_catalog
from knowledge._chunking import chunk_document
from knowledge._config import EmbeddingsConfig, KnowledgeConfig, LLMConfig
from knowledge._loaders import DocumentLoadError, list_notice_files, load_notices, read_document
from knowledge._models import Answer, Catalog, Chunk, Citation, DocumentMeta, SearchHit
from knowledge._normalize import evidence_in_text, normalize_document, normalize_text

__all__ = [
    "Answer",
    "Catalog",
    "CatalogError",
    "Chunk",
    "Citation",
    "DocumentLoadError",
    "DocumentMeta",
    "EmbeddingsConfig",
    "KnowledgeConfig",
    "LLMConfig",
    "SearchHit",
    "chunk_document",
    "evidence_in_text",
    "list_notice_files",
    "load_catalog",
    "load_notices",
    "normalize_document",
    "normalize_text",
    "read_document",
]
