from __future__ import annotations

import pytest
from pydantic import ValidationError

from knowledge._bm25 import BM25Index
from knowledge._expansion import (
    ExpansionWeights,
    QueryExpander,
    SynonymTable,
    default_synonyms,
    sound_alike,
)
from knowledge._tokenize import Tokenizer

TOKENIZER = Tokenizer()
# A small corpus in the notices' wording.
CORPUS = [
    "申报截止时间：2016年9月10日。",
    "联系人：连云港市质量协会 朱炳功，电话：85807519",
    "创建活动自愿参加，全程免费。",
    "申报四星级和五星级的需准备讲解视频，申报三星级不需要准备视频。",
    "行业相关荣誉复印件（近3年内）",
    "“连云港市用户满意服务之星”40个，推荐名额见附件。",
]
SYNONYMS = SynonymTable(
    classes=[
        ["截止", "截止时间", "最晚", "最迟"],
        ["联系人", "找谁", "电话"],
        ["近三年内", "多久以内"],
        ["收费", "免费", "花钱"],
    ]
)
WEIGHTS = ExpansionWeights()


@pytest.fixture(scope="module")
def vocabulary() -> BM25Index:
    return BM25Index.build([TOKENIZER.tokenize(text) for text in CORPUS])


def expand(question: str, vocabulary: BM25Index, weights: ExpansionWeights = WEIGHTS) -> dict[str, float]:
    expander = QueryExpander(SYNONYMS, weights, function_chars=frozenset("的要啥"))
    return expander.expand(question, TOKENIZER.tokenize(question), vocabulary)


def best(question: str, vocabulary: BM25Index, weights: ExpansionWeights = WEIGHTS) -> str | None:
    ranked = vocabulary.top(expand(question, vocabulary, weights), k=1)
    return CORPUS[ranked[0][0]] if ranked else None


def test_a_word_the_notices_never_use_is_searched_by_its_class_at_full_weight(vocabulary: BM25Index) -> None:
    terms = expand("材料最晚哪天交", vocabulary)
    assert terms["截止"] == WEIGHTS.stand_in and terms["截止时间"] == WEIGHTS.stand_in
    assert "最迟" not in terms  # no notice says it: adding it would only cost time
    assert best("材料最晚哪天交", vocabulary) == CORPUS[0]
    without = ExpansionWeights(synonym=0.0, stand_in=0.0)
    assert best("材料最晚哪天交", vocabulary, without) != CORPUS[0]


def test_a_typed_corpus_word_keeps_its_weight_and_its_class_only_helps(vocabulary: BM25Index) -> None:
    terms = expand("联系人电话多少", vocabulary)
    assert terms["联系人"] == 1.0  # typed: full weight
    assert "找谁" not in terms  # the class member the corpus lacks is not added
    terms = expand("有问题找谁", vocabulary)
    assert terms["联系人"] == WEIGHTS.stand_in
    assert best("有问题找谁", vocabulary) == CORPUS[1]


def test_a_class_member_the_index_has_no_token_for_is_searched_by_its_character_pairs(
    vocabulary: BM25Index,
) -> None:
    terms = expand("复印件要多久以内的", vocabulary)
    assert "近三年内" not in terms
    assert terms["|年内"] == pytest.approx(WEIGHTS.stand_in * WEIGHTS.bigram)


def test_a_homophone_typo_is_repaired_to_the_pair_the_notices_use(vocabulary: BM25Index) -> None:
    terms = expand("三星级要不要录视屏", vocabulary)
    assert terms["|视频"] == WEIGHTS.typo and terms["视频"] == WEIGHTS.typo
    assert best("录视屏", vocabulary) == CORPUS[3]
    assert best("服务之星推荐明额", vocabulary) == CORPUS[5]


def test_known_pairs_and_pairs_with_function_characters_are_not_repaired(vocabulary: BM25Index) -> None:
    assert "|视屏" not in expand("讲解视频", vocabulary)
    assert set(expand("讲解视频", vocabulary)) == set(TOKENIZER.tokenize("讲解视频"))
    # 的/要 are talk, not typos: a pair holding one is left alone even when a sound-alike pair exists.
    assert not [t for t in expand("要视", vocabulary) if t not in TOKENIZER.tokenize("要视")]


def test_an_ambiguous_unknown_pair_is_not_repaired(vocabulary: BM25Index) -> None:
    strict = ExpansionWeights(max_repairs=0)
    assert "|视频" not in expand("录视屏", vocabulary, strict)


def test_typed_words_outweigh_character_pairs_and_single_characters(vocabulary: BM25Index) -> None:
    terms = expand("讲解视频", vocabulary)
    assert terms["视频"] == 1.0
    assert terms["|视频"] == WEIGHTS.bigram
    assert terms["视"] == pytest.approx(WEIGHTS.char)


def test_the_vector_query_gets_the_stand_ins_but_not_the_character_pairs(vocabulary: BM25Index) -> None:
    expander = QueryExpander(SYNONYMS, WEIGHTS, function_chars=frozenset())
    question = "参加要花钱吗"
    text = expander.vector_text(question, expander.expand(question, TOKENIZER.tokenize(question), vocabulary))
    assert text.startswith(question) and "免费" in text and "|" not in text
    assert expander.vector_text("申报截止时间", {"申报": 1.0}) == "申报截止时间"


def test_sound_alike_ignores_tones_and_blurred_initials_and_finals() -> None:
    assert sound_alike("屏", "频") and sound_alike("剧", "据") and sound_alike("领", "龄")
    assert sound_alike("平", "评") and sound_alike("明", "名")
    assert not sound_alike("视", "频") and not sound_alike("频", "频")


def test_synonym_classes_need_two_members_without_spaces() -> None:
    with pytest.raises(ValidationError, match="至少要有两个词"):
        SynonymTable(classes=[["截止"]])
    with pytest.raises(ValidationError, match="不能含空白"):
        SynonymTable(classes=[["截止", "最 晚"]])


def test_packaged_synonyms_load_and_cover_the_common_colloquial_asks() -> None:
    members = {word for group in default_synonyms().classes for word in group}
    assert {"最晚", "找谁", "花钱", "多久以内", "名额"} <= members
