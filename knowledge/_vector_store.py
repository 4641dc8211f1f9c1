"""Where chunk vectors live: the `VectorStore` seam and its Chroma implementation.

Chroma computes embeddings itself whenever a call carries none, and its default embedder (ONNX
MiniLM) downloads a model on first use. We never let that happen: collections are opened with
``embedding_function=None`` and every ``add`` and ``query`` passes the vectors we computed.
chromadb is imported inside the functions that need it, so ``import knowledge`` stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast

import numpy as np

from knowledge._models import Chunk

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

# Wider HNSW search than Chroma's defaults (ef 100, 16 neighbours), which returned a different
# top 50 than exact cosine for 15 of 59 sample questions (sometimes from rank 3 on), so fused
# results changed from one build to the next; with these, none differ. The cost is a fraction
# of a millisecond per query at this corpus size.
HNSW_SETTINGS: dict[str, Any] = {
    "space": "cosine",
    "ef_construction": 256,
    "ef_search": 256,
    "max_neighbors": 32,
}
# numpy arrays or plain lists: both reach chromadb through np.asarray.
Vector = Sequence[float] | np.ndarray
Matrix = Sequence[Sequence[float]] | np.ndarray
_COLLECTION_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")


class VectorStoreError(RuntimeError):
    """The vector store is unreachable or refused an operation."""


class VectorHit(NamedTuple):
    chunk_id: str
    similarity: float  # cosine similarity, higher is better


class VectorStore(Protocol):
    def add(self, chunks: Sequence[Chunk], embeddings: Matrix) -> None: ...

    def query(
        self, embedding: Vector, *, k: int, programmes: Sequence[str] | None = None
    ) -> list[VectorHit]: ...

    def count(self) -> int: ...


@dataclass(frozen=True)
class ChromaTarget:
    """A local persistent directory (default) or a Chroma server (when host is set)."""

    path: Path | None = None
    host: str | None = None
    port: int = 8000

    def __post_init__(self) -> None:
        if (self.path is None) == (self.host is None):
            raise ValueError("ChromaTarget 需要 path（本地目录）或 host（Chroma 服务器）二者之一。")

    @property
    def is_server(self) -> bool:
        return self.host is not None

    def client(self) -> ClientAPI:
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        try:
            if self.host is not None:
                return chromadb.HttpClient(host=self.host, port=self.port, settings=settings)
            assert self.path is not None
            self.path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(self.path), settings=settings)
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError here
            where = f"{self.host}:{self.port}" if self.host else str(self.path)
            raise VectorStoreError(f"无法打开 Chroma 向量库（{where}）：{exc}") from exc


def validate_collection_name(name: str) -> str:
    if not _COLLECTION_NAME.match(name) or ".." in name:
        raise ValueError(
            f"Chroma 集合名 {name!r} 不合法：只能用 3-512 个字母、数字、点、下划线或连字符，"
            "且首尾为字母或数字。"
        )
    return name


class ChromaVectorStore:
    """One Chroma collection of chunk vectors, cosine space, metadata from `Chunk.metadata()`."""

    def __init__(self, client: ClientAPI, name: str, *, create: bool = False) -> None:
        validate_collection_name(name)
        self._client = client
        self.name = name
        try:
            if create:
                self._collection = client.create_collection(
                    name, embedding_function=None, configuration=cast(Any, {"hnsw": HNSW_SETTINGS})
                )
            else:
                self._collection = client.get_collection(name, embedding_function=None)
        except Exception as exc:
            action = "创建" if create else "打开"
            raise VectorStoreError(f"无法{action} Chroma 集合 {name}：{exc}") from exc
        self._count: int | None = None

    def add(self, chunks: Sequence[Chunk], embeddings: Matrix) -> None:
        if len(chunks) != len(embeddings):
            raise ValueError(f"{len(chunks)} 个段落却有 {len(embeddings)} 个向量")
        matrix = np.asarray(embeddings, dtype=np.float32)  # chromadb takes numpy rows as they are
        batch = max(1, self._client.get_max_batch_size())
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            self._collection.add(
                ids=[chunk.id for chunk in part],
                embeddings=matrix[start : start + batch],
                documents=[chunk.text for chunk in part],
                metadatas=[chunk.metadata() for chunk in part],  # type: ignore[misc]
            )
        self._count = None

    def query(self, embedding: Vector, *, k: int, programmes: Sequence[str] | None = None) -> list[VectorHit]:
        n_results = min(k, self.count())
        if n_results <= 0 or (programmes is not None and not programmes):
            return []
        where: dict[str, Any] | None = None
        if programmes is not None:
            where = {"programme": {"$in": list(programmes)}}
        result = self._collection.query(
            query_embeddings=np.asarray([embedding], dtype=np.float32),
            n_results=n_results,
            where=where,
            include=["distances"],  # type: ignore[list-item]
        )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        pairs = zip(ids, distances, strict=True)
        return [VectorHit(chunk_id, 1.0 - float(distance)) for chunk_id, distance in pairs]

    def count(self) -> int:
        # A generation is never modified after it is built, so the count is asked once.
        if self._count is None:
            self._count = self._collection.count()
        return self._count


def delete_collection(client: ClientAPI, name: str) -> None:
    """Removes a collection; a collection that is already gone is not an error."""
    try:
        client.delete_collection(name)
    except Exception as exc:
        if name in list_collection_names(client):
            raise VectorStoreError(f"无法删除 Chroma 集合 {name}：{exc}") from exc


def list_collection_names(client: ClientAPI) -> list[str]:
    return [collection.name for collection in client.list_collections()]


def close_client(client: ClientAPI) -> None:
    """Releases a persistent client's files (chromadb shares one system per path, ref-counted)."""
    close = getattr(client, "close", None)
    if callable(close):
        close()
