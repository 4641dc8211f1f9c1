from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from knowledge import _tokenize as tokenize_module
from knowledge._tokenize import SearchLexicon, Tokenizer, default_tokenizer, tokenize


def test_domain_terms_stay_whole_and_search_mode_also_emits_their_parts() -> None:
    tokens = tokenize("企业自评标准里面一票否决有哪几种情况")
    assert "一票否决" in tokens
    assert {"一票", "否决"} <= set(tokens)  # a question that says only 否决 still matches
    assert "服务之星" in tokenize("连云港市用户满意服务之星")
    assert "满意度测评" in tokenize("组织开展服务满意度测评和用户评价")


def test_words_inside_long_words_are_emitted_whatever_their_length() -> None:
    # jieba's own search mode stops at 3 characters and would hide 服务之星 inside 服务之星班组.
    assert {"服务之星班组", "服务之星", "班组"} <= set(tokenize("用户满意服务之星班组申请表"))


def test_single_characters_bridge_words_cut_differently() -> None:
    # "多少字" in a question, "1万字以内" in the notice: jieba makes 字 and 万字; 字 is shared.
    assert "字" in set(tokenize("实践报告最多能写多少字")) & set(tokenize("文字篇幅1万字以内"))


def test_punctuation_whitespace_and_stopwords_are_dropped() -> None:
    tokens = tokenize("申报截止时间：2016年9月10日。  要求用A4纸打印的！")
    assert not any(token in {"：", "。", "！", " ", "的"} for token in tokens)
    assert {"申报", "截止", "2016", "a4"} <= set(tokens)


def test_width_and_case_do_not_change_tokens() -> None:
    assert tokenize("２０１６年ＩＳＯ９００１") == tokenize("2016年iso9001")


def test_ranges_also_yield_their_numbers() -> None:
    tokens = tokenize("对2008-2009年度及以前年度获得称号的单位")
    assert {"2008", "2009"} <= set(tokens)


def test_precise_mode_keeps_only_the_words_of_the_cut() -> None:
    assert Tokenizer(mode="precise").tokenize("满意度测评报告") == ["满意度测评", "报告"]
    assert set(default_tokenizer().tokenize("满意度测评报告")) >= {"满意度测评", "测评", "满意", "测", "报"}


def test_lexicon_rejects_words_with_spaces() -> None:
    with pytest.raises(ValidationError, match="不能含空白"):
        SearchLexicon(user_words=["服务 之星"], stopwords=[])


def test_signature_changes_with_the_lexicon_and_mode() -> None:
    base = Tokenizer(SearchLexicon(user_words=["服务之星"], stopwords=["的"]))
    assert (
        base.signature
        != Tokenizer(SearchLexicon(user_words=["服务之星", "复评"], stopwords=["的"])).signature
    )
    assert base.signature != Tokenizer(base.lexicon, mode="precise").signature


def test_custom_lexicon_words_are_used_and_stay_private() -> None:
    lexicon = SearchLexicon(user_words=["亮诺星级"], stopwords=["申报"])
    tokens = Tokenizer(lexicon).tokenize("申报亮诺星级")
    assert "亮诺星级" in tokens
    assert "申报" not in tokens
    # Another tokenizer in the same process does not inherit those words.
    assert "亮诺星级" not in Tokenizer(mode="precise").tokenize("申报亮诺星级")


def test_jieba_dictionary_cache_goes_where_configured_and_reads_back_the_same(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tokenize_module, "_base_dictionary", None)  # as in a fresh process
    built = Tokenizer(cache_dir=tmp_path).tokenize("用户满意服务之星申报截止时间")
    # Written where we said, not into the working directory or the repository.
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".cache", ".npy", ".words"]
    from_jieba = tokenize_module._base_dictionary

    monkeypatch.setattr(tokenize_module, "_base_dictionary", None)  # the next process
    assert Tokenizer(cache_dir=tmp_path).tokenize("用户满意服务之星申报截止时间") == built
    assert tokenize_module._base_dictionary == from_jieba


def test_packaged_lexicon_loads() -> None:
    lexicon = SearchLexicon.load()
    assert "一票否决" in lexicon.user_words
    assert "的" in lexicon.stopwords


def test_character_pairs_are_marked_and_never_span_punctuation() -> None:
    tokens = tokenize("最晚，截止")
    assert {"|最晚", "|截止"} <= set(tokens)
    assert "|晚截" not in tokens  # the comma separates them
    # A pair never counts as the jieba word it spells: 截止 and |截止 are different terms.
    assert tokens.count("截止") == 1


def test_pairs_do_not_depend_on_where_jieba_cuts() -> None:
    # jieba cuts 最晚 whole in one sentence and apart in the other; the pair is there in both.
    assert "|最晚" in set(tokenize("材料最晚哪天交")) & set(tokenize("连云港那边材料最晚啥时候交"))


def test_colloquial_filler_and_words_about_the_notice_are_dropped() -> None:
    tokens = tokenize("那篇通知里啥时候截止")
    assert not {"那篇", "啥", "通知里"} & set(tokens)
    assert "截止" in tokens
