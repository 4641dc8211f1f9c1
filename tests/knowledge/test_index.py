from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge._catalog import CatalogError
from knowledge._config import KnowledgeConfig
from knowledge._embedders import CharNgramEmbedder
from knowledge._index import (
    CURRENT_FILE,
    INDEX_FORMAT,
    FileProgress,
    IndexBuilder,
    IndexBusyError,
    NoticeFile,
    ingest_folder,
    read_chunk_rows,
    read_current,
    read_manifest,
)
from knowledge._models import Chunk, DocumentMeta
from knowledge._retrieval import Retriever

NOTICES = {
    "a-deadline.txt": "# 申报时间\n申报截止时间：2016年9月10日。\n\n# 收费\n创建活动自愿参加，全程免费。",
    "b-format.txt": "# 格式要求\n正文为四号宋体、1.5倍行距。\n\n# 篇幅\n文字篇幅1万字以内。",
    "c-review.txt": "# 有效期\n荣誉有效期三年，期满后需复议。",
}


def paragraph_chunker(text: str, meta: DocumentMeta) -> list[Chunk]:
    """Test chunker: one chunk per paragraph, its '# ' line as the section."""
    chunks = []
    for order, block in enumerate(part for part in text.split("\n\n") if part.strip()):
        heading, _, body = block.partition("\n")
        section = heading.removeprefix("# ")
        chunks.append(
            Chunk(
                id=Chunk.make_id(meta.file, section, body),
                text=body,
                section=section,
                file=meta.file,
                title=meta.title,
                programme=meta.programme,
                order=order,
            )
        )
    return chunks


