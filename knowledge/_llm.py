"""Answers written by an OpenAI-compatible chat model from the retrieved passages only, then checked.

The model (langchain's ChatOpenAI, built from `LLMConfig`, or any langchain chat model passed in)
sees the question and the passages numbered [1]..[n]; it must cite them. Its reply is accepted only
when it cites at least one passage, every cited number exists, and every 「quoted」 sentence is
found in a passage it cites. On anything else (no citations, a bad one, an exception, a timeout)
the extractive answer is returned instead. langchain is imported only here, and only when a model
is actually built or called, so the default extractive path never loads it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from knowledge._config import LLMConfig
from knowledge._extractive import AnswerContext, ExtractiveResult
from knowledge._models import Answer, Chunk, Citation, SearchHit
from knowledge._normalize import evidence_in_text
from knowledge._sentences import split_units

logger = logging.getLogger(__name__)

PROMPTS_PATH = Path(__file__).parent / "data" / "prompts.yaml"
MAX_PASSAGES = 6
MAX_PASSAGE_CHARS = 700
_CITATION = re.compile(r"[\[［【]\s*(\d{1,2}(?:\s*[,，、]\s*\d{1,2})*)\s*[\]］】]")
_QUOTE = re.compile(r"「([^」]{2,})」\s*((?:[\[［【]\s*\d{1,2}(?:\s*[,，、]\s*\d{1,2})*\s*[\]］】]\s*)+)")
# The calls wait on a remote endpoint, so threads are cheap; a server answers many users at once, and
# with a slow model (10 s) a small pool would make every other user's question queue behind it. A model
# that hangs past its timeout keeps its thread, so the pool is larger than the users one worker serves.
LLM_MAX_CONCURRENT_CALLS = 32
_EXECUTOR = ThreadPoolExecutor(max_workers=LLM_MAX_CONCURRENT_CALLS, thread_name_prefix="llm")


class Prompts(BaseModel):
    """The contents of ``data/prompts.yaml``."""

    model_config = ConfigDict(extra="forbid")

    no_answer: str
    system: str
    user: str
    passage: str

    @field_validator("user")
    @classmethod
    def _user_has_placeholders(cls, text: str) -> str:
        return _require(text, "{question}", "{passages}", "{today}")

    @field_validator("passage")
    @classmethod
    def _passage_has_placeholders(cls, text: str) -> str:
        return _require(text, "{number}", "{text}")

    @classmethod
    def load(cls, path: Path = PROMPTS_PATH) -> Prompts:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _require(text: str, *placeholders: str) -> str:
    missing = [p for p in placeholders if p not in text]
    if missing:
        raise ValueError(f"提示词模板缺少占位符：{'、'.join(missing)}")
    return text


@lru_cache(maxsize=1)
def default_prompts() -> Prompts:
    return Prompts.load()


@dataclass(frozen=True)
class Passage:
    number: int
    chunk: Chunk


@dataclass(frozen=True)
class CheckedReply:
    text: str  # the reply with its citations renumbered 1..m in order of first use
    cited: list[Passage]  # in that order
    quotes: dict[int, str]  # original passage number -> the first verified quote from it


class LLMAnswerer:
    def __init__(
        self,
        config: LLMConfig | None,
        *,
        chat_model: Any = None,
        prompts: Prompts | None = None,
        max_passages: int = MAX_PASSAGES,
    ) -> None:
        """`chat_model`: a langchain chat model to use as is (tests pass fakes); otherwise one is
        built from `config` on first use. `config.timeout_s` bounds every call either way."""
        if chat_model is None and config is None:
            raise ValueError("LLMAnswerer 需要 LLMConfig 或 chat_model 之一")
        self.config = config
        self._chat_model = chat_model
        self.prompts = prompts or default_prompts()
        self.max_passages = max_passages

    @property
    def timeout_s(self) -> float:
        default = LLMConfig.model_fields["timeout_s"].default
        return self.config.timeout_s if self.config is not None else default

    def answer(
        self,
        question: str,
        hits: Sequence[SearchHit],
        extractive: ExtractiveResult,
        context: AnswerContext,
    ) -> Answer:
        """The model's checked answer, or `extractive.answer` when the model fails in any way."""
        passages = select_passages(hits, extractive, self.max_passages)
        if not passages:
            return extractive.answer
        messages = self._messages(question, passages, context)
        try:
            reply = _EXECUTOR.submit(self._invoke, messages).result(timeout=self.timeout_s)
        except FutureTimeout:
            logger.warning("LLM did not answer within %.1f s: extractive answer used", self.timeout_s)
            return extractive.answer
        except Exception as error:  # any failure of the endpoint or the client: fall back
            logger.warning("LLM call failed (%s): extractive answer used", error)
            return extractive.answer
        checked = check_reply(reply, passages, self.prompts.no_answer)
        if checked is None:
            logger.info("LLM reply rejected (no or invalid citations): extractive answer used")
            return extractive.answer
        return self._to_answer(question, checked, extractive, context)

    # --- internals ---

    def _model(self) -> Any:
        if self._chat_model is None:
            from langchain_openai import ChatOpenAI

            config = self.config
            assert config is not None  # checked in __init__
            self._chat_model = ChatOpenAI(
                base_url=config.base_url,
                model=config.model,
                # local endpoints (vLLM, Ollama) take any key
                api_key=SecretStr(config.api_key or "not-needed"),
                timeout=config.timeout_s,
                max_retries=0,  # the timeout is the whole budget; the extractive answer is the retry
                temperature=0,
            )
        return self._chat_model

    def _invoke(self, messages: list[Any]) -> str:
        result = self._model().invoke(messages)
        content = getattr(result, "content", result)
        if isinstance(content, list):  # content blocks
            content = "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
        return str(content)

    def _messages(self, question: str, passages: list[Passage], context: AnswerContext) -> list[Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        prompts = self.prompts
        body = "\n".join(
            prompts.passage.format(
                number=p.number,
                label=context.label(p.chunk.programme),
                title=p.chunk.title,
                section=p.chunk.section,
                text=p.chunk.text[:MAX_PASSAGE_CHARS],
            )
            for p in passages
        )
        return [
            SystemMessage(content=prompts.system.format(no_answer=prompts.no_answer)),
            HumanMessage(
                content=prompts.user.format(question=question, today=context.today.isoformat(), passages=body)
            ),
        ]

    def _to_answer(
        self, question: str, checked: CheckedReply, extractive: ExtractiveResult, context: AnswerContext
    ) -> Answer:
        citations = [
            Citation(
                file=p.chunk.file,
                title=p.chunk.title,
                section=p.chunk.section,
                quote=checked.quotes.get(p.number) or _best_sentence(p.chunk, checked.text),
            )
            for p in checked.cited
        ]
        programmes = {p.chunk.programme for p in checked.cited}
        base = extractive.answer.confidence if extractive.answer.answered else 0.5
        return Answer(
            question=question,
            answer=checked.text,
            answered=True,
            confidence=round(max(0.6, min(0.95, base)), 3),
            programme=programmes.pop() if len(programmes) == 1 else None,
            citations=citations,
        )


def select_passages(hits: Sequence[SearchHit], extractive: ExtractiveResult, limit: int) -> list[Passage]:
    """The chunks the extractive answer chose first (they hold the best sentences), then the hits."""
    chunks: list[Chunk] = []
    for group in extractive.groups:
        for candidate in group.chosen:
            if candidate.chunk not in chunks:
                chunks.append(candidate.chunk)
    for hit in hits:
        if len(chunks) >= limit:
            break
        if hit.chunk not in chunks:
            chunks.append(hit.chunk)
    return [Passage(number=i, chunk=chunk) for i, chunk in enumerate(chunks[:limit], start=1)]


def check_reply(reply: str, passages: Sequence[Passage], no_answer: str) -> CheckedReply | None:
    """The reply, renumbered, if its citations hold; None when they do not (or there are none)."""
    text = reply.strip()
    if not text or no_answer in text:
        return None
    by_number = {p.number: p for p in passages}
    order: list[int] = []
    for match in _CITATION.finditer(text):
        for number in _numbers(match.group(1)):
            if number not in by_number:
                return None
            if number not in order:
                order.append(number)
    if not order:
        return None
    quotes: dict[int, str] = {}
    for match in _QUOTE.finditer(text):
        quote = match.group(1).strip()
        cited = [n for n in _numbers(" ".join(_CITATION.findall(match.group(2))))]
        if not any(evidence_in_text(quote, by_number[n].chunk.text) for n in cited):
            return None
        for number in cited:
            if evidence_in_text(quote, by_number[number].chunk.text):
                quotes.setdefault(number, quote)
    renumber = {old: new for new, old in enumerate(order, start=1)}

    def renumbered(match: re.Match[str]) -> str:
        return "".join(f"[{renumber[n]}]" for n in _numbers(match.group(1)))

    return CheckedReply(
        text=_CITATION.sub(renumbered, text),
        cited=[by_number[n] for n in order],
        quotes=quotes,
    )


def _numbers(group: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d{1,2}", group)]


def _best_sentence(chunk: Chunk, answer_text: str) -> str:
    """The sentence of a cited passage that shares most characters with the answer (its quote)."""
    wanted = set(answer_text)
    units = [u for u in split_units(chunk.text) if u.kind != "block"]
    if not units:
        return chunk.text[:120]
    best = max(units, key=lambda u: len(wanted & set(u.text)) / (1 + len(u.text) ** 0.5))
    return chunk.text[best.start : best.end].strip()
