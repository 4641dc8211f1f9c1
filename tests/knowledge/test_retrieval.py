from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from benchmarks.eval_set import first_hit_rank, load_eval, retrieval_figures
from knowledge._config import KnowledgeConfig
from knowledge._embedders import CharNgramEmbedder
from knowledge._index import IndexBuilder, IndexNotFoundError, NoticeFile, ingest_folder
from knowledge._models import Chunk, DocumentMeta
from knowledge._retrieval import FusionParams, IndexMismatchError, Retriever
from knowledge._vector_store import ChromaTarget, VectorStoreError

# Two programmes whose notices say similar things, and a sample write-up without a programme.
NOTICES = {
    "lyg.txt": (
        "lianyungang-2016",
        "申报时间|申报截止时间：2016年9月10日。\n"
        "申报要求|创建活动自愿参加，全程免费。\n"
        "满意度测评|服务对象少于50个的，应进行全数调查，样本数量不少于50个。",
    ),
    "qh.txt": (
        "qinghai-2025",
        "申报时间|材料申报截止日期为2025年8月25日。\n报告格式|正文为四号宋体、1.5倍行距，文字篇幅1万字以内。",
    ),
    "gd.txt": ("", "动态管理|荣誉有效期为三年，期满后需复议，对符合条件者予以重新确认表彰。"),
}


def line_chunker(text: str, meta: DocumentMeta) -> list[Chunk]:
    """Test chunker: one chunk per line, "section|text"."""
    chunks = []
    for order, line in enumerate(text.splitlines()):
        section, _, body = line.partition("|")
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


def build_index(root: Path, notices: dict[str, tuple[str, str]], *, embedder=None) -> Path:
    folder, index_dir = root / "notices", root / "index"
    folder.mkdir(exist_ok=True)
    files = []
    for name, (programme, text) in notices.items():
        (folder / name).write_text(text, encoding="utf-8")
        files.append(
            NoticeFile(folder / name, DocumentMeta(file=name, title=name, programme=programme or None))
        )
    for stale in set(p.name for p in folder.iterdir()) - set(notices):
        (folder / stale).unlink()
    IndexBuilder(
        index_dir,
        embedder=embedder or CharNgramEmbedder(),
        load=lambda notice: (notice.entry, notice.path.read_text(encoding="utf-8")),
        chunker=line_chunker,
        chunker_version="lines-1",
    ).build(files)
    return index_dir


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return build_index(tmp_path, NOTICES)


@pytest.fixture
def retriever(index_dir: Path):
    opened = Retriever(index_dir, embedder=CharNgramEmbedder())
    yield opened
    opened.close()


def test_the_answering_passage_comes_first_with_both_channel_ranks(retriever: Retriever) -> None:
    hits = retriever.search("满意度调查最少要调查多少个用户", k=3)
    assert hits[0].chunk.text.startswith("服务对象少于50个")
    assert hits[0].chunk.section == "满意度测评"
    assert hits[0].lexical_rank == 1 and hits[0].lexical_score > 0
    assert hits[0].vector_rank is not None
    assert hits[0].score > hits[1].score


def test_a_question_in_traditional_characters_matches(retriever: Retriever) -> None:
    assert retriever.search("參加服務之星要收費嗎？", k=1)[0].chunk.text == "创建活动自愿参加，全程免费。"


def test_programme_filter_keeps_only_those_programmes(retriever: Retriever) -> None:
    hits = retriever.search("申报截止时间是哪天", programmes=["qinghai-2025"], k=8)
    assert hits and {hit.chunk.programme for hit in hits} == {"qinghai-2025"}
    assert hits[0].chunk.text == "材料申报截止日期为2025年8月25日。"
    both = retriever.search("申报截止时间是哪天", programmes=["qinghai-2025", "lianyungang-2016"], k=8)
    assert {hit.chunk.programme for hit in both} == {"qinghai-2025", "lianyungang-2016"}
    assert retriever.search("申报截止时间", programmes=[]) == []
    assert retriever.search("申报截止时间", programmes=["beijing-2030"]) == []
    assert retriever.programmes == ["lianyungang-2016", "qinghai-2025"]


