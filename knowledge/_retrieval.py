"""Hybrid search over the serving generation: BM25 and the vector channel, fused by reciprocal rank.

Opening a `Retriever` reads the generation named by CURRENT once (chunks, BM25 arrays, the Chroma
collection); a search then costs a few milliseconds. When another process swaps in a new
generation, the next search notices (CURRENT's inode changes) and reloads.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge._bm25 import BM25Index
from knowledge._config import KnowledgeConfig
from knowledge._embedders import Embedder, make_embedder
from knowledge._expansion import QueryExpander
from knowledge._index import (
    BM25_FILE,
    CHROMA_DIR,
    CURRENT_FILE,
    INDEX_FORMAT,
    QUERY_WEIGHTS_FILE,
    IndexNotFoundError,
    Manifest,
    read_chunk_rows,
    read_current,
    read_manifest,
)
from knowledge._models import Chunk, DocumentMeta, SearchHit
from knowledge._tokenize import Tokenizer, default_tokenizer
from knowledge._vector_store import (
    ChromaTarget,
    ChromaVectorStore,
    VectorHit,
    VectorStore,
    VectorStoreError,
    close_client,
)

logger = logging.getLogger(__name__)

# A Chroma server that was down when a generation was opened is asked again at most this often,
# so a bot started before its server gets the vector channel back without a restart.
VECTOR_STORE_RETRY_S = 30.0


class IndexMismatchError(RuntimeError):
    """The index was built with another embedder than the one configured now."""


@dataclass(frozen=True)
class FusionParams:
    """Reciprocal-rank fusion: score = sum over channels of weight / (rrf_k + rank).

    Tuned on the 16 public and 40 held-out sample questions (56 in all): the char n-gram channel
    is much weaker than BM25 (hit@1 0.59 against 0.84), so at equal weight it pulls right answers
    from first place (public hit@1 0.875 -> 0.75); at 0.25 it only reorders near-ties and rescues
    what BM25 misses (hit@1 0.875, hit@5 0.96 over the 56). rrf_k from 10 to 60 changed nothing.
    """

    lexical_weight: float = 1.0
    vector_weight: float = 0.25
    rrf_k: float = 30.0
    candidates: int = 50  # how deep each channel is read before fusing


@dataclass
class _Generation:
    """One loaded generation; replaced as a whole on reload, so searches never see a mix."""

    name: str
    manifest: Manifest
    rows: list[dict]
    row_of_id: dict[str, int]
    programmes: np.ndarray  # programme id of each row ("" when none)
    bm25: BM25Index
    query_weights: np.ndarray | None  # per-dimension idf of hashed-feature vectors
    store: VectorStore | None
    client: object | None  # the local Chroma client to close with the generation
    current_stat: tuple[int, int]  # (inode, mtime_ns) of CURRENT when loaded
    chunk_cache: dict[str, Chunk] = field(default_factory=dict)  # Chunk objects built on demand
    store_retry_at: float = 0.0  # time.monotonic() after which a missing server store is reopened


class Retriever:
    def __init__(
        self,
        index_dir: Path,
        *,
        embedder: Embedder,
        tokenizer: Tokenizer | None = None,
        normalize: Callable[[str], str] | None = None,
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        fusion: FusionParams | None = None,
        expander: QueryExpander | None = None,
    ) -> None:
        """Opens the generation CURRENT names; raises IndexNotFoundError when there is none.

        `expander` weights the question's terms and adds synonyms and typo repairs for BM25
        (default: the packaged synonym classes)."""
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.tokenizer = tokenizer if tokenizer is not None else default_tokenizer()
        self._normalize = normalize if normalize is not None else _default_normalizer()
        self.chroma_host = chroma_host
        self.chroma_port = chroma_port
        self.fusion = fusion if fusion is not None else FusionParams()
        if expander is None:  # typo repair leaves the tokenizer's one-character stopwords alone
            stopwords = self.tokenizer.lexicon.stopwords
            expander = QueryExpander(function_chars=frozenset(w for w in stopwords if len(w) == 1))
        self.expander = expander
        self._lock = threading.Lock()
        self._unusable_stat: tuple[int, int] | None = None
        self._generation = self._load()

    @classmethod
    def from_config(cls, config: KnowledgeConfig, **kwargs: object) -> Retriever:
        """The retriever the settings describe (embedder, Chroma server or local directory)."""
        return cls(
            config.index_dir,
            embedder=make_embedder(config.embeddings),
            chroma_host=config.chroma_host,
            chroma_port=config.chroma_port,
            **kwargs,  # type: ignore[arg-type]
        )

    # --- public ---

    @property
    def generation(self) -> str:
        return self._generation.name

    @property
    def programmes(self) -> list[str]:
        """The programme ids present in the index."""
        return sorted({p for p in self._generation.programmes.tolist() if p})

    def chunks(self) -> list[Chunk]:
        """Every chunk of the loaded generation, in file order (for corpus statistics)."""
        generation = self._generation
        return [self._chunk_at(generation, row) for row in range(len(generation.rows))]

    def documents(self) -> list[DocumentMeta]:
        """The catalog entry of each indexed file, as the ingest read it (catalog.yaml's entry with
        its issuer and document number, or the title derived from the text), in the catalog's
        order, then the files it does not list."""
        files = self._generation.manifest.files
        return [entry.document for entry in files.values() if entry.document is not None]

    def chunk(self, chunk_id: str) -> Chunk | None:
        generation = self._generation
        row = generation.row_of_id.get(chunk_id)
        return None if row is None else self._chunk_at(generation, row)

    def search(self, query: str, *, programmes: list[str] | None = None, k: int = 8) -> list[SearchHit]:
        """The k best chunks for the question, best first.

        `programmes` keeps only chunks of those programme ids; "" among them stands for chunks
        without a programme (sample write-ups, general rules). None searches everything.
        """
        if k < 1:
            raise ValueError("k 必须至少为 1")
        self.refresh()
        generation = self._generation
        text = self._normalize(query)
        if not text.strip() or not generation.rows or (programmes is not None and not programmes):
            return []
        depth = max(self.fusion.candidates, k)
        allowed = None if programmes is None else np.isin(generation.programmes, programmes)
        terms = self.expander.expand(text, self.tokenizer.tokenize(text), generation.bm25)
        lexical = []
        if self.fusion.lexical_weight > 0:
            lexical = generation.bm25.top(terms, depth, allowed=allowed)
        vector = self._vector_channel(generation, self.expander.vector_text(text, terms), depth, programmes)
        return self._fuse(generation, lexical, vector, k)

    def refresh(self) -> bool:
        """Reloads when another process swapped in a new generation; True when it did.

        A new generation that cannot be opened (another embedder configured, a broken manifest)
        is logged and not retried until CURRENT changes again; the loaded one keeps serving. A Chroma
        server that is down only costs the vector channel (BM25 answers), asked again every
        VECTOR_STORE_RETRY_S.
        """
        stat = _stat_current(self.index_dir)
        if stat in (self._generation.current_stat, self._unusable_stat):
            return False
        with self._lock:
            if stat in (self._generation.current_stat, self._unusable_stat):
                return False
            old = self._generation
            try:
                self._generation = self._load()
            except (IndexNotFoundError, IndexMismatchError, VectorStoreError, OSError, ValueError) as exc:
                logger.warning("keeping index generation %s, the new one cannot be opened: %s", old.name, exc)
                self._unusable_stat = stat
                return False
            _close_generation(old)
            return self._generation.name != old.name

    def close(self) -> None:
        _close_generation(self._generation)

    # --- internals ---

    def _load(self) -> _Generation:
        current_stat = _stat_current(self.index_dir)
        name = read_current(self.index_dir)
        if name is None:
            raise IndexNotFoundError(
                f"索引目录 {self.index_dir} 里还没有建好的索引：请先运行 applicant-bot ingest 导入通知。"
            )
        generation_dir = self.index_dir / name
        manifest = read_manifest(generation_dir)
        if manifest.format != INDEX_FORMAT:
            raise IndexMismatchError(
                f"索引 {name} 是旧版程序建的（格式 {manifest.format}，当前为 {INDEX_FORMAT}）。"
                "请重新运行 applicant-bot ingest 更新索引。"
            )
        if manifest.embedder != self.embedder.signature:
            raise IndexMismatchError(
                f"索引是用向量模型「{manifest.embedder}」建的，当前配置的是「{self.embedder.signature}」。"
                "请重新运行 applicant-bot ingest，让索引用当前模型重建。"
            )
        if manifest.tokenizer != self.tokenizer.signature:
            logger.warning(
                "index %s was tokenised with %s, queries use %s: re-ingest to match",
                name,
                manifest.tokenizer,
                self.tokenizer.signature,
            )
        rows = read_chunk_rows(generation_dir)
        store, client = self._open_store(generation_dir, manifest)
        return _Generation(
            name=name,
            manifest=manifest,
            rows=rows,
            row_of_id={row["id"]: i for i, row in enumerate(rows)},
            programmes=np.array([row.get("programme") or "" for row in rows], dtype=object),
            bm25=BM25Index.load(generation_dir / BM25_FILE),
            query_weights=(
                np.load(generation_dir / QUERY_WEIGHTS_FILE, allow_pickle=False)
                if manifest.query_weights
                else None
            ),
            store=store,
            client=client,
            current_stat=current_stat,
            store_retry_at=time.monotonic() + VECTOR_STORE_RETRY_S,
        )

    def _open_store(self, generation_dir: Path, manifest: Manifest) -> tuple[VectorStore | None, object]:
        if manifest.chunk_count == 0:
            return None, None
        if manifest.store == "server":
            if not self.chroma_host:
                raise IndexMismatchError(
                    "索引的向量存放在 Chroma 服务器上，但当前没有配置 chroma_host："
                    "请配置服务器地址，或重新导入。"
                )
            target = ChromaTarget(host=self.chroma_host, port=self.chroma_port)
        else:
            target = ChromaTarget(path=generation_dir / CHROMA_DIR)
        try:
            client = target.client()
            store = ChromaVectorStore(client, manifest.collection)
        except VectorStoreError as exc:  # e.g. the Chroma server is down: BM25 still answers
            logger.warning(
                "vector store unavailable for %s, searching with BM25 only: %s", manifest.generation, exc
            )
            return None, None
        return store, (None if target.is_server else client)

    def _vector_channel(
        self, generation: _Generation, text: str, depth: int, programmes: Sequence[str] | None
    ) -> list[VectorHit]:
        if self.fusion.vector_weight <= 0:
            return []
        if generation.store is None:
            self._reopen_server_store(generation)
        if generation.store is None:
            return []
        try:
            embedding = np.asarray(self.embedder.embed_query(text), dtype=np.float32)
            if generation.query_weights is not None:
                embedding = embedding * generation.query_weights
            return generation.store.query(embedding, k=depth, programmes=programmes)
        except Exception as exc:  # the lexical channel still answers: degrade, do not fail
            logger.warning("vector channel unavailable, searching with BM25 only: %s", exc)
            return []

    def _reopen_server_store(self, generation: _Generation) -> None:
        manifest = generation.manifest
        if manifest.store != "server" or manifest.chunk_count == 0:
            return
        now = time.monotonic()
        if now < generation.store_retry_at:
            return
        generation.store_retry_at = now + VECTOR_STORE_RETRY_S
        generation.store, _ = self._open_store(self.index_dir / generation.name, manifest)

    def _fuse(
        self,
        generation: _Generation,
        lexical: list[tuple[int, float]],
        vector: list[VectorHit],
        k: int,
    ) -> list[SearchHit]:
        params = self.fusion
        fused: dict[int, float] = {}
        lexical_rank: dict[int, tuple[int, float]] = {}
        vector_rank: dict[int, int] = {}
        for rank, (row, score) in enumerate(lexical, start=1):
            lexical_rank[row] = (rank, score)
            fused[row] = fused.get(row, 0.0) + params.lexical_weight / (params.rrf_k + rank)
        for rank, hit in enumerate(vector, start=1):
            hit_row = generation.row_of_id.get(hit.chunk_id)
            if hit_row is None:
                continue  # a vector without a chunk row cannot be shown; never expected
            vector_rank[hit_row] = rank
            fused[hit_row] = fused.get(hit_row, 0.0) + params.vector_weight / (params.rrf_k + rank)
        # Ties: better lexical rank first, then document order, so results are reproducible.
        ordered = sorted(fused, key=lambda row: (-fused[row], lexical_rank.get(row, (10**9, 0.0))[0], row))
        hits = []
        for row in ordered[:k]:
            lex = lexical_rank.get(row)
            hits.append(
                SearchHit(
                    chunk=self._chunk_at(generation, row),
                    score=fused[row],
                    lexical_rank=lex[0] if lex else None,
                    lexical_score=lex[1] if lex else 0.0,
                    vector_rank=vector_rank.get(row),
                )
            )
        return hits

    def _chunk_at(self, generation: _Generation, row: int) -> Chunk:
        data = generation.rows[row]
        chunk = generation.chunk_cache.get(data["id"])
        if chunk is None:
            chunk = generation.chunk_cache[data["id"]] = Chunk.model_validate(data)
        return chunk


def _stat_current(index_dir: Path) -> tuple[int, int]:
    try:
        stat = os.stat(index_dir / CURRENT_FILE)
    except FileNotFoundError:
        return (0, 0)
    return (stat.st_ino, stat.st_mtime_ns)


def _close_generation(generation: _Generation) -> None:
    if generation.client is not None:
        close_client(generation.client)  # type: ignore[arg-type]


def _default_normalizer() -> Callable[[str], str]:
    """The ingest normaliser, so a question in traditional characters matches simplified text."""
    from knowledge._normalize import normalize_text

    return normalize_text
