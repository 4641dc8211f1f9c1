"""LLM answers: written from the numbered passages only, citations checked, extractive on any failure."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import Field

from knowledge import Chunk, LLMConfig, SearchHit, analyse_question, resolve_scope
from knowledge._extractive import AnswerContext, CorpusStats, ExtractiveAnswerer, ExtractiveResult
from knowledge._llm import LLMAnswerer, Prompts, select_passages
from knowledge._scope import Programme

LYG = Programme(
    id="lyg-2016", label="连云港2016", title="连云港2016年服务之星通知", year=2016, places=["连云港"]
)
DEADLINE = Chunk(
    id="c-deadline",
    text="（1） 申报时间\n凡符合申报条件的单位均可申报。申报截止时间：2016年9月10日。",
    section="二、申报评审工作 › （1）申报时间",
    file="lyg.txt",
    title=LYG.title,
    programme=LYG.id,
    year=2016,
)
FREE = Chunk(
    id="c-free",
    text="（二）创建活动自愿参加，全程免费。",
    section="三、申报要求",
    file="lyg.txt",
    title=LYG.title,
    programme=LYG.id,
    year=2016,
)
QUESTION = "连云港申报截止到哪天？"
CONFIG = LLMConfig(base_url="http://127.0.0.1:9/v1", model="test-model", timeout_s=5.0)


class RecordingModel(FakeListChatModel):
    """Replies like FakeListChatModel and keeps the prompts it was given."""

    prompts: list[Any] = Field(default_factory=list)

    def _call(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> str:
        self.prompts.append(messages)
        return super()._call(messages, stop, run_manager, **kwargs)


class BrokenModel(FakeListChatModel):
    def _call(self, *args: Any, **kwargs: Any) -> str:
        raise RuntimeError("endpoint down")


@pytest.fixture
def setting() -> tuple[list[SearchHit], ExtractiveResult, AnswerContext]:
    chunks = [DEADLINE, FREE]
    context = AnswerContext(programmes=[LYG], stats=CorpusStats.from_chunks(chunks), today=date(2026, 11, 21))
    scope = resolve_scope(QUESTION, [LYG])
    analysis = analyse_question(QUESTION, drop_spans=scope.mention_spans, corpus=context.stats)
    hits = [SearchHit(chunk=FREE, score=0.5), SearchHit(chunk=DEADLINE, score=0.4)]
    extractive = ExtractiveAnswerer().answer(QUESTION, analysis, hits, scope, context)
    assert extractive.answer.answered  # the fallback in these tests is a real answer
    return hits, extractive, context


def number_of(chunk: Chunk, hits, extractive) -> int:
    return next(p.number for p in select_passages(hits, extractive, 6) if p.chunk is chunk)


def llm_answer(reply: str, setting, *, config: LLMConfig = CONFIG, model: Any = None):
    hits, extractive, context = setting
    chat_model = model if model is not None else FakeListChatModel(responses=[reply])
    return LLMAnswerer(config, chat_model=chat_model).answer(QUESTION, hits, extractive, context)


def test_a_reply_with_valid_citations_is_the_answer(setting):
    hits, extractive, _ = setting
    n = number_of(DEADLINE, hits, extractive)
    answer = llm_answer(f"连云港2016年通知规定：「申报截止时间：2016年9月10日」[{n}]，该日期已过。", setting)
    assert answer.answered
    assert answer.answer == "连云港2016年通知规定：「申报截止时间：2016年9月10日」[1]，该日期已过。"
    [citation] = answer.citations
    assert (citation.file, citation.section, citation.quote) == (
        DEADLINE.file,
        DEADLINE.section,
        "申报截止时间：2016年9月10日",
    )
    assert answer.programme == LYG.id


def test_citations_are_renumbered_in_order_of_use(setting):
    hits, extractive, _ = setting
    deadline, free = number_of(DEADLINE, hits, extractive), number_of(FREE, hits, extractive)
    answer = llm_answer(f"截止时间是2016年9月10日[{deadline}]，活动全程免费[{free}]。", setting)
    assert answer.answer == "截止时间是2016年9月10日[1]，活动全程免费[2]。"
    assert [c.section for c in answer.citations] == [DEADLINE.section, FREE.section]
    assert "2016年9月10日" in answer.citations[0].quote  # no quote given: the passage's closest sentence


@pytest.mark.parametrize(
    "reply",
    [
        "截止时间是2016年9月10日。",  # no citation
        "截止时间是2016年9月10日[7]。",  # a passage that does not exist
        "「申报截止时间：2016年10月1日」[1][2]",  # a quote found in none of the passages it cites
        "通知中没有相关内容",  # the model says the passages do not answer
        "",
    ],
)
def test_an_unchecked_reply_falls_back_to_the_extractive_answer(setting, reply):
    _, extractive, _ = setting
    assert llm_answer(reply, setting) == extractive.answer


def test_a_failing_endpoint_falls_back_to_the_extractive_answer(setting):
    _, extractive, _ = setting
    assert llm_answer("", setting, model=BrokenModel(responses=["x"])) == extractive.answer


def test_a_slow_endpoint_falls_back_after_the_timeout(setting):
    _, extractive, _ = setting
    slow = FakeListChatModel(responses=["截止时间是2016年9月10日[1]。"], sleep=0.5)
    quick = LLMConfig(base_url="http://127.0.0.1:9/v1", model="m", timeout_s=0.05)
    assert llm_answer("", setting, model=slow, config=quick) == extractive.answer


def test_the_prompt_holds_the_numbered_passages_and_the_rules(setting):
    hits, extractive, context = setting
    model = RecordingModel(responses=["通知中没有相关内容"])
    LLMAnswerer(CONFIG, chat_model=model).answer(QUESTION, hits, extractive, context)
    system, user = model.prompts[-1]
    assert "只能依据" in system.content and "通知中没有相关内容" in system.content
    assert QUESTION in user.content and "2026-11-21" in user.content
    n = number_of(DEADLINE, hits, extractive)
    assert f"[{n}]【连云港2016】《{LYG.title}》" in user.content
    assert "申报截止时间：2016年9月10日" in user.content


def test_a_chat_model_is_built_from_the_config_when_none_is_given():
    from langchain_openai import ChatOpenAI

    model = LLMAnswerer(CONFIG)._model()  # built, never called: no network
    assert isinstance(model, ChatOpenAI)
    assert (model.model_name, model.request_timeout, model.max_retries) == ("test-model", 5.0, 0)


def test_an_answerer_needs_a_config_or_a_model():
    with pytest.raises(ValueError):
        LLMAnswerer(None)


def test_the_prompt_file_must_keep_its_placeholders():
    with pytest.raises(ValueError, match="占位符"):
        Prompts(no_answer="无", system="s", user="问题：{question}", passage="[{number}] {text}")


def test_the_default_path_never_imports_langchain(tmp_path):
    """Asking without an LLM configured must not load langchain (it is an optional extra)."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from knowledge import Chunk, KnowledgeBase, KnowledgeConfig, SearchHit

        chunk = Chunk(id="c1", text="申报截止时间：2016年9月10日。", section="申报时间", file="a.txt",
                      title="连云港通知", programme="p1", region="江苏省连云港市", year=2016)

        class Searcher:
            generation = "g1"
            def search(self, query, *, programmes=None, k=8):
                return [SearchHit(chunk=chunk, score=1.0)]
            def chunks(self):
                return [chunk]

        kb = KnowledgeBase(KnowledgeConfig(index_dir=Path({str(tmp_path)!r})), retriever=Searcher())
        answer = kb.ask("申报截止到哪天？")
        assert answer.answered, answer
        loaded = sorted(name for name in sys.modules if name.startswith("langchain"))
        print(loaded)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
