from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from knowledge._bm25 import BM25Index

DOCS = [
    ["申报", "截止", "时间", "2016", "年"],
    ["正文", "四号", "宋体", "行距"],
    ["申报", "材料", "一式", "两份", "申报", "表"],
    ["文字", "篇幅", "万字", "以内"],
]


def test_score_matches_the_okapi_formula() -> None:
    index = BM25Index.build(DOCS, k1=1.2, b=0.75)
    # "申报" occurs in 2 of 4 documents; twice in document 2 (length 6), average length 19/4.
    idf = math.log1p((4 - 2 + 0.5) / (2 + 0.5))
    avgdl = 19 / 4
    expected = idf * 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 6 / avgdl))
    assert index.scores(["申报"])[2] == pytest.approx(expected)


def test_rare_terms_outrank_common_ones() -> None:
    ranked = BM25Index.build(DOCS).top(["申报", "截止"], k=4)
    assert [doc for doc, _ in ranked] == [0, 2]


def test_a_longer_document_with_the_same_term_frequency_ranks_lower() -> None:
    index = BM25Index.build([["宋体", "正文"], ["宋体", "正文", "页码", "居中", "两端", "对齐"], ["其他"]])
    assert [doc for doc, _ in index.top(["宋体"], k=3)] == [0, 1]


def test_unknown_terms_give_no_results() -> None:
    assert BM25Index.build(DOCS).top(["税收", "优惠"], k=5) == []


def test_repeated_query_terms_count_each_time() -> None:
    index = BM25Index.build(DOCS)
    assert index.scores(["宋体", "宋体"])[1] == pytest.approx(2 * index.scores(["宋体"])[1])


def test_allowed_mask_excludes_documents() -> None:
    index = BM25Index.build(DOCS)
    allowed = np.array([False, True, True, True])
    assert [doc for doc, _ in index.top(["申报"], k=4, allowed=allowed)] == [2]


def test_top_k_cuts_and_orders_by_score() -> None:
    index = BM25Index.build([["a"] * n + ["pad"] * (5 - n) for n in range(1, 6)])
    ranked = index.top(["a"], k=2)
    assert [doc for doc, _ in ranked] == [4, 3]
    assert ranked[0][1] > ranked[1][1]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    index = BM25Index.build(DOCS, k1=1.5, b=0.6)
    path = tmp_path / "bm25.npz"
    index.save(path)
    loaded = BM25Index.load(path)
    assert (loaded.k1, loaded.b) == (1.5, 0.6)
    for query in (["申报"], ["宋体", "行距"], ["万字", "申报", "2016"]):
        assert np.allclose(loaded.scores(query), index.scores(query))


def test_empty_corpus_is_valid(tmp_path: Path) -> None:
    index = BM25Index.build([])
    index.save(tmp_path / "empty.npz")
    assert BM25Index.load(tmp_path / "empty.npz").top(["申报"], k=3) == []


def test_a_weighted_query_scales_each_terms_contribution() -> None:
    index = BM25Index.build(DOCS)
    full = index.scores(["截止"])
    assert index.scores({"截止": 0.5}) == pytest.approx(full * 0.5)
    assert index.scores({"截止": 1.0, "缺席": 3.0, "四号": 0.0}) == pytest.approx(full)


def test_a_synonym_weighted_below_the_typed_word_ranks_below_it() -> None:
    index = BM25Index.build(DOCS)
    # Equally rare terms: the typed one (weight 1) decides first place, the added one comes next.
    assert [doc for doc, _ in index.top({"四号": 1.0, "截止": 0.3}, k=4)] == [1, 0]
    assert [doc for doc, _ in index.top({"四号": 0.3, "截止": 1.0}, k=4)] == [0, 1]
    assert index.has_term("截止") and not index.has_term("最晚")
    assert "宋体" in index.terms()
