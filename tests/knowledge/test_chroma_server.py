"""The index against a real Chroma server (`chroma run`), as deployed with `chroma_host` set.

A server on 127.0.0.1 is started once for the module; the last tests start their own, because
they stop it. Each test builds its own notice folder and index directories, and every index
directory has its own random id, so tests sharing the server never see each other's collections.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge._config import KnowledgeConfig
from knowledge._index import (
    CHROMA_DIR,
    index_id,
    ingest_folder,
    read_current,
    read_manifest,
)
from knowledge._retrieval import FusionParams, Retriever
from knowledge._vector_store import ChromaTarget, VectorStoreError, list_collection_names

STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 15.0

CATALOG = """documents:
  - file: lyg-2016.txt
    title: 关于开展2016年度连云港市用户满意服务之星活动的通知
    programme: lianyungang-2016
  - file: qh-2025.txt
    title: 关于开展2025年青海省用户满意度测评工作的通知
    programme: qinghai-2025
"""

# Both programmes answer "when is the deadline" and "what format", with different facts.
NOTICES = {
    "lyg-2016.txt": (
        "关于开展2016年度连云港市用户满意服务之星活动的通知\n"
        "一、申报时间\n申报截止时间：2016年9月10日。\n"
        "二、申报要求\n创建活动自愿参加，全程免费。\n"
        "三、材料格式\n申报材料用A4纸打印，一式两份。\n"
    ),
    "qh-2025.txt": (
        "关于开展2025年青海省用户满意度测评工作的通知\n"
        "一、申报时间\n材料申报截止日期为2025年8月25日。\n"
        "二、报告格式\n正文为四号宋体、1.5倍行距，文字篇幅1万字以内。\n"
    ),
}


# --- the server ------------------------------------------------------------------------------------


def chroma_executable() -> Path | None:
    """The `chroma` console script of the interpreter running the tests (the project venv)."""
    beside = Path(sys.executable).parent / "chroma"
    if beside.is_file():
        return beside
    found = shutil.which("chroma")
    return Path(found) if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ChromaServer:
    """One `chroma run` process on 127.0.0.1 with its data in `path`."""

    host = "127.0.0.1"  # the suite's network guard allows this machine only

    def __init__(self, executable: Path, path: Path) -> None:
        self.executable = executable
        self.path = path
        self.port = free_port()
        self.log_path = path.with_suffix(".log")
        self.process: subprocess.Popen[bytes] | None = None

    def config(self, index_dir: Path) -> KnowledgeConfig:
        return KnowledgeConfig(index_dir=index_dir, chroma_host=self.host, chroma_port=self.port)

    def start(self) -> None:
        command = [self.executable, "run", "--path", self.path, "--host", self.host, "--port", str(self.port)]
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_answering()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=SHUTDOWN_TIMEOUT_S)
        self.process = None

    def collections(self) -> set[str]:
        return set(list_collection_names(ChromaTarget(host=self.host, port=self.port).client()))

    def collection_count(self, name: str) -> int:
        return ChromaTarget(host=self.host, port=self.port).client().get_collection(name).count()

    def delete(self, name: str) -> None:
        ChromaTarget(host=self.host, port=self.port).client().delete_collection(name)

    def _wait_until_answering(self) -> None:
        assert self.process is not None
        url = f"http://{self.host}:{self.port}/api/v2/heartbeat"
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 directly
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}: {self._log_tail()}")
            try:
                with no_proxy.open(url, timeout=2) as response:
                    if "nanosecond heartbeat" in json.loads(response.read()):
                        return
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run did not answer within {STARTUP_TIMEOUT_S} s: {self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]


def started_server(path: Path) -> Iterator[ChromaServer]:
    executable = chroma_executable()
    if executable is None:
        pytest.skip("the `chroma` executable (chromadb's server) is not installed beside this Python")
    server = ChromaServer(executable, path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    yield from started_server(tmp_path_factory.mktemp("chroma-server") / "data")


@pytest.fixture
def own_chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A server for one test that stops it."""
    yield from started_server(tmp_path / "chroma-data")


