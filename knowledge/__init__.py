"""Notices -> chunks -> index -> cited answers. See ../shared/ARCHITECTURE.md (knowledge/)."""

from knowledge._catalog import CatalogError, load_catalog
from knowledge._chunking import chunk_document
from knowledge._config import EmbeddingsConfig, KnowledgeConfig, LLMConfig
from knowledge._decision import DECISION_FEATURES, AnswerDecision
from knowledge._embedders import (
    CharNgramEmbedder,
    Embedder,
    EmbeddingError,
    OpenAICompatibleEmbedder,
    SentenceTransformerEmbedder,
    make_embedder,
)
from knowledge._index import (
    FileProgress,
    IndexBusyError,
    IndexNotFoundError,
    IngestReport,
    SkippedFile,
    ingest_folder,
    ingest_library,
)
from knowledge._library import (
    MAX_UPLOAD_BYTES,
    NoticeLibrary,
    NoticeRecord,
    NoticeRejected,
    NoticeSource,
    NoticeStatus,
)
from knowledge._loaders import DocumentLoadError, list_notice_files, load_notices, read_document
from knowledge._models import Answer, Catalog, Chunk, Citation, DocumentMeta, ReplyKind, SearchHit
from knowledge._normalize import evidence_in_text, normalize_document, normalize_text
from knowledge._paraphrase import (
    general_share,
    paraphrase_terms,
    rare_words,
    unexplained_classes,
    unexplained_words,
)
from knowledge._question import AnswerKind, QuestionAnalysis, analyse_question
from knowledge._retrieval import FusionParams, IndexMismatchError, Retriever
from knowledge._scope import Programme, Scope, programmes_from_catalog, resolve_scope
from knowledge._service import CuratedAnswers, KnowledgeBase, Searcher
from knowledge._tokenize import Tokenizer, tokenize
from knowledge._vector_store import ChromaVectorStore, VectorStore, VectorStoreError

__all__ = [
    "DECISION_FEATURES",
    "MAX_UPLOAD_BYTES",
    "Answer",
    "AnswerDecision",
    "AnswerKind",
    "Catalog",
    "CatalogError",
    "CharNgramEmbedder",
    "ChromaVectorStore",
    "Chunk",
    "Citation",
    "CuratedAnswers",
    "DocumentLoadError",
    "DocumentMeta",
    "Embedder",
    "EmbeddingError",
    "EmbeddingsConfig",
    "FileProgress",
    "FusionParams",
    "IndexBusyError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IngestReport",
    "KnowledgeBase",
    "KnowledgeConfig",
    "LLMConfig",
    "NoticeLibrary",
    "NoticeRecord",
    "NoticeRejected",
    "NoticeSource",
    "NoticeStatus",
    "OpenAICompatibleEmbedder",
    "Programme",
    "QuestionAnalysis",
    "ReplyKind",
    "Retriever",
    "Scope",
    "SearchHit",
    "Searcher",
    "SentenceTransformerEmbedder",
    "SkippedFile",
    "Tokenizer",
    "VectorStore",
    "VectorStoreError",
    "analyse_question",
    "chunk_document",
    "evidence_in_text",
    "general_share",
    "ingest_folder",
    "ingest_library",
    "list_notice_files",
    "load_catalog",
    "load_notices",
    "make_embedder",
    "normalize_document",
    "normalize_text",
    "paraphrase_terms",
    "programmes_from_catalog",
    "rare_words",
    "read_document",
    "resolve_scope",
    "tokenize",
    "unexplained_classes",
    "unexplained_words",
]
