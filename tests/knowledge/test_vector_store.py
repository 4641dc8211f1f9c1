from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from knowledge._models import Chunk
from knowledge._vector_store import (
    ChromaTarget,
    ChromaVectorStore,
    VectorStoreError,
    close_client,
    delete_collection,
    list_collection_names,
    validate_collection_name,
)


def make_chunk(n: int, programme: str | None) -> Chunk:
    text = f"第{n}段"
    return Chunk(
        id=Chunk.make_id("f.txt", "s", text),
        text=text,
        section="s",
        file="f.txt",
        title="t",
        programme=programme,
        order=n,
    )


@pytest.fixture
def local_target(tmp_path: Path) -> ChromaTarget:
    return ChromaTarget(path=tmp_path / "chroma")


@pytest.fixture
def filled(local_target: ChromaTarget) -> Iterator[tuple[ChromaVectorStore, list[Chunk], np.ndarray]]:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(12, 16)).astype(np.float32)
    chunks = [make_chunk(i, "qinghai-2025" if i % 2 else "lianyungang-2016-service-star") for i in range(12)]
    client = local_target.client()
    store = ChromaVectorStore(client, "chunks", create=True)
    store.add(chunks, vectors)
    yield store, chunks, vectors
    close_client(client)


def test_nearest_vector_comes_first_with_cosine_similarity(filled) -> None:
    store, chunks, vectors = filled
    hits = store.query(vectors[3], k=3)
    assert hits[0].chunk_id == chunks[3].id
    assert hits[0].similarity == pytest.approx(1.0, abs=1e-4)
    assert hits[0].similarity >= hits[1].similarity >= hits[2].similarity


def test_programme_filter_keeps_only_those_programmes(filled) -> None:
    store, chunks, vectors = filled
    by_id = {chunk.id: chunk for chunk in chunks}
    hits = store.query(vectors[3], k=12, programmes=["lianyungang-2016-service-star"])
    assert len(hits) == 6
    assert {by_id[hit.chunk_id].programme for hit in hits} == {"lianyungang-2016-service-star"}
    assert store.query(vectors[3], k=5, programmes=[]) == []
    assert store.query(vectors[3], k=5, programmes=["unknown"]) == []


def test_k_larger_than_the_collection_returns_everything(filled) -> None:
    store, _chunks, vectors = filled
    assert len(store.query(vectors[0], k=100)) == 12


def test_collection_persists_in_its_directory(filled, local_target: ChromaTarget) -> None:
    _store, chunks, vectors = filled
    client = local_target.client()
    try:
        reopened = ChromaVectorStore(client, "chunks")
        assert reopened.count() == 12
        assert reopened.query(vectors[5], k=1)[0].chunk_id == chunks[5].id
    finally:
        close_client(client)


def test_mismatched_lengths_are_rejected(local_target: ChromaTarget) -> None:
    client = local_target.client()
    store = ChromaVectorStore(client, "chunks", create=True)
    with pytest.raises(ValueError, match="2 个段落却有 1 个向量"):
        store.add([make_chunk(1, None), make_chunk(2, None)], np.zeros((1, 4), np.float32))
    close_client(client)


def test_opening_a_missing_collection_fails_clearly(local_target: ChromaTarget) -> None:
    client = local_target.client()
    with pytest.raises(VectorStoreError, match="无法打开 Chroma 集合 gen-000001"):
        ChromaVectorStore(client, "gen-000001")
    close_client(client)


def test_delete_collection_is_idempotent(local_target: ChromaTarget) -> None:
    client = local_target.client()
    ChromaVectorStore(client, "applicant-bot-gen-000001", create=True)
    assert list_collection_names(client) == ["applicant-bot-gen-000001"]
    delete_collection(client, "applicant-bot-gen-000001")
    delete_collection(client, "applicant-bot-gen-000001")
    assert list_collection_names(client) == []
    close_client(client)


@pytest.mark.parametrize("name", ["ab", "-abc", "abc-", "a b c", "服务之星", "a" * 513])
def test_invalid_collection_names_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="集合名"):
        validate_collection_name(name)


@pytest.mark.parametrize("name", ["abc", "applicant-bot-gen-000001", "a.b_c-d", "a" * 512])
def test_valid_collection_names_pass(name: str) -> None:
    assert validate_collection_name(name) == name


def test_target_needs_exactly_one_location(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="二者之一"):
        ChromaTarget()
    with pytest.raises(ValueError, match="二者之一"):
        ChromaTarget(path=tmp_path, host="localhost")


def test_unreachable_chroma_server_is_reported() -> None:
    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(VectorStoreError, match=f"无法打开 Chroma 向量库（127.0.0.1:{port}）"):
        ChromaTarget(host="127.0.0.1", port=port).client()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # chromadb warns about the legacy default config
def test_the_guard_would_catch_chromas_default_embedder(local_target: ChromaTarget) -> None:
    """Control for conftest's guard: a collection left with Chroma's default embedder trips it."""
    client = local_target.client()
    careless = client.create_collection("careless")  # no embedding_function=None
    with pytest.raises(AssertionError, match="default embedding function"):
        careless.add(ids=["x"], documents=["没有向量的文字"])
    close_client(client)


def test_importing_knowledge_loads_neither_chromadb_nor_jieba() -> None:
    """Both load on first use (about 0.5 s and 0.2 s): `applicant-bot --help` and the ingest or
    chat set-up stay quick, and a process that never searches never pays for them."""
    script = "import sys, knowledge; print(sorted({'chromadb', 'jieba'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