class CountingEmbedder:
    """Char n-grams, counting the texts it is asked to embed; can fail on a given call."""

    hashed_features = True  # as the char n-grams it wraps

    def __init__(self, *, dims: int = 64, fail_on_call: int | None = None) -> None:
        self.inner = CharNgramEmbedder(dims=dims)
        self.texts: list[str] = []
        self.calls = 0
        self.fail_on_call = fail_on_call

    @property
    def signature(self) -> str:
        return self.inner.signature

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        if self.fail_on_call is not None and self.calls >= self.fail_on_call:
            raise RuntimeError("embedding service went away")
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class Corpus:
    """A folder of notices plus their catalog entries, editable by the tests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir()
        self.titles: dict[str, str] = {}
        for name, text in NOTICES.items():
            self.write(name, text)
        self.loads: list[str] = []
        self.chunked: list[str] = []

    def write(self, name: str, text: str) -> None:
        (self.root / name).write_text(text, encoding="utf-8")
        self.titles.setdefault(name, f"通知 {name}")

    def remove(self, name: str) -> None:
        (self.root / name).unlink()
        del self.titles[name]

    def files(self) -> list[NoticeFile]:
        return [
            NoticeFile(self.root / name, DocumentMeta(file=name, title=title, programme=name.split("-")[0]))
            for name, title in sorted(self.titles.items())
        ]

    def load(self, notice: NoticeFile) -> tuple[DocumentMeta, str]:
        self.loads.append(notice.name)
        assert notice.entry is not None
        return notice.entry, notice.path.read_text(encoding="utf-8")

    def chunker(self, text: str, meta: DocumentMeta) -> list[Chunk]:
        self.chunked.append(meta.file)
        return paragraph_chunker(text, meta)

    def builder(self, index_dir: Path, embedder: CountingEmbedder) -> IndexBuilder:
        return IndexBuilder(
            index_dir,
            embedder=embedder,
            load=self.load,
            chunker=self.chunker,
            chunker_version="paragraphs-1",
        )


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return Corpus(tmp_path / "notices")


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


def build(corpus: Corpus, index_dir: Path, embedder: CountingEmbedder | None = None):
    return corpus.builder(index_dir, embedder or CountingEmbedder()).build(corpus.files())


def files_in_index(index_dir: Path) -> set[str]:
    generation = read_current(index_dir)
    assert generation is not None
    return {row["file"] for row in read_chunk_rows(index_dir / generation)}


def search_texts(index_dir: Path, query: str) -> list[str]:
    retriever = Retriever(index_dir, embedder=CharNgramEmbedder(dims=64), normalize=lambda text: text)
    try:
        return [hit.chunk.text for hit in retriever.search(query, k=3)]
    finally:
        retriever.close()


def test_first_build_indexes_every_file(corpus: Corpus, index_dir: Path) -> None:
    embedder = CountingEmbedder()
    report = build(corpus, index_dir, embedder)
    assert report.changed
    assert report.indexed == sorted(NOTICES)
    assert (report.files_seen, report.chunks, report.embedded_chunks) == (3, 5, 5)
    assert read_current(index_dir) == report.generation == "gen-000001"
    assert len(embedder.texts) == 5
    assert embedder.texts[0].startswith("申报时间\n")  # the section path is embedded with the text
    assert search_texts(index_dir, "申报截止时间是哪天")[0] == "申报截止时间：2016年9月10日。"


def test_the_summary_line_counts_what_happened(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    corpus.remove("c-review.txt")
    corpus.write("d-empty.txt", "")
    line = build(corpus, index_dir).summary_line()
    assert line.startswith("索引已更新：3 个文件（新建或更新 0，沿用 2，移除 1，跳过 1），共 4 段")
    assert "本次计算向量 0 段" in line


def test_unchanged_files_are_neither_rechunked_nor_reembedded(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    corpus.chunked.clear()
    embedder = CountingEmbedder()
    report = build(corpus, index_dir, embedder)
    assert not report.changed
    assert report.reused == sorted(NOTICES)
    assert report.indexed == []
    assert embedder.texts == []
    assert corpus.chunked == []
    assert read_current(index_dir) == "gen-000001"


def test_only_the_changed_file_is_reindexed(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    corpus.write("b-format.txt", "# 格式要求\n正文为三号仿宋、2倍行距。")
    os.utime(corpus.root / "a-deadline.txt")  # a newer date with the same bytes is not a change
    corpus.chunked.clear()
    embedder = CountingEmbedder()
    report = build(corpus, index_dir, embedder)
    assert report.indexed == ["b-format.txt"]
    assert report.reused == ["a-deadline.txt", "c-review.txt"]
    assert corpus.chunked == ["b-format.txt"]
    assert embedder.texts == ["格式要求\n正文为三号仿宋、2倍行距。"]
    assert report.chunks == 4
    assert sorted(p.name for p in index_dir.glob("gen-*")) == ["gen-000002"]  # the old one is gone
    assert search_texts(index_dir, "正文用几号字")[0] == "正文为三号仿宋、2倍行距。"
    assert "文字篇幅1万字以内。" not in search_texts(index_dir, "篇幅多少字")


def test_a_changed_catalog_entry_reindexes_that_file(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    corpus.titles["c-review.txt"] = "创建活动管理办法（修订）"
    report = build(corpus, index_dir)
    assert report.indexed == ["c-review.txt"]
    generation = read_current(index_dir)
    assert generation is not None
    titles = {row["file"]: row["title"] for row in read_chunk_rows(index_dir / generation)}
    assert titles["c-review.txt"] == "创建活动管理办法（修订）"


def test_a_removed_file_leaves_the_index(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    corpus.remove("c-review.txt")
    embedder = CountingEmbedder()
    report = build(corpus, index_dir, embedder)
    assert report.removed == ["c-review.txt"]
    assert report.reused == ["a-deadline.txt", "b-format.txt"]
    assert embedder.texts == []
    assert files_in_index(index_dir) == {"a-deadline.txt", "b-format.txt"}
    assert all("复议" not in text for text in search_texts(index_dir, "荣誉有效期满后需复议吗"))


def test_a_new_embedder_reembeds_everything_without_rechunking(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    corpus.chunked.clear()
    embedder = CountingEmbedder(dims=128)
    report = build(corpus, index_dir, embedder)
    assert report.changed
    assert report.indexed == sorted(NOTICES)
    assert len(embedder.texts) == 5
    assert corpus.chunked == []
    generation = read_current(index_dir)
    assert generation is not None
    manifest = read_manifest(index_dir / generation)
    assert (manifest.embedder, manifest.dimensions) == (embedder.signature, 128)


def test_unreadable_and_empty_files_are_skipped_with_reasons(corpus: Corpus, index_dir: Path) -> None:
    corpus.write("d-scan.txt", "   \n\n")
    corpus.write("e-broken.txt", "irrelevant")
    original = corpus.load

    def load(notice: NoticeFile) -> tuple[DocumentMeta, str]:
        if notice.name == "e-broken.txt":
            corpus.loads.append(notice.name)
            raise ValueError("PDF 文件已损坏")
        return original(notice)

    corpus.load = load  # type: ignore[method-assign]
    report = build(corpus, index_dir)
    reasons = {skip.file: skip.reason for skip in report.skipped}
    assert set(reasons) == {"d-scan.txt", "e-broken.txt"}
    assert "没有可检索的文字" in reasons["d-scan.txt"]
    assert "PDF 文件已损坏" in reasons["e-broken.txt"]
    assert report.indexed == sorted(NOTICES)
    # Unchanged, the broken file is reported again without being read again.
    corpus.loads.clear()
    again = build(corpus, index_dir)
    assert {skip.file for skip in again.skipped} == {"d-scan.txt", "e-broken.txt"}
    assert corpus.loads == []
    assert not again.changed


def test_progress_is_reported_once_per_file(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    corpus.write("b-format.txt", "# 格式要求\n正文为三号仿宋。")
    events: list[FileProgress] = []
    corpus.builder(index_dir, CountingEmbedder()).build(corpus.files(), progress=events.append)
    assert [(e.file, e.position, e.total, e.status) for e in events] == [
        ("a-deadline.txt", 1, 3, "reused"),
        ("b-format.txt", 2, 3, "indexed"),
        ("c-review.txt", 3, 3, "reused"),
    ]
    assert [e.chunks for e in events] == [2, 1, 1]


def test_a_failed_build_leaves_the_previous_generation_serving(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    serving = Retriever(index_dir, embedder=CharNgramEmbedder(dims=64), normalize=lambda text: text)
    corpus.write("a-deadline.txt", "# 申报时间\n申报截止时间：2017年3月1日。")
    corpus.write("b-format.txt", "# 格式要求\n正文为三号仿宋。")
    with pytest.raises(RuntimeError, match="embedding service went away"):
        build(corpus, index_dir, CountingEmbedder(fail_on_call=2))
    assert read_current(index_dir) == "gen-000001"
    assert sorted(p.name for p in index_dir.glob("gen-*")) == ["gen-000001"]  # no half generation
    assert serving.search("申报截止时间", k=1)[0].chunk.text == "申报截止时间：2016年9月10日。"
    serving.close()
    assert search_texts(index_dir, "申报截止时间")[0] == "申报截止时间：2016年9月10日。"
    # The next build succeeds and replaces it.
    report = build(corpus, index_dir)
    assert report.indexed == ["a-deadline.txt", "b-format.txt"]
    assert search_texts(index_dir, "申报截止时间")[0] == "申报截止时间：2017年3月1日。"


def test_leftovers_of_a_crashed_build_are_removed(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    (index_dir / "gen-000007" / "chroma").mkdir(parents=True)  # a build killed before its swap
    (index_dir / f"{CURRENT_FILE}.tmp").write_text("gen-000007\n")
    assert read_current(index_dir) == "gen-000001"  # never served: CURRENT was not swapped
    corpus.write("c-review.txt", "# 有效期\n荣誉有效期两年。")
    report = build(corpus, index_dir)
    assert report.generation == "gen-000008"  # names are never reused
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith(("gen-", "CURRENT"))) == [
        "CURRENT",
        "gen-000008",
    ]


def test_a_second_ingest_is_refused_while_one_holds_the_lock(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from knowledge._index import ingest_lock\n"
            f"with ingest_lock(Path({str(index_dir)!r})):\n"
            "    print('locked', flush=True); sys.stdin.readline()",
        ],
        cwd=Path(__file__).resolve().parents[2],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexBusyError, match="另一个导入正在更新索引"):
            build(corpus, index_dir)
    finally:
        holder.communicate("\n", timeout=30)
    assert build(corpus, index_dir).reused == sorted(NOTICES)  # released: the next ingest runs


def test_manifest_records_hashes_and_signatures(corpus: Corpus, index_dir: Path) -> None:
    report = build(corpus, index_dir)
    manifest = json.loads((index_dir / report.generation / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) == set(NOTICES)
    assert manifest["chunker"] == "paragraphs-1"
    assert manifest["store"] == "local"
    assert manifest["chunk_count"] == 5
    assert all(len(entry["hash"]) == 64 for entry in manifest["files"].values())


def test_editing_one_paragraph_reembeds_only_that_paragraph(corpus: Corpus, index_dir: Path) -> None:
    build(corpus, index_dir)
    corpus.write(
        "a-deadline.txt", "# 申报时间\n申报截止时间：2016年9月30日。\n\n# 收费\n创建活动自愿参加，全程免费。"
    )
    embedder = CountingEmbedder()
    report = build(corpus, index_dir, embedder)
    assert report.indexed == ["a-deadline.txt"]
    assert embedder.texts == [
        "申报时间\n申报截止时间：2016年9月30日。"
    ]  # the unchanged paragraph kept its vector
    assert report.embedded_chunks == 1


def test_a_new_chunker_rechunks_every_file_but_keeps_unchanged_vectors(
    corpus: Corpus, index_dir: Path
) -> None:
    build(corpus, index_dir)
    corpus.chunked.clear()
    embedder = CountingEmbedder()
    builder = corpus.builder(index_dir, embedder)
    builder.chunker_version = "paragraphs-2"
    report = builder.build(corpus.files())
    assert report.indexed == sorted(NOTICES)
    assert corpus.chunked == sorted(NOTICES)
    assert embedder.texts == []  # same chunks came out: same ids, same vectors


def test_query_weights_are_stored_for_hashed_features_only(corpus: Corpus, index_dir: Path) -> None:
    report = build(corpus, index_dir)
    assert read_manifest(index_dir / report.generation).query_weights
    assert (index_dir / report.generation / "query_weights.npy").is_file()

    class DenseEmbedder(CountingEmbedder):
        hashed_features = False

        @property
        def signature(self) -> str:
            return "dense-test"

    dense = build(corpus, index_dir, DenseEmbedder())
    assert not read_manifest(index_dir / dense.generation).query_weights
    assert not (index_dir / dense.generation / "query_weights.npy").exists()


def stored_documents(index_dir: Path, generation: str) -> dict[str, DocumentMeta | None]:
    return {name: entry.document for name, entry in read_manifest(index_dir / generation).files.items()}


def test_each_files_catalog_entry_is_stored_with_it(corpus: Corpus, index_dir: Path) -> None:
    registered = {notice.name: notice.entry for notice in corpus.files()}
    report = build(corpus, index_dir)
    assert stored_documents(index_dir, report.generation) == registered
    corpus.write("b-format.txt", "# 格式要求\n正文为三号仿宋。")
    again = build(corpus, index_dir)
    assert again.reused == ["a-deadline.txt", "c-review.txt"]  # carried over with their entries
    assert stored_documents(index_dir, again.generation) == registered


def test_reordering_the_catalog_reorders_the_stored_entries_without_reindexing(
    corpus: Corpus, index_dir: Path
) -> None:
    build(corpus, index_dir)
    embedder = CountingEmbedder()
    report = corpus.builder(index_dir, embedder).build(list(reversed(corpus.files())))
    assert report.changed and report.reused == sorted(NOTICES) and embedder.texts == []
    assert list(stored_documents(index_dir, report.generation)) == sorted(NOTICES, reverse=True)


def test_an_index_of_an_older_format_is_rebuilt_from_the_files(corpus: Corpus, index_dir: Path) -> None:
    report = build(corpus, index_dir)
    manifest_path = index_dir / report.generation / "manifest.json"
    old = json.loads(manifest_path.read_text(encoding="utf-8"))
    old["format"] = INDEX_FORMAT - 1  # its chunks were cut differently: none may be reused
    manifest_path.write_text(json.dumps(old), encoding="utf-8")
    corpus.chunked.clear()
    embedder = CountingEmbedder()
    rebuilt = build(corpus, index_dir, embedder)
    assert rebuilt.changed and rebuilt.generation == "gen-000002" and rebuilt.reused == []
    assert corpus.chunked == sorted(NOTICES) and embedder.texts  # re-chunked and re-embedded
    assert read_manifest(index_dir / rebuilt.generation).format == INDEX_FORMAT
    assert stored_documents(index_dir, rebuilt.generation) == {n.name: n.entry for n in corpus.files()}


# --- a real notice folder through the loaders and the chunker ---

CATALOG = """documents:
  - file: notice.txt
    title: 关于开展2016年度用户满意服务之星活动的通知
    programme: demo-2016
