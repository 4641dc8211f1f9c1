"""The facade of knowledge/: ingest notices, ask questions, get short cited answers in Chinese.

`KnowledgeBase.ask` never raises: bad input (empty, emoji, English, SQL, attempts to steer the
assistant) gets a polite Chinese reply, and so does a missing index. The path is: normalise the
question as the notices were normalised, resolve which programme it is about, look up a curated
answer (staff answers come first), retrieve with the programme filter, answer extractively (or
with the configured LLM, which falls back to the extractive answer), and time it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from knowledge._bodies import refused_spans
from knowledge._clauses import answer_by_parts
from knowledge._comparison import answer_each_programme
from knowledge._config import KnowledgeConfig
from knowledge._extractive import (
    AnswerContext,
    CorpusStats,
    ExtractiveAnswerer,
    ExtractiveResult,
    refusal_out_of_corpus,
)
from knowledge._models import Answer, Catalog, Chunk, SearchHit
from knowledge._question import AWARD_NAMES, QuestionAnalyser, QuestionAnalysis, default_analyser
from knowledge._scope import (
    DOC_PREFIX_PATTERN,
    Programme,
    RegionTable,
    Scope,
    default_regions,
    programmes_from_catalog,
    resolve_scope,
)
from knowledge._sentences import split_units

if TYPE_CHECKING:
    from knowledge._index import IngestReport
    from knowledge._library import NoticeLibrary

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 300  # what is searched and analysed of a long paste
SINGLE_PROGRAMME_K = 8  # hits read when the question is about one programme
OPEN_K = 10  # hits read from the whole corpus otherwise...
PER_PROGRAMME_K = 4  # ...plus this many from each programme in scope
WRITE_UP_K = 3  # passages of a sample write-up fetched for the key terms its found ones lack
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# A sentence that asks: ends with a question mark or particle, or holds a question word.
_QUESTION_END = re.compile(
    r"[^。！？?!\n]*[？?吗呢]|[^。！？?!\n]*(多少|几|哪|什么|怎么|如何|是否|谁)[^。！？?!\n]*"
)
_DOC_NUMBER_LINE = re.compile(r"^\s*[\u4e00-\u9fff]{2,}\s*[〔\[［]\s*\d{4}\s*[〕\]］]\s*\d+\s*号\s*$")
_CONTACT_LINE = re.compile(r"联\s*系\s*人|电\s*话|电子邮箱|邮\s*箱")
_PHONE = re.compile(r"\d{3,}[-\d]*")


# Called after each notice file of an ingest: (files done, files in all, the file's name).
IngestProgress = Callable[[int, int, str], None]


class Searcher(Protocol):
    """What the answering layer needs of the index: `knowledge._retrieval.Retriever` fits.

    Used when a searcher has them: `generation` (a name that changes with the index), `refresh()`
    (picks up a newer index) and `documents()` (the catalog entries the index was built from,
    which name the programmes, their issuers and document numbers)."""

    def search(self, query: str, *, programmes: list[str] | None = None, k: int = 8) -> list[SearchHit]: ...

    def chunks(self) -> list[Chunk]:
        """Every indexed chunk (term statistics, contacts, document numbers)."""
        ...


class CuratedAnswers(Protocol):
    """Staff-written answers, consulted before the notices (a later issue implements the store).

    `question` is normalised; `programme` is the programme the question is scoped to, if one.
    Return None to let the notices answer.
    """

    def lookup(self, question: str, *, programme: str | None) -> Answer | None: ...


class ChatAnswerer(Protocol):
    """What `_llm.LLMAnswerer` offers the facade."""

    def answer(
        self, question: str, hits: Sequence[SearchHit], extractive: ExtractiveResult, context: AnswerContext
    ) -> Answer: ...


@dataclass(frozen=True)
class CorpusView:
    """Everything about the serving index the answers need, loaded once per generation."""

    generation: str
    programmes: list[Programme]
    stats: CorpusStats
    contacts: dict[str, str]


class KnowledgeBase:
    def __init__(
        self,
        config: KnowledgeConfig,
        *,
        chat_model: Any = None,
        clock: Callable[[], date] | None = None,
        curated: CuratedAnswers | None = None,
        retriever: Searcher | None = None,
        catalog: Catalog | None = None,
        regions: RegionTable | None = None,
        analyser: QuestionAnalyser | None = None,
        extractive: ExtractiveAnswerer | None = None,
    ) -> None:
        """`chat_model`: a langchain chat model to use instead of building one from `config.llm`
        (tests pass fakes). `retriever`: any `Searcher` (default: the index in `config.index_dir`).
        `catalog`: overrides the catalog entries stored in the index (or given by the searcher).
        """
        self.config = config
        self._clock = clock
        self._curated = curated
        self._retriever = retriever
        self._catalog = catalog
        self._regions = regions or default_regions()
        self._analyser = analyser or default_analyser()
        self._extractive = extractive or ExtractiveAnswerer()
        self._chat_model = chat_model
        self._llm: ChatAnswerer | None = None
        self._corpus: CorpusView | None = None
        self._lock = threading.Lock()

    # --- public ---

    def ingest(self, notices: Path | NoticeLibrary, progress: IngestProgress | None = None) -> IngestReport:
        """Builds (or incrementally updates) the index from a folder of notices, or from a
        `NoticeLibrary` (the base folder and the staff uploads, in one build); returns its report.

        `progress(done, total, file)` is called after each file. The catalog entries (issuers,
        document numbers) are stored in the index, so every process that opens it knows the
        programmes as this one does."""
        from knowledge._index import FileProgress, ingest_folder, ingest_library  # off the ask path
        from knowledge._library import NoticeLibrary

        def report_file(event: FileProgress) -> None:
            if progress is not None:
                progress(event.position, event.total, event.file)

        if isinstance(notices, NoticeLibrary):
            report = ingest_library(notices, self.config, progress=report_file)
        else:
            report = ingest_folder(Path(notices), self.config, progress=report_file)
        with self._lock:
            self._catalog = None  # the index now holds these notices' catalog: it is the truth
            self._corpus = None
        return report

    def ask(self, question: str, programme: str | None = None) -> Answer:
        started = time.perf_counter()
        text = question if isinstance(question, str) else ""
        try:
            answer = self._ask(text, programme)
        except Exception as error:  # a reply is owed to the applicant whatever happened
            reason = _index_unusable(error)
            if reason is None:
                logger.exception("ask failed for %r", text[:200])
                reason = "抱歉，系统暂时无法回答这个问题，请稍后再试，或直接咨询通知的发布单位。"
            else:  # no index, or one to rebuild: the error says what to do, a traceback adds nothing
                logger.warning("cannot answer from the index: %s", error)
            answer = _plain_refusal(text, reason)
        answer.latency_ms = round((time.perf_counter() - started) * 1000.0, 2)
        return answer

    def search(self, question: str, *, programme: str | None = None, k: int = 8) -> list[SearchHit]:
        """The passages an answer to `question` is drawn from, scoped as `ask` scopes them, the one
        holding the best answering sentence first."""
        text = prepare_question(question if isinstance(question, str) else "")
        if not text:
            return []
        text = self._analyser.cues.gloss_english(text)
        corpus = self._corpus_view()
        today = self._today()
        scope = self._scope(text, programme, corpus, today)
        analysis = self._analyse(text, scope, corpus)
        hits = self._search(text, analysis, scope, corpus)
        context = AnswerContext(programmes=corpus.programmes, stats=corpus.stats, today=today)
        return self._extractive.rank_hits(analysis, hits, context)[:k]

    def has_index(self) -> bool:
        """Whether there is something to search (an index was built, or a searcher was given)."""
        if self._retriever is not None:
            return True
        from knowledge._index import read_current

        return read_current(Path(self.config.index_dir)) is not None

    def index_ready(self) -> bool:
        """Whether `ask` can search now: an index exists and this program version can read it (an index
        built by an older version, or with another embedder, must be re-ingested first)."""
        if not self.has_index():
            return False
        from knowledge._index import IndexNotFoundError
        from knowledge._retrieval import IndexMismatchError

        try:
            self._searcher()
        except (IndexMismatchError, IndexNotFoundError):
            return False
        return True

    def programmes(self) -> list[str]:
        """The programme ids of the serving index (what `ask(..., programme=)` accepts)."""
        return [p.id for p in self.programme_details()]

    def notice_titles(self) -> dict[str, str]:
        """File -> title of every notice in the serving index (what a staff answer may cite)."""
        catalog = self._catalog if self._catalog is not None else _indexed_catalog(self._searcher())
        titles = {doc.file: doc.title for doc in catalog.documents if doc.title}
        if not titles:  # a searcher that keeps no catalog: the chunks carry their notice's title
            titles = {chunk.file: chunk.title for chunk in self._searcher().chunks()}
        return titles

    def programme_details(self) -> list[Programme]:
        """The programmes with their labels, places, years and awards, for menus and help texts."""
        return list(self._corpus_view().programmes)

    # --- the path of a question ---

    def _ask(self, question: str, programme: str | None) -> Answer:
        text = prepare_question(question)
        if not text:
            return _plain_refusal(question, "请输入您想了解的问题，例如：“申报截止日期是哪天？”")
        if not _CJK.search(text):
            return _plain_refusal(
                question,
                "抱歉，我只能回答用中文提出的申报问题。请用中文描述您想了解的内容，例如：“申报需要哪些材料？”",
            )
        text = self._analyser.cues.gloss_english(text)  # after the Chinese check: English alone is refused
        corpus = self._corpus_view()
        today = self._today()
        scope = self._scope(text, programme, corpus, today)
        analysis = self._analyse(text, scope, corpus)
        context = AnswerContext(
            programmes=corpus.programmes,
            stats=corpus.stats,
            today=today,
            contact_for=corpus.contacts.get,
        )
        if analysis.injection:
            return _plain_refusal(
                question, "我只能根据已收录的申报通知回答问题，无法执行其他指令。请直接提出与申报有关的问题。"
            )
        if self._curated is not None:
            curated = self._curated.lookup(text, programme=_curated_scope(scope, corpus.programmes))
            if curated is not None:
                return curated
        hits = self._search(text, analysis, scope, corpus)
        if not hits and scope.out_of_corpus:
            return refusal_out_of_corpus(question, scope.uncovered, context)
        result = self._extractive.answer(question, analysis, hits, scope, context)
        if not scope.out_of_corpus:
            # Asked in parts: the parts the notices answer beat a related rule for the whole, and an
            # answered question gets the asks its sentences do not say added after them.
            parts = answer_by_parts(
                question,
                text,
                scope,
                hits,
                context,
                partial(self._analyse_clause, corpus=corpus),
                self._extractive,
                whole=result if result.answer.kind == "answer" else None,
            )
            result = parts or result
            compared = scope.how == "named" and len(scope.programmes) > 1
            if compared and self._analyser.cues.asks_to_compare(text):
                # "闵行和扬州水务的人数要求有啥不一样": each programme's own rule, side by side.
                each = answer_each_programme(
                    scope,
                    result,
                    lambda alone: self._extractive.answer(
                        question, analysis, self._search(text, analysis, alone, corpus), alone, context
                    ),
                    lambda groups: self._extractive.compose(question, groups, scope, analysis, context),
                    context.label,
                    lambda programme: found.places if (found := context.programme(programme)) else (),
                )
                result = each or result
        llm = self._llm_answerer()
        if llm is None or not hits or (scope.out_of_corpus and not result.answer.answered):
            return result.answer
        return llm.answer(question, hits, result, context)

    def _scope(self, text: str, programme: str | None, corpus: CorpusView, today: date) -> Scope:
        scope = resolve_scope(text, corpus.programmes, programme, regions=self._regions, today=today)
        # "三亚那个森林公园游客投诉率是多少": a place a write-up mentions is not a programme the corpus
        # lacks, unless the question is about applying there ("上海的服务明星怎么申报").
        in_passing = [m for m in scope.uncovered if m.kind == "place" and corpus.stats.df(m.text) > 0]
        if in_passing and not self._analyser.cues.asks_about_applying(text):
            uncovered = [m for m in scope.uncovered if m not in in_passing]
            scope = scope.model_copy(update={"uncovered": uncovered})
        return scope

    def _analyse_clause(
        self, clause: str, spans: Sequence[tuple[int, int]], *, corpus: CorpusView
    ) -> QuestionAnalysis:
        return self._analyser.analyse(clause, drop_spans=spans, corpus=corpus.stats)

    def _analyse(self, text: str, scope: Scope, corpus: CorpusView) -> QuestionAnalysis:
        return self._analyser.analyse(
            text,
            # "要省里的不要市里的": the level turned down is not a term to cover.
            drop_spans=[*scope.mention_spans, *refused_spans(text)],
            corpus=corpus.stats,
            extra_terms=[mention.text for mention in scope.uncovered],
        )

    def _search(
        self, text: str, analysis: QuestionAnalysis, scope: Scope, corpus: CorpusView
    ) -> list[SearchHit]:
        """The question as asked, and its key terms with their synonyms: a few content words are
        easily drowned in a long question's programme names and filler (收费 among 用户满意服务之星)."""
        programmes = scope.programmes or None
        searcher = self._searcher()
        terms_query = self._terms_query(analysis, corpus.stats)
        single = programmes is not None and len(programmes) == 1
        k = SINGLE_PROGRAMME_K if single else OPEN_K
        hits = searcher.search(text, programmes=programmes, k=k)
        if terms_query:
            by_terms = searcher.search(terms_query, programmes=programmes, k=k)
            hits = interleave(by_terms, hits, k + k // 2)
        hits.extend(self._rest_of_write_up(hits, analysis, programmes))
        if single:
            return hits
        # Each programme has its own deadline, its own rules: make sure every programme in scope is
        # heard, not only the one whose wording dominates the whole-corpus ranking.
        per_programme = [
            searcher.search(terms_query or text, programmes=[programme_id], k=PER_PROGRAMME_K)
            for programme_id in programmes or [p.id for p in corpus.programmes]
        ]
        seen = {hit.chunk.id for hit in hits}
        for rank_hits in zip_longest(*per_programme):  # round robin: every programme's best first
            for hit in rank_hits:
                if hit is not None and hit.chunk.id not in seen:
                    seen.add(hit.chunk.id)
                    hits.append(hit)
        return hits

    def _rest_of_write_up(
        self, hits: list[SearchHit], analysis: QuestionAnalysis, programmes: list[str] | None
    ) -> list[SearchHit]:
        """ "那篇热带森林公园的范文里投诉率多少": the write-up is found by its name, but the passage
        with the figure, further down, does not repeat it. When the best hit is a sample write-up,
        the key terms none of its passages among the hits say are searched for in that write-up."""
        if not hits or hits[0].chunk.programme is not None or (programmes and "" not in programmes):
            return []
        top = hits[0].chunk
        same_file = [hit.chunk for hit in hits if hit.chunk.file == top.file]
        missing = [t for t in analysis.key_terms if not any(t in c.text for c in same_file)]
        if not missing:
            return []
        seen = {hit.chunk.id for hit in hits}
        found = self._searcher().search(" ".join(missing), programmes=[""], k=WRITE_UP_K)
        return [hit for hit in found if hit.chunk.file == top.file and hit.chunk.id not in seen]

    def _terms_query(self, analysis: QuestionAnalysis, stats: CorpusStats) -> str:
        """The key terms and the ways the notices say them (only wordings the notices use)."""
        words: list[str] = []
        for term in analysis.key_terms:
            words.append(term)
            used = [alt for alt in self._analyser.cues.alternatives(term) if stats.df(alt) > 0]
            words.extend(used[:4])
        units = self._analyser.cues.units
        words.extend(word for name in analysis.units for word in units[name].search_words)
        # A soft term the notices use (the 682 of "苏经信科技682号文") still finds the passage;
        # award names (服务之星) are in nearly every passage and find nothing.
        words.extend(
            term
            for term in analysis.soft_terms
            if len(term) > 1 and not AWARD_NAMES.fullmatch(term) and stats.df(term) > 0
        )
        return " ".join(dict.fromkeys(words))

    # --- collaborators, built on first use ---

    def _searcher(self) -> Searcher:
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    from knowledge._retrieval import Retriever

                    self._retriever = Retriever.from_config(self.config)
        return self._retriever

    def _llm_answerer(self) -> ChatAnswerer | None:
        if self._llm is None and (self._chat_model is not None or self.config.llm is not None):
            from knowledge._llm import LLMAnswerer

            self._llm = LLMAnswerer(self.config.llm, chat_model=self._chat_model)
        return self._llm

    def _today(self) -> date:
        if self._clock is not None:
            return self._clock()
        return self.config.today or date.today()

    def _corpus_view(self) -> CorpusView:
        searcher = self._searcher()
        refresh = getattr(searcher, "refresh", None)
        if callable(refresh):
            refresh()  # another process may have swapped in a new generation
        generation = str(getattr(searcher, "generation", "") or "")
        view = self._corpus
        if view is not None and view.generation == generation:
            return view
        with self._lock:
            if self._corpus is None or self._corpus.generation != generation:
                catalog = self._catalog if self._catalog is not None else _indexed_catalog(searcher)
                self._corpus = build_corpus_view(generation, searcher.chunks(), catalog, self._regions)
            return self._corpus


def build_corpus_view(
    generation: str, chunks: Sequence[Chunk], catalog: Catalog, regions: RegionTable | None = None
) -> CorpusView:
    """Programmes (from the catalog entries), term statistics, contacts."""
    programmes = programmes_from_catalog(catalog, regions)
    programmes = [_with_doc_prefixes(p, chunks) for p in programmes]
    present = {chunk.programme for chunk in chunks}
    programmes = [p for p in programmes if p.id in present] or programmes
    return CorpusView(
        generation=generation,
        programmes=programmes,
        stats=CorpusStats.from_chunks(chunks),
        contacts={p.id: c for p in programmes if (c := find_contact(p.id, chunks))},
    )


def _indexed_catalog(searcher: Searcher) -> Catalog:
    """The catalog entries the index was built from; none when the searcher does not keep them."""
    documents = getattr(searcher, "documents", None)
    return Catalog(documents=list(documents()) if callable(documents) else [])


def _with_doc_prefixes(programme: Programme, chunks: Sequence[Chunk]) -> Programme:
    """Document numbers printed in the notices ("苏经信科技[2011]682号") name the programme too."""
    prefixes = list(programme.doc_prefixes)
    for chunk in chunks:
        if chunk.programme != programme.id:
            continue
        for line in chunk.text.split("\n"):
            if _DOC_NUMBER_LINE.match(line):
                match = DOC_PREFIX_PATTERN.match(line)
                if match and match.group(1) not in prefixes:
                    prefixes.append(match.group(1))
    return programme.model_copy(update={"doc_prefixes": prefixes})


def find_contact(programme_id: str, chunks: Sequence[Chunk], limit: int = 2) -> str | None:
    """ "联系人：… 电话：…" lines of a programme's notice, as one short string."""
    found: list[str] = []
    for chunk in chunks:
        if chunk.programme != programme_id:
            continue
        units = [u for u in split_units(chunk.text) if u.kind != "block"]
        for i, unit in enumerate(units):
            if not re.search(r"联\s*系\s*人", unit.text):
                continue
            parts = [unit.text]
            if not _PHONE.search(unit.text):
                following = units[i + 1 : i + 3]
                parts.extend(
                    u.text for u in following if _CONTACT_LINE.search(u.text) and _PHONE.search(u.text)
                )
            contact = "，".join(p.rstrip("。") for p in parts)
            if _PHONE.search(contact) and contact not in found:
                found.append(contact)
    if not found:
        return None
    return "；".join(found[-limit:])


def prepare_question(question: str) -> str:
    """Normalised as the notices are (traditional -> simplified, widths, whitespace); a long paste
    is cut down to its question sentences."""
    from knowledge._normalize import normalize_text

    text = normalize_text(question).strip()
    return focus_long_question(text) if len(text) > MAX_QUESTION_CHARS else text


def focus_long_question(text: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """A long paste: keep its question sentences (applicants ask at the end), within `limit`."""
    questions = [m.group(0).strip() for m in _QUESTION_END.finditer(text) if m.group(0).strip()]
    kept: list[str] = []
    total = 0
    for sentence in reversed(questions):
        sentence = sentence[-limit:]
        if total + len(sentence) > limit:
            break
        kept.insert(0, sentence)
        total += len(sentence)
    return "。".join(kept) if kept else text[-limit:]


def interleave(first: Sequence[SearchHit], second: Sequence[SearchHit], k: int) -> list[SearchHit]:
    """Both rankings merged rank by rank (first's hit before second's at each rank), no repeats."""
    merged: list[SearchHit] = []
    seen: set[str] = set()
    for pair in zip_longest(first, second):
        for hit in pair:
            if hit is not None and hit.chunk.id not in seen:
                seen.add(hit.chunk.id)
                merged.append(hit)
    return merged[:k]


def _curated_scope(scope: Scope, programmes: Sequence[Programme]) -> str | None:
    """The programme a staff answer may be for: the one the question is scoped to, or the corpus's
    only programme (a question there is about it even when it names none)."""
    if (single := _single(scope)) is not None:
        return single
    if not scope.programmes and len(programmes) == 1:
        return programmes[0].id
    return None


def _single(scope: Scope) -> str | None:
    return scope.programmes[0] if len(scope.programmes) == 1 else None


def _plain_refusal(question: str, text: str) -> Answer:
    return Answer(question=question, answer=text, answered=False, confidence=0.0)


def _index_unusable(error: Exception) -> str | None:
    """What to tell the applicant when there is no index, or one to rebuild; None for other errors."""
    from knowledge._index import IndexNotFoundError
    from knowledge._retrieval import IndexMismatchError

    if isinstance(error, IndexNotFoundError):
        return "知识库里还没有导入通知，暂时无法回答。请联系工作人员先导入通知。"
    if isinstance(error, IndexMismatchError):
        return "知识库需要重新导入通知后才能回答（检索设置已更改）。请联系工作人员重新导入。"
    return None