def test_an_empty_programme_id_stands_for_chunks_without_a_programme(retriever: Retriever) -> None:
    hits = retriever.search("荣誉有效期满后怎么办", programmes=["qinghai-2025", ""], k=8)
    assert hits[0].chunk.file == "gd.txt" and hits[0].chunk.programme is None
    assert hits[0].vector_rank is not None  # both channels understand the empty id
    assert {hit.chunk.file for hit in hits} <= {"gd.txt", "qh.txt"}


def test_chunks_lists_the_loaded_generation(retriever: Retriever) -> None:
    chunks = retriever.chunks()
    assert [chunk.file for chunk in chunks] == ["gd.txt", "lyg.txt", "lyg.txt", "lyg.txt", "qh.txt", "qh.txt"]
    assert retriever.chunk(chunks[1].id) == chunks[1]
    assert retriever.chunk("no-such-id") is None


def test_documents_lists_the_catalog_entries_the_index_was_built_from(retriever: Retriever) -> None:
    assert retriever.documents() == [  # in the order the build was given them (the catalog's)
        DocumentMeta(file=name, title=name, programme=programme or None)
        for name, (programme, _text) in NOTICES.items()
    ]


def test_an_index_of_an_older_format_asks_for_a_new_ingest(index_dir: Path) -> None:
    manifest_path = index_dir / (index_dir / "CURRENT").read_text().strip() / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["format"] = 1  # written before the catalog entries were stored
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match=r"旧版程序.*请重新运行 applicant-bot ingest"):
        Retriever(index_dir, embedder=CharNgramEmbedder())


def test_the_vector_channel_alone_still_finds_a_question_with_a_typo(index_dir: Path) -> None:
    vector_only = Retriever(index_dir, embedder=CharNgramEmbedder(), fusion=FusionParams(lexical_weight=0.0))
    hits = vector_only.search("荣誉有效其过了以后怎么办", k=1)
    assert hits[0].chunk.file == "gd.txt"
    assert hits[0].lexical_rank is None and hits[0].vector_rank == 1
    vector_only.close()


def test_k_limits_the_results_and_must_be_positive(retriever: Retriever) -> None:
    assert len(retriever.search("申报", k=2)) == 2
    assert retriever.search("   ") == []
    with pytest.raises(ValueError, match="k 必须至少为 1"):
        retriever.search("申报", k=0)