"""


def test_ingest_folder_uses_the_catalog_and_reports_unreadable_files(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (folder / "notice.txt").write_text(
        "关于开展2016年度用户满意服务之星活动的通知\n一、申报时间\n申报截止时间：2016年9月10日。\n"
        "二、申报要求\n创建活动自愿参加，全程免费。\n",
        encoding="utf-8",
    )
    (folder / "extra.txt").write_text(
        "服务明星事迹材料范文\n一、服务理念\n用户至上，真诚服务。\n", encoding="utf-8"
    )
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    events: list[FileProgress] = []

    report = ingest_folder(folder, config, progress=events.append)

    assert report.indexed == ["extra.txt", "notice.txt"]
    assert [skip.file for skip in report.skipped] == ["scan.pdf"]
    assert "无法解析" in report.skipped[0].reason  # the loader's own explanation, in Chinese
    assert [event.file for event in events] == ["extra.txt", "notice.txt", "scan.pdf"]
    retriever = Retriever.from_config(config)
    hit = retriever.search("要收费吗", k=1)[0]
    assert (hit.chunk.file, hit.chunk.programme) == ("notice.txt", "demo-2016")
    assert hit.chunk.title == "关于开展2016年度用户满意服务之星活动的通知"
    assert retriever.search("服务理念", k=1)[0].chunk.title == "服务明星事迹材料范文"  # not in the catalog
    documents = {document.file: document for document in retriever.documents()}
    assert list(documents) == ["notice.txt", "extra.txt"]  # the catalog's files first, in its order
    assert documents["notice.txt"] == DocumentMeta(
        file="notice.txt", title="关于开展2016年度用户满意服务之星活动的通知", programme="demo-2016"
    )
    # A file the catalog does not list is a programme of its own, named by the file.
    assert documents["extra.txt"] == DocumentMeta(
        file="extra.txt", title="服务明星事迹材料范文", programme="extra"
    )
    assert "scan.pdf" not in documents
    retriever.close()
    assert ingest_folder(folder, config).changed is False


def test_ingest_folder_refuses_a_broken_catalog(tmp_path: Path) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "catalog.yaml").write_text("documents: [{title: 没有文件名}]", encoding="utf-8")
    with pytest.raises(CatalogError, match="file"):
        ingest_folder(folder, KnowledgeConfig(index_dir=tmp_path / "index"))


def test_ingest_folder_needs_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="找不到通知文件夹"):
        ingest_folder(tmp_path / "missing", KnowledgeConfig(index_dir=tmp_path / "index"))


def test_an_upgrade_of_a_text_library_changes_the_pipeline_version(monkeypatch) -> None:
    import knowledge._index as index

    before = index.pipeline_version()
    real = index._library_version
    monkeypatch.setattr(index, "_library_version", lambda name: "99.0" if name == "opencc" else real(name))
    assert index.pipeline_version() != before  # OpenCC, pypdf, python-docx change chunk text
