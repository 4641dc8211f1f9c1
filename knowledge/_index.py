"""Builds the search index: notices -> chunks -> BM25 + vectors (Chroma), incrementally and atomically.

Layout of an index directory::

    CURRENT              name of the generation being served ("gen-000007"), swapped atomically
    .ingest.lock         fcntl lock: one ingest at a time
    gen-000007/
        manifest.json    files (content hash, chunk count, catalog entry), signatures of
                         embedder/tokenizer/chunker
        chunks.jsonl     one Chunk per line, in file order
        vectors.npy      float32 [chunks x dims], row i belongs to line i of chunks.jsonl
        tokens.txt       BM25 tokens of chunk i on line i, space-separated
        bm25.npz         the BM25 postings
        query_weights.npy  per-dimension idf for hashed-feature embedders (char n-grams) only
        chroma/          Chroma persistent directory (local mode; on a Chroma server the
                         generation is the collection "<prefix>-<index id>-gen-000007" instead)
    INDEX_ID             random id of this index directory: on a shared Chroma server, an
                         ingest only ever creates or deletes the collections carrying its own id

A build writes a whole new generation, then replaces CURRENT (fsync + os.replace) and removes the
older generations. A crash before the swap leaves the previous generation serving; the next build
removes the leftovers. Unchanged files (same bytes, same catalog entry, same chunking code) keep
their chunks, tokens and vectors from the previous generation: nothing is re-chunked or re-embedded.
A changed file is re-chunked, and only its chunks that did not exist before (ids derive from file,
section and text) are embedded. Another embedder (signature) re-embeds everything.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, Field

from knowledge._bm25 import BM25Index
from knowledge._config import KnowledgeConfig
from knowledge._embedders import Embedder, EmbeddingError, hashed_feature_idf, make_embedder
from knowledge._models import Chunk, DocumentMeta
from knowledge._tokenize import Tokenizer, default_tokenizer
from knowledge._vector_store import (
    ChromaTarget,
    ChromaVectorStore,
    close_client,
    delete_collection,
    list_collection_names,
    validate_collection_name,
)

if TYPE_CHECKING:
    from knowledge._library import NoticeLibrary

# 2: each file's entry holds its catalog entry (issuer, document number...), so a process that
# opens the index knows the programmes as the ingest did. Format 1 lacks them; its rows, vectors
# and tokens are still reused by the next build, which re-reads the files to get their entries.
# 3: table cells are separated by a tab, as in the source, instead of " | "; older chunks are
# re-made.
INDEX_FORMAT = 3
_REUSABLE_FORMATS = frozenset({INDEX_FORMAT})
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".ingest.lock"
MANIFEST_FILE = "manifest.json"
CHUNKS_FILE = "chunks.jsonl"
VECTORS_FILE = "vectors.npy"
TOKENS_FILE = "tokens.txt"
BM25_FILE = "bm25.npz"
QUERY_WEIGHTS_FILE = "query_weights.npy"
INDEX_ID_FILE = "INDEX_ID"
CHROMA_DIR = "chroma"
LOCAL_COLLECTION = "chunks"
DEFAULT_COLLECTION_PREFIX = "applicant-bot"
_GENERATION = re.compile(r"^gen-(\d{6,})$")


class IndexBusyError(RuntimeError):
    """Another ingest holds the lock of this index directory."""


class IndexNotFoundError(FileNotFoundError):
    """The directory has no built generation (nothing was ingested yet)."""


# --- what goes in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeFile:
    """One notice on disk and its catalog.yaml entry (None when the file is not registered)."""

    path: Path
    entry: DocumentMeta | None = None

    @property
    def name(self) -> str:
        return self.path.name


# Reads a notice: its metadata (the catalog entry, or one derived from the text) and its
# normalised text. Raises (any exception) when the file cannot be read.
DocumentLoader = Callable[[NoticeFile], tuple[DocumentMeta, str]]
# Cuts normalised text into chunks.
Chunker = Callable[[str, DocumentMeta], list[Chunk]]


def chunk_search_text(chunk: Chunk) -> str:
    """What is tokenised and embedded for a chunk: its section path, then its text."""
    return f"{chunk.section}\n{chunk.text}" if chunk.section else chunk.text


# --- what comes out -----------------------------------------------------------------------------


class SkippedFile(BaseModel):
    file: str
    reason: str


FileStatus = Literal["indexed", "reused", "skipped"]


@dataclass(frozen=True)
class FileProgress:
    """Sent once per file, after it was handled (for a progress bar)."""

    file: str
    position: int  # 1-based
    total: int
    status: FileStatus
    chunks: int


ProgressCallback = Callable[[FileProgress], None]


class IngestReport(BaseModel):
    generation: str  # the generation serving after this build
    changed: bool  # False: nothing differed from the previous generation, which stays
    embedder: str
    files_seen: int
    indexed: list[str] = Field(default_factory=list)  # re-chunked or re-embedded by this build
    reused: list[str] = Field(default_factory=list)  # carried over unchanged
    removed: list[str] = Field(default_factory=list)  # in the previous generation, gone now
    skipped: list[SkippedFile] = Field(default_factory=list)
    chunks: int = 0  # chunks in the generation serving now
    embedded_chunks: int = 0  # chunks sent to the embedder by this build
    seconds: float = 0.0

    def summary_line(self) -> str:
        """One line for the command line, e.g. 索引已更新：5 个文件（新建或更新 1，沿用 4）…"""
        state = "索引已更新" if self.changed else "索引无变化"
        parts = [f"新建或更新 {len(self.indexed)}", f"沿用 {len(self.reused)}"]
        if self.removed:
            parts.append(f"移除 {len(self.removed)}")
        if self.skipped:
            parts.append(f"跳过 {len(self.skipped)}")
        return (
            f"{state}：{self.files_seen} 个文件（{'，'.join(parts)}），共 {self.chunks} 段，"
            f"本次计算向量 {self.embedded_chunks} 段，用时 {self.seconds:.1f} 秒。"
        )


# --- manifest and generation files --------------------------------------------------------------


class FileEntry(BaseModel):
    hash: str
    chunks: int
    # Its catalog.yaml entry, or the metadata derived from its text when the catalog lacks it.
    # None only in format-1 manifests.
    document: DocumentMeta | None = None


class SkippedEntry(BaseModel):
    hash: str
    reason: str


class Manifest(BaseModel):
    format: int = INDEX_FORMAT
    generation: str
    created: datetime
    embedder: str
    tokenizer: str
    chunker: str
    store: Literal["local", "server"]
    collection: str
    dimensions: int
    query_weights: bool = False  # QUERY_WEIGHTS_FILE present: multiply query vectors by it
    chunk_count: int
    files: dict[str, FileEntry] = Field(default_factory=dict)
    skipped: dict[str, SkippedEntry] = Field(default_factory=dict)


@dataclass
class GenerationData:
    """The rows of one generation, aligned: chunk i has vector row i and token list i."""

    chunks: list[dict] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)


def read_current(index_dir: Path) -> str | None:
    """The generation CURRENT names, or None when nothing was built (or CURRENT is unreadable)."""
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if _GENERATION.match(name) and (index_dir / name).is_dir() else None


def read_manifest(generation_dir: Path) -> Manifest:
    return Manifest.model_validate_json((generation_dir / MANIFEST_FILE).read_text(encoding="utf-8"))


def read_chunk_rows(generation_dir: Path) -> list[dict]:
    with (generation_dir / CHUNKS_FILE).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_vectors(generation_dir: Path) -> np.ndarray:
    return np.load(generation_dir / VECTORS_FILE, allow_pickle=False)


def read_tokens(generation_dir: Path) -> list[list[str]]:
    with (generation_dir / TOKENS_FILE).open(encoding="utf-8") as handle:
        return [line.rstrip("\n").split(" ") if line.strip() else [] for line in handle]


def server_collection_name(prefix: str, index_dir: Path, generation: str) -> str:
    """The Chroma-server collection of one generation of one index directory."""
    return validate_collection_name(f"{prefix}-{index_id(index_dir)}-{generation}")


def index_id(index_dir: Path) -> str:
    """This index directory's random id, created on first use (shared by every process using it)."""
    path = index_dir / INDEX_ID_FILE
    with suppress(FileNotFoundError):
        return path.read_text(encoding="utf-8").strip()
    index_dir.mkdir(parents=True, exist_ok=True)
    candidate = index_dir / f"{INDEX_ID_FILE}.{os.getpid()}.tmp"
    candidate.write_text(secrets.token_hex(6), encoding="utf-8")
    with suppress(FileExistsError):
        os.link(candidate, path)  # first writer wins; a concurrent one reads the winner's id
    candidate.unlink()
    return path.read_text(encoding="utf-8").strip()