def test_an_unreachable_vector_channel_degrades_to_bm25(
    index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenQueries(CharNgramEmbedder):
        def embed_query(self, text: str) -> list[float]:
            raise ConnectionError("embedding service down")

    degraded = Retriever(index_dir, embedder=BrokenQueries())
    with caplog.at_level(logging.WARNING):
        hits = degraded.search("申报截止时间", k=2)
    assert hits and all(hit.vector_rank is None for hit in hits)
    assert "BM25 only" in caplog.text
    degraded.close()


def test_another_embedder_than_the_index_was_built_with_is_refused(index_dir: Path) -> None:
    with pytest.raises(IndexMismatchError, match="请重新运行 applicant-bot ingest"):
        Retriever(index_dir, embedder=CharNgramEmbedder(dims=512))


def test_an_empty_index_directory_says_to_ingest_first(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="请先运行 applicant-bot ingest"):
        Retriever(tmp_path / "nothing-here", embedder=CharNgramEmbedder())


def test_a_new_generation_is_picked_up_by_an_open_retriever(tmp_path: Path) -> None:
    index_dir = build_index(tmp_path, NOTICES)
    serving = Retriever(index_dir, embedder=CharNgramEmbedder())
    first = serving.generation
    build_index(
        tmp_path, {**NOTICES, "qh.txt": ("qinghai-2025", "申报时间|材料申报截止日期为2025年9月30日。")}
    )
    hits = serving.search("青海材料申报截止日期", programmes=["qinghai-2025"], k=1)
    assert hits[0].chunk.text == "材料申报截止日期为2025年9月30日。"
    assert serving.generation != first
    assert not serving.refresh()  # nothing new since
    serving.close()


def test_a_generation_it_cannot_open_leaves_the_loaded_one_serving(tmp_path: Path) -> None:
    index_dir = build_index(tmp_path, NOTICES)
    serving = Retriever(index_dir, embedder=CharNgramEmbedder())
    build_index(tmp_path, NOTICES, embedder=CharNgramEmbedder(dims=256))  # another ingest, another model
    assert not serving.refresh()
    hits = serving.search("申报截止时间", programmes=["lianyungang-2016"], k=1)
    assert hits[0].chunk.text == "申报截止时间：2016年9月10日。"  # BM25 still answers from memory
    serving.close()


def test_retriever_from_config_uses_the_configured_embedder(tmp_path: Path) -> None:
    index_dir = build_index(tmp_path, NOTICES)
    retriever = Retriever.from_config(KnowledgeConfig(index_dir=index_dir))
    assert retriever.search("正文用几号字", k=1)[0].chunk.file == "qh.txt"
    retriever.close()


# --- the sample corpus and the public questions ---


@pytest.fixture(scope="module")
def sample_index(notices_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeConfig:
    config = KnowledgeConfig(index_dir=tmp_path_factory.mktemp("sample") / "index")
    report = ingest_folder(notices_dir, config)
    assert report.skipped == [] and report.chunks > 100
    return config


def test_public_questions_find_their_evidence(sample_index: KnowledgeConfig, notices_dir: Path) -> None:
    items = [item for item in load_eval(notices_dir.parent / "eval" / "qa_public.jsonl") if item.answerable]
    retriever = Retriever.from_config(sample_index)
    ranks = [
        first_hit_rank(
            item, [(hit.chunk.text, hit.chunk.file) for hit in retriever.search(item.question, k=5)]
        )
        for item in items
    ]
    retriever.close()
    figures = retrieval_figures(ranks)
    # Measured 0.875 / 0.94 (benchmarks/eval_set.py); the margin is one question.
    assert figures["hit@1"] >= 0.8, ranks
    assert figures["hit@5"] >= 0.9, ranks


def test_a_programme_question_stays_in_its_programme(sample_index: KnowledgeConfig) -> None:
    retriever = Retriever.from_config(sample_index)
    hits = retriever.search("申报截止日期是哪天", programmes=["qinghai-2025"], k=5)
    assert {hit.chunk.file for hit in hits} == {"qinghai-2025-satisfaction-rating.txt"}
    assert "2025年8月25日" in hits[0].chunk.text
    retriever.close()


def test_an_unreachable_chroma_server_leaves_bm25_answering(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreachable(self: ChromaTarget) -> None:
        raise VectorStoreError("无法打开 Chroma 向量库（chroma.internal:8000）：connection refused")

    monkeypatch.setattr(ChromaTarget, "client", unreachable)
    with caplog.at_level(logging.WARNING):
        retriever = Retriever(index_dir, embedder=CharNgramEmbedder())
    hits = retriever.search("申报截止时间", programmes=["lianyungang-2016"], k=1)
    assert hits[0].chunk.text == "申报截止时间：2016年9月10日。" and hits[0].vector_rank is None
    assert "BM25 only" in caplog.text


def test_a_colloquial_question_finds_the_notices_wording(retriever: Retriever) -> None:
    # 最晚 / 花钱: words no notice uses; their synonym classes stand in for them.
    deadline = retriever.search("最晚哪天交材料", programmes=["lianyungang-2016"], k=1)
    assert deadline[0].chunk.section == "申报时间"
    assert retriever.search("参加这个要花钱不", k=1)[0].chunk.text == "创建活动自愿参加，全程免费。"


def test_a_homophone_typo_is_searched_as_the_word_the_notices_use(index_dir: Path) -> None:
    from knowledge._expansion import ExpansionWeights, QueryExpander

    # 行句 is in no notice; 行距 sounds the same and is: the repaired pair adds to the match.
    repaired = Retriever(index_dir, embedder=CharNgramEmbedder())
    literal = Retriever(
        index_dir, embedder=CharNgramEmbedder(), expander=QueryExpander(weights=ExpansionWeights(typo=0.0))
    )
    with_repair = repaired.search("正文行句多少", k=1)[0]
    without = literal.search("正文行句多少", k=1)[0]
    assert with_repair.chunk.text.startswith("正文为四号宋体")
    assert with_repair.lexical_score > without.lexical_score
    repaired.close()
    literal.close()


def test_an_expander_without_synonyms_still_searches_the_typed_words(index_dir: Path) -> None:
    from knowledge._expansion import ExpansionWeights, QueryExpander, SynonymTable

    plain = Retriever(
        index_dir,
        embedder=CharNgramEmbedder(),
        expander=QueryExpander(SynonymTable(classes=[["甲乙", "丙丁"]]), ExpansionWeights(typo=0.0)),
    )
    assert plain.search("全数调查", k=1)[0].chunk.section == "满意度测评"
    plain.close()