# --- the corpus ------------------------------------------------------------------------------------


@pytest.fixture
def notices(tmp_path: Path) -> Path:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    for name, text in NOTICES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def own_collections(server: ChromaServer, index_dir: Path) -> set[str]:
    """The collections on the server that carry this index directory's id."""
    return {name for name in server.collections() if f"-{index_id(index_dir)}-" in name}


def served_collection(index_dir: Path) -> str:
    generation = read_current(index_dir)
    assert generation is not None
    return read_manifest(index_dir / generation).collection


def top_text(retriever: Retriever, question: str, programme: str) -> str:
    return retriever.search(question, programmes=[programme], k=1)[0].chunk.text


# --- the tests -------------------------------------------------------------------------------------


def test_ingest_puts_the_vectors_on_the_server_and_search_keeps_to_the_programme(
    chroma_server: ChromaServer, notices: Path, tmp_path: Path
) -> None:
    config = chroma_server.config(tmp_path / "index")
    report = ingest_folder(notices, config)

    assert report.indexed == sorted(NOTICES)
    collection = served_collection(config.index_dir)
    assert collection == f"applicant-bot-{index_id(config.index_dir)}-gen-000001"
    assert own_collections(chroma_server, config.index_dir) == {collection}
    assert chroma_server.collection_count(collection) == report.chunks
    assert not (config.index_dir / report.generation / CHROMA_DIR).exists()  # nothing stored locally

    retriever = Retriever.from_config(config)
    hits = retriever.search("申报截止日期是哪天", programmes=["qinghai-2025"], k=3)
    assert "2025年8月25日" in hits[0].chunk.text
    assert {hit.chunk.programme for hit in hits} == {"qinghai-2025"}
    assert hits[0].vector_rank is not None  # the server answered the vector channel
    assert "2016年9月10日" in top_text(retriever, "申报截止日期是哪天", "lianyungang-2016")
    retriever.close()

    # The server's own programme filter: the vector channel alone stays inside the programme.
    vectors_only = Retriever.from_config(config, fusion=FusionParams(lexical_weight=0.0))
    hits = vectors_only.search("正文用几号字、行距多少", programmes=["qinghai-2025"], k=10)
    assert hits and {hit.chunk.programme for hit in hits} == {"qinghai-2025"}
    assert all(hit.vector_rank is not None and hit.lexical_rank is None for hit in hits)
    vectors_only.close()


def test_reingesting_a_changed_file_swaps_collections_and_deletes_the_old_one(
    chroma_server: ChromaServer, notices: Path, tmp_path: Path
) -> None:
    config = chroma_server.config(tmp_path / "index")
    ingest_folder(notices, config)
    first = served_collection(config.index_dir)
    serving = Retriever.from_config(config)  # a running bot, opened on the first generation

    unchanged = ingest_folder(notices, config)
    assert not unchanged.changed
    assert own_collections(chroma_server, config.index_dir) == {first}

    (notices / "qh-2025.txt").write_text(
        NOTICES["qh-2025.txt"].replace("2025年8月25日", "2025年9月5日"), encoding="utf-8"
    )
    report = ingest_folder(notices, config)

    assert (report.generation, report.indexed, report.reused) == (
        "gen-000002",
        ["qh-2025.txt"],
        ["lyg-2016.txt"],
    )
    second = served_collection(config.index_dir)
    assert second == first.replace("gen-000001", "gen-000002")
    assert own_collections(chroma_server, config.index_dir) == {second}  # the old generation is gone
    assert chroma_server.collection_count(second) == report.chunks
    hit = serving.search("申报截止日期是哪天", programmes=["qinghai-2025"], k=1)[0]
    assert serving.generation == "gen-000002"  # the running bot moved to the new collection
    assert "2025年9月5日" in hit.chunk.text and hit.vector_rank is not None
    serving.close()