def content_hash(path: Path, entry: DocumentMeta | None, chunker_version: str) -> str:
    """What decides whether a file must be re-chunked: its bytes, its catalog entry, the chunker."""
    digest = hashlib.sha256()
    digest.update(path.read_bytes())
    digest.update(b"\x00" + (entry.model_dump_json() if entry is not None else "-").encode())
    digest.update(b"\x00" + chunker_version.encode())
    return digest.hexdigest()


@contextmanager
def ingest_lock(index_dir: Path) -> Iterator[None]:
    """Exclusive, non-blocking: a second ingest fails at once instead of waiting behind the first."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK_FILE).open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(f"另一个导入正在更新索引 {index_dir}，请等它结束后再试。") from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# --- the builder ---------------------------------------------------------------------------------


@dataclass
class _Previous:
    """The serving generation, as the next build sees it."""

    manifest: Manifest
    data: GenerationData
    rows_by_file: dict[str, list[int]]
    row_of_id: dict[str, int]


@dataclass
class _BuildState:
    """What one build accumulates, file after file."""

    report: IngestReport
    previous: _Previous | None
    same_embedder: bool
    same_tokenizer: bool
    data: GenerationData = field(default_factory=GenerationData)
    entries: dict[str, FileEntry] = field(default_factory=dict)
    skipped: dict[str, SkippedEntry] = field(default_factory=dict)
    seen_ids: set[str] = field(default_factory=set)


class IndexBuilder:
    """Builds the next generation of an index directory from a list of notice files."""

    def __init__(
        self,
        index_dir: Path,
        *,
        embedder: Embedder,
        load: DocumentLoader,
        chunker: Chunker,
        chunker_version: str,
        tokenizer: Tokenizer | None = None,
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        collection_prefix: str = DEFAULT_COLLECTION_PREFIX,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.load = load
        self.chunker = chunker
        self.chunker_version = chunker_version
        self.tokenizer = tokenizer if tokenizer is not None else default_tokenizer()
        self.chroma_host = chroma_host
        self.chroma_port = chroma_port
        self.collection_prefix = collection_prefix
        validate_collection_name(f"{collection_prefix}-0123456789ab-gen-000000")

    @property
    def store_kind(self) -> Literal["local", "server"]:
        return "server" if self.chroma_host else "local"

    def build(self, files: Sequence[NoticeFile], *, progress: ProgressCallback | None = None) -> IngestReport:
        """Builds the next generation from `files`, handled in name order; their catalog entries
        are stored in the order given (the catalog's: programmes are listed in that order)."""
        started = time.monotonic()
        with ingest_lock(self.index_dir):
            current = read_current(self.index_dir)
            # Named before the leftovers go, so a crashed build's name is never reused.
            generation = self._next_generation_name()
            self._remove_generations(keep=current)  # leftovers of a crashed build
            report = self._build_locked(files, current, generation, progress)
        report.seconds = round(time.monotonic() - started, 3)
        return report

    def _build_locked(
        self,
        files: Sequence[NoticeFile],
        current: str | None,
        generation: str,
        progress: ProgressCallback | None,
    ) -> IngestReport:
        previous = self._load_previous(current)
        state = _BuildState(
            report=IngestReport(
                generation=current or "",
                changed=True,
                embedder=self.embedder.signature,
                files_seen=len(files),
            ),
            previous=previous,
            same_embedder=previous is not None and previous.manifest.embedder == self.embedder.signature,
            same_tokenizer=previous is not None and previous.manifest.tokenizer == self.tokenizer.signature,
        )
        ordered = sorted(files, key=lambda notice: notice.name)
        for position, notice in enumerate(ordered, start=1):
            status, n_chunks = self._add_file(notice, state)
            if progress is not None:
                progress(FileProgress(notice.name, position, len(ordered), status, n_chunks))

        listed = [notice.name for notice in files]
        state.entries = {name: state.entries[name] for name in listed if name in state.entries}
        report = state.report
        previous_files = set(previous.manifest.files) if previous else set()
        report.removed = sorted(previous_files - {notice.name for notice in ordered})
        report.skipped = [
            SkippedFile(file=name, reason=entry.reason) for name, entry in state.skipped.items()
        ]

        if (
            previous is not None
            and self._same_as(previous.manifest, state)
            and self._vectors_present(previous.manifest)
        ):
            report.changed = False
            report.chunks = previous.manifest.chunk_count
            return report

        try:
            self._write_generation(generation, state)
            self._swap_current(generation)
        except BaseException:
            self._remove_generations(keep=current)  # never leave a half generation behind
            raise
        self._remove_generations(keep=generation)
        report.generation = generation
        report.chunks = len(state.data.chunks)
        return report

    def _same_as(self, manifest: Manifest, state: _BuildState) -> bool:
        """True when the new generation would hold exactly what the serving one holds."""
        return (
            state.same_embedder
            and state.same_tokenizer
            and manifest.store == self.store_kind
            and manifest.chunker == self.chunker_version
            and manifest.format == INDEX_FORMAT
            and list(manifest.files.items()) == list(state.entries.items())  # the order is the catalog's
            and manifest.skipped == state.skipped
        )

    def _vectors_present(self, manifest: Manifest) -> bool:
        """False when the Chroma server lacks the serving generation's collection (the server was
        replaced or wiped): a new generation is then built, from the vectors kept on disk."""
        if manifest.store != "server" or manifest.chunk_count == 0:
            return True
        client = ChromaTarget(host=self.chroma_host, port=self.chroma_port).client()
        return manifest.collection in list_collection_names(client)

    def _add_file(self, notice: NoticeFile, state: _BuildState) -> tuple[FileStatus, int]:
        name = notice.name
        try:
            file_hash = content_hash(notice.path, notice.entry, self.chunker_version)
        except OSError as exc:
            state.skipped[name] = SkippedEntry(hash="", reason=f"无法读取文件：{exc}")
            return "skipped", 0

        if state.previous is not None:
            old_skip = state.previous.manifest.skipped.get(name)
            if old_skip is not None and old_skip.hash == file_hash:
                state.skipped[name] = old_skip  # same bytes fail the same way: do not read them again
                return "skipped", 0
            old_entry = state.previous.manifest.files.get(name)
            if old_entry is not None and old_entry.hash == file_hash and old_entry.document is not None:
                return self._carry_over(name, old_entry, state)

        try:
            meta, text = self.load(notice)
            chunks = self.chunker(text, meta)
        except Exception as exc:  # a broken notice is reported and skipped, the others go on
            # DocumentLoadError carries a user-facing reason; anything else is named as it is.
            reason = getattr(exc, "reason", None) or f"无法读取或切分（{type(exc).__name__}: {exc}）"
            state.skipped[name] = SkippedEntry(hash=file_hash, reason=reason)
            return "skipped", 0
        unique = []
        for chunk in chunks:
            if chunk.id not in state.seen_ids and chunk.text.strip():
                state.seen_ids.add(chunk.id)
                unique.append(chunk)
        if not unique:
            reason = "没有可检索的文字（空文件，或扫描件没有文字层）"
            state.skipped[name] = SkippedEntry(hash=file_hash, reason=reason)
            return "skipped", 0
        texts = [chunk_search_text(chunk) for chunk in unique]
        state.data.vectors.extend(self._vectors_for(unique, texts, state))
        state.data.chunks.extend(chunk.model_dump(mode="json") for chunk in unique)
        state.data.tokens.extend(self.tokenizer.tokenize(text) for text in texts)
        state.entries[name] = FileEntry(hash=file_hash, chunks=len(unique), document=meta)
        state.report.indexed.append(name)
        return "indexed", len(unique)

    def _vectors_for(self, chunks: list[Chunk], texts: list[str], state: _BuildState) -> list[np.ndarray]:
        """Vectors of a re-chunked file. A chunk whose id (file, section, text) existed before keeps
        its vector, so editing one paragraph re-embeds that paragraph only."""
        previous = state.previous if state.same_embedder else None
        vectors: list[np.ndarray | None] = []
        for chunk in chunks:
            row = previous.row_of_id.get(chunk.id) if previous is not None else None
            vectors.append(previous.data.vectors[row] if previous is not None and row is not None else None)
        missing = [i for i, vector in enumerate(vectors) if vector is None]
        if missing:
            for i, vector in zip(missing, self._embed([texts[i] for i in missing]), strict=True):
                vectors[i] = vector
            state.report.embedded_chunks += len(missing)
        return [vector for vector in vectors if vector is not None]

    def _carry_over(self, name: str, old_entry: FileEntry, state: _BuildState) -> tuple[FileStatus, int]:
        """An unchanged file: its chunks (and, same embedder, its vectors) come from the previous build."""
        assert state.previous is not None
        old = state.previous.data
        rows = state.previous.rows_by_file.get(name, [])
        chunks = [old.chunks[i] for i in rows]
        if state.same_tokenizer:
            tokens = [old.tokens[i] for i in rows]
        else:
            tokens = [self._tokens_of_row(row) for row in chunks]
        status: FileStatus
        if state.same_embedder:
            vectors = [old.vectors[i] for i in rows]
            status = "reused"
            state.report.reused.append(name)
        else:
            vectors = self._embed([chunk_search_text(Chunk.model_validate(row)) for row in chunks])
            state.report.embedded_chunks += len(chunks)
            status = "indexed"
            state.report.indexed.append(name)
        state.data.chunks.extend(chunks)
        state.data.tokens.extend(tokens)
        state.data.vectors.extend(vectors)
        state.seen_ids.update(row["id"] for row in chunks)
        state.entries[name] = FileEntry(hash=old_entry.hash, chunks=len(chunks), document=old_entry.document)
        return status, len(chunks)

    def _tokens_of_row(self, row: dict) -> list[str]:
        return self.tokenizer.tokenize(chunk_search_text(Chunk.model_validate(row)))

    def _embed(self, texts: list[str]) -> list[np.ndarray]:
        vectors = self.embedder.embed_documents(texts)
        if len(vectors) != len(texts):
            raise EmbeddingError(f"向量模型为 {len(texts)} 段文字返回了 {len(vectors)} 个向量。")
        return [np.asarray(vector, dtype=np.float32) for vector in vectors]

    def _load_previous(self, current: str | None) -> _Previous | None:
        """The serving generation's rows, grouped by file; None when it is missing or unreadable."""
        if current is None:
            return None
        generation_dir = self.index_dir / current
        try:
            manifest = read_manifest(generation_dir)
            if manifest.format not in _REUSABLE_FORMATS:
                return None
            rows = read_chunk_rows(generation_dir)
            matrix = read_vectors(generation_dir)
            tokens = read_tokens(generation_dir)
        except (OSError, ValueError):
            return None  # unreadable: rebuild everything rather than fail
        if not (len(rows) == len(matrix) == len(tokens)):
            return None
        rows_by_file: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            rows_by_file.setdefault(row["file"], []).append(i)
        row_of_id = {row["id"]: i for i, row in enumerate(rows)}
        return _Previous(manifest, GenerationData(rows, list(matrix), tokens), rows_by_file, row_of_id)

    # --- writing a generation ---

    def _next_generation_name(self) -> str:
        numbers = [int(m.group(1)) for p in self.index_dir.iterdir() if (m := _GENERATION.match(p.name))]
        return f"gen-{max(numbers, default=0) + 1:06d}"

    def _write_generation(self, generation: str, state: _BuildState) -> None:
        data = state.data
        generation_dir = self.index_dir / generation
        generation_dir.mkdir()
        matrix = np.vstack(data.vectors).astype(np.float32) if data.vectors else np.zeros((0, 0), np.float32)
        if data.vectors and len({len(vector) for vector in data.vectors}) != 1:
            raise EmbeddingError("向量长度不一致：同一个索引里的向量必须来自同一个模型。")

        with _durable(generation_dir / CHUNKS_FILE) as handle:
            for row in data.chunks:
                handle.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        with _durable(generation_dir / TOKENS_FILE) as handle:
            handle.write("".join(" ".join(tokens) + "\n" for tokens in data.tokens).encode())
        with _durable(generation_dir / VECTORS_FILE) as handle:
            np.save(handle, matrix, allow_pickle=False)
        with _durable(generation_dir / BM25_FILE) as handle:
            BM25Index.build(data.tokens).save(handle)
        query_weights = bool(getattr(self.embedder, "hashed_features", False)) and len(matrix) > 0
        if query_weights:
            with _durable(generation_dir / QUERY_WEIGHTS_FILE) as handle:
                np.save(handle, hashed_feature_idf(matrix), allow_pickle=False)

        collection = self._fill_vector_store(generation, generation_dir, data, matrix)

        manifest = Manifest(
            generation=generation,
            created=datetime.now(UTC),
            embedder=self.embedder.signature,
            tokenizer=self.tokenizer.signature,
            chunker=self.chunker_version,
            store=self.store_kind,
            collection=collection,
            dimensions=int(matrix.shape[1]) if matrix.ndim == 2 else 0,
            query_weights=query_weights,
            chunk_count=len(data.chunks),
            files=state.entries,
            skipped=state.skipped,
        )
        # The manifest is written last: a generation without one was never finished.
        with _durable(generation_dir / MANIFEST_FILE) as handle:
            handle.write(manifest.model_dump_json(indent=1).encode())
        _fsync_dir(generation_dir)

    def _fill_vector_store(
        self,
        generation: str,
        generation_dir: Path,
        data: GenerationData,
        matrix: np.ndarray,
    ) -> str:
        if self.store_kind == "server":
            target = ChromaTarget(host=self.chroma_host, port=self.chroma_port)
            name = server_collection_name(self.collection_prefix, self.index_dir, generation)
        else:
            target = ChromaTarget(path=generation_dir / CHROMA_DIR)
            name = LOCAL_COLLECTION
        client = target.client()
        try:
            store = ChromaVectorStore(client, name, create=True)
            if data.chunks:
                store.add([Chunk.model_validate(row) for row in data.chunks], matrix)
        finally:
            if not target.is_server:
                close_client(client)
        if not target.is_server:
            _fsync_tree(generation_dir / CHROMA_DIR)
        return name

    def _swap_current(self, generation: str) -> None:
        temporary = self.index_dir / f"{CURRENT_FILE}.tmp"
        with _durable(temporary) as handle:
            handle.write(f"{generation}\n".encode())
        os.replace(temporary, self.index_dir / CURRENT_FILE)
        _fsync_dir(self.index_dir)

    def _remove_generations(self, *, keep: str | None) -> None:
        """Removes every generation but `keep`: old ones after a swap, leftovers of a crash before."""
        for path in self.index_dir.iterdir():
            if _GENERATION.match(path.name) and path.name != keep:
                shutil.rmtree(path, ignore_errors=True)
        with suppress(FileNotFoundError):
            (self.index_dir / f"{CURRENT_FILE}.tmp").unlink()
        if self.chroma_host:
            client = ChromaTarget(host=self.chroma_host, port=self.chroma_port).client()
            own = f"{self.collection_prefix}-{index_id(self.index_dir)}-"
            keep_name = f"{own}{keep}" if keep else None
            for name in list_collection_names(client):
                if name.startswith(own) and _GENERATION.match(name.removeprefix(own)) and name != keep_name:
                    delete_collection(client, name)


@contextmanager
def _durable(path: Path) -> Iterator:
    """A binary file that is flushed to disk (fsync) before the block ends."""
    with path.open("wb") as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_tree(root: Path) -> None:
    for directory, _subdirs, names in os.walk(root):
        for name in names:
            descriptor = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        _fsync_dir(Path(directory))


# --- wiring: a notice folder into an index directory --------------------------------------------


# Libraries whose output is part of a chunk's text: OpenCC converts traditional characters, pypdf
# and python-docx extract the text of PDF and Word files. An upgrade re-chunks every file.
_TEXT_LIBRARIES = ("opencc", "pypdf", "python-docx")


def pipeline_version() -> str:
    """Changes whenever the code, data or libraries that turn a file into chunks change, so that
    every file is re-chunked then (its unchanged chunks still keep their vectors, see
    `_vectors_for`)."""
    from knowledge import _catalog, _chunking, _loaders, _models, _mojibake, _normalize, _numerals

    digest = hashlib.sha1()
    sources = [
        Path(module.__file__ or "")
        for module in (_catalog, _chunking, _loaders, _models, _mojibake, _normalize, _numerals)
    ]
    sources.append(Path(_mojibake.REPAIRS_PATH))
    for source in sources:
        if source.is_file():
            digest.update(source.read_bytes())
    for library in _TEXT_LIBRARIES:
        digest.update(f"\x00{library}={_library_version(library)}".encode())
    return f"pipeline:{digest.hexdigest()[:16]}"


def _library_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def ingest_folder(
    notices_dir: Path,
    config: KnowledgeConfig,
    *,
    progress: ProgressCallback | None = None,
    embedder: Embedder | None = None,
) -> IngestReport:
    """Indexes the notices of a folder (with its catalog.yaml) into ``config.index_dir``.

    Raises `CatalogError` for a broken catalog.yaml (the metadata would be wrong), `IndexBusyError`
    when another ingest runs; unreadable notices are skipped and listed in the report.
    """
    from knowledge._catalog import load_catalog
    from knowledge._loaders import list_notice_files

    notices_dir = Path(notices_dir)
    if not notices_dir.is_dir():
        raise FileNotFoundError(f"找不到通知文件夹：{notices_dir}。请确认路径，或先创建它并放入通知文件。")
    catalog = load_catalog(notices_dir)
    registered = catalog.by_file()
    position = {document.file: i for i, document in enumerate(catalog.documents)}
    paths = sorted(list_notice_files(notices_dir), key=lambda path: position.get(path.name, len(position)))
    files = [NoticeFile(path, registered.get(path.name)) for path in paths]
    return _notice_builder(config, embedder).build(files, progress=progress)


def ingest_library(
    library: NoticeLibrary,
    config: KnowledgeConfig,
    *,
    progress: ProgressCallback | None = None,
    embedder: Embedder | None = None,
) -> IngestReport:
    """Indexes a `NoticeLibrary` into ``config.index_dir`` in one build (one generation swap): its
    base notices minus the withdrawn and replaced ones, plus the active staff uploads, with the
    merged catalog. Files unchanged since the serving generation are carried over, not re-read.

    Raises as `ingest_folder` does (a broken catalog of either folder: `CatalogError`)."""
    return _notice_builder(config, embedder).build(library.sources(), progress=progress)


def _notice_builder(config: KnowledgeConfig, embedder: Embedder | None) -> IndexBuilder:
    """The builder every ingest uses: the real loaders, chunker and configured embedder."""
    from knowledge._chunking import chunk_document

    return IndexBuilder(
        config.index_dir,
        embedder=embedder if embedder is not None else make_embedder(config.embeddings),
        load=load_notice,
        chunker=chunk_document,
        chunker_version=pipeline_version(),
        chroma_host=config.chroma_host,
        chroma_port=config.chroma_port,
    )


def load_notice(notice: NoticeFile) -> tuple[DocumentMeta, str]:
    """A notice's text and its catalog entry, completed from the text where the entry is silent."""
    from knowledge._catalog import complete_meta
    from knowledge._loaders import read_document

    text = read_document(notice.path)
    return complete_meta(notice.path, text, notice.entry), text