def test_two_deployments_sharing_the_server_keep_their_collections(
    chroma_server: ChromaServer, notices: Path, tmp_path: Path
) -> None:
    staging = chroma_server.config(tmp_path / "staging-index")
    production = chroma_server.config(tmp_path / "production-index")
    ingest_folder(notices, staging)
    ingest_folder(notices, production)
    production_collection = served_collection(production.index_dir)
    assert index_id(staging.index_dir) != index_id(production.index_dir)
    assert served_collection(staging.index_dir) != production_collection

    (notices / "lyg-2016.txt").write_text(
        NOTICES["lyg-2016.txt"].replace("全程免费", "收取工本费"), encoding="utf-8"
    )
    ingest_folder(notices, staging)  # staging moves to gen-2 and deletes its own gen-1
    shutil.rmtree(staging.index_dir)
    ingest_folder(notices, chroma_server.config(tmp_path / "staging-index"))  # a fresh directory, new id

    assert own_collections(chroma_server, production.index_dir) == {production_collection}
    retriever = Retriever.from_config(production)
    hit = retriever.search("要收费吗", programmes=["lianyungang-2016"], k=1)[0]
    assert "全程免费" in hit.chunk.text and hit.vector_rank is not None
    retriever.close()


def test_reingest_restores_a_collection_the_server_lost(
    chroma_server: ChromaServer, notices: Path, tmp_path: Path
) -> None:
    """A Chroma server replaced or wiped: the files did not change, but the vectors must come back."""
    config = chroma_server.config(tmp_path / "index")
    ingest_folder(notices, config)
    chroma_server.delete(served_collection(config.index_dir))

    report = ingest_folder(notices, config)

    assert report.changed and report.embedded_chunks == 0  # the vectors kept on disk are sent again
    assert own_collections(chroma_server, config.index_dir) == {served_collection(config.index_dir)}
    retriever = Retriever.from_config(config)
    assert retriever.search("申报截止日期是哪天", programmes=["qinghai-2025"], k=1)[0].vector_rank is not None
    retriever.close()


def test_a_stopped_server_leaves_bm25_answering(
    own_chroma_server: ChromaServer,
    notices: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = own_chroma_server.config(tmp_path / "index")
    ingest_folder(notices, config)
    running = Retriever.from_config(config)  # opened while the server was up
    assert running.search("申报截止日期是哪天", programmes=["qinghai-2025"], k=1)[0].vector_rank is not None

    own_chroma_server.stop()
    with caplog.at_level(logging.WARNING, logger="knowledge._retrieval"):
        started_later = Retriever.from_config(config)  # a bot started while the server is down
        for retriever in (running, started_later):
            hits = retriever.search("申报截止日期是哪天", programmes=["qinghai-2025"], k=3)
            assert "2025年8月25日" in hits[0].chunk.text
            assert all(hit.vector_rank is None for hit in hits)
    assert "BM25 only" in caplog.text

    # An ingest cannot write vectors now: it says so and the served generation stays.
    (notices / "qh-2025.txt").write_text("一、申报时间\n截止日期另行通知。\n", encoding="utf-8")
    with pytest.raises(VectorStoreError, match="无法打开 Chroma 向量库"):
        ingest_folder(notices, config)
    assert read_current(config.index_dir) == "gen-000001"
    assert "2025年8月25日" in top_text(started_later, "申报截止日期是哪天", "qinghai-2025")
    running.close()
    started_later.close()


def test_a_bot_started_while_the_server_was_down_uses_vectors_once_it_is_back(
    own_chroma_server: ChromaServer,
    notices: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("knowledge._retrieval.VECTOR_STORE_RETRY_S", 0.0)  # retry at every search
    config = own_chroma_server.config(tmp_path / "index")
    ingest_folder(notices, config)
    own_chroma_server.stop()
    retriever = Retriever.from_config(config)
    assert retriever.search("申报截止日期是哪天", k=1)[0].vector_rank is None  # retried: still down

    own_chroma_server.start()  # same port, same data
    hit = retriever.search("申报截止日期是哪天", programmes=["qinghai-2025"], k=1)[0]
    assert "2025年8月25日" in hit.chunk.text and hit.vector_rank is not None
    retriever.close()
