"""Extractive answers: the sentences of the retrieved chunks that answer the question, each cited.

Every sentence (table row, list item) of the top hits is scored by how much of the question's key
terms it covers (terms weighted by how rare they are in the corpus, so that "税收" counts far more
than "企业"), whether it has the shape of the answer asked for (a date for 哪天, a number of 字 for
多少字), and the rank of its chunk. The best 1-3 sentences are the answer, and only if they pass
the check: most of the weighted key terms covered, the rarest one among them, the right shape, and
any place or year the corpus does not otherwise cover mentioned right there. A retrieval score
alone separates answerable from unanswerable questions badly; this check is the decision.

When the question names no programme and several programmes answer it differently (each notice has
its own deadline), the answer gives each programme's sentence with its label, never a mix.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import pairwise

from knowledge._models import Answer, Chunk, Citation, SearchHit
from knowledge._question import (
    AWARD_NAMES,
    AnswerKind,
    QuestionAnalysis,
    QuestionCues,
    default_cues,
    default_segmenter,
)
from knowledge._scope import Mention, Programme, Scope, describe_programmes
from knowledge._sentences import Unit, split_units

EXAMPLES_LABEL = "参考范文"
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_NOT_CJK_OR_ALNUM = re.compile(r"[^\w]+", re.UNICODE)
# A sentence that points at the document or form it stands in ("此表由推进机构填写", "本办法").
_ANAPHORA = re.compile(r"[此本该]\s*(?:表|办法|通知|细则|标准|附件)")
# The title of a notice carried inside another (the province's notice inside 常州's forwarding
# letter): the root of the section path of every sentence it holds.
_EMBEDDED_TITLE = re.compile(r"^关于.{2,60}(?:通知|办法|决定|意见)$")
_NAMING_SENTENCE_CHARS = 30  # a sentence this short names a practice rather than explains it
_READ_ON_SENTENCES = 2  # ...and this many after it (or after a line ending in a colon) say it
_FORM_FIELD = re.compile(r"[\u4e00-\u9fff（）()]{1,12}[：:]")
_LEADING_ENUMERATOR = re.compile(
    r"^\s*(?:\d{1,2}\s*[、.．](?!\d)|[（(]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[）)]\s*、?)\s*"
)


@dataclass(frozen=True)
class ExtractiveParams:
    """The weights and thresholds of the answer check (tuned on questions written for the purpose)."""

    min_coverage: float = 0.62  # weighted key-term coverage of the chosen sentences (with context)
    min_own_coverage: float = 0.38  # ... by the sentences themselves
    min_heaviest: float = 0.5  # coverage of the rarest key term
    min_focus: float = 0.5  # one sentence must cover this much alone (not three half-relevant ones)
    context_credit: float = 0.5  # a term found beside the sentence (section, neighbours) counts half
    # A term found elsewhere in the part of the document the sentence belongs to (the write-up that
    # names 热带森林公园 at its top): it says which passage is meant, not what the answer is.
    article_credit: float = 0.6
    article_rank_credit: float = 0.3  # ...and this much when ranking the sentences
    synonym_credit: float = 0.85
    fuzzy_credit: float = 0.75  # most of a long term's character pairs present (typos, word order)
    max_sentences: int = 3
    max_groups: int = 4  # programmes answered side by side
    # Another programme's answer is shown beside the best one when it passes too and is about as good.
    other_group_ratio: float = 0.7
    other_group_coverage_gap: float = 0.15
    min_extra_gain: float = 0.15  # a further sentence must cover a term of this share of the weight...
    min_extra_coverage: float = 0.25  # ...and this much of the question on its own...
    topic_share: float = 0.1  # ...and, from another passage, share a term of this weight share
    hits_considered: int = 30
    single_char_weight: float = 1.5  # a one-character term (纸, 字) never outweighs a real word
    # A term the notices never use weighs most (税收, 奖金: what the question is about), unless it is
    # an everyday verb (交给, 达到, 包含: how the applicant phrases it), which weighs this share.
    everyday_verb_share: float = 0.4
    everyday_rarity: float = 10.5  # general rarity (see TermSegmenter.rarity) below which a verb is everyday
    soft_weight: float = 0.5  # award names: half their idf, and only for ranking
    figure_bonus: float = 0.6  # ranking passages: the question's document number held
    phrase_bonus: float = 0.08  # key terms found side by side, as the question has them
    place_bonus: float = 0.05  # the sentence (or its surroundings) names the place asked about
    # The sentence is said by the body asked about: the city's forwarding letter for "常州…", not
    # the province's notice it carries.
    voice_bonus: float = 0.1
    # Sample write-ups are not rules: a programme's passage that answers nearly as well comes first.
    examples_margin: float = 0.15


class CorpusStats:
    """Document frequencies over the corpus passages (section path + text), for term weights."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = [t for t in texts if t]
        self._lowered = [t.lower() for t in self._texts]
        self._joined = "\n".join(self._texts)
        self._df: dict[str, int] = {}

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk]) -> CorpusStats:
        return cls(f"{chunk.section}\n{chunk.text}" for chunk in chunks)

    @property
    def size(self) -> int:
        return len(self._texts)

    def df(self, term: str) -> int:
        found = self._df.get(term)
        if found is None:
            if term.isascii():
                needle = term.lower()
                found = sum(needle in text for text in self._lowered)
            else:
                found = sum(term in text for text in self._texts)
            self._df[term] = found
        return found

    def idf(self, term: str) -> float:
        """Rarer terms weigh more; a term found nowhere weighs most (it is what the question is about)."""
        n = max(self.size, 1)
        return math.log((n + 1) / (self.df(term) + 0.5))

    def matches(self, pattern: str) -> dict[str, int]:
        """The strings of the corpus that `pattern` matches, with their counts."""
        cache: dict[str, dict[str, int]] = self.__dict__.setdefault("_matches", {})
        found = cache.get(pattern)
        if found is None:
            found = {}
            for match in re.finditer(pattern, self._joined):
                found[match.group(0)] = found.get(match.group(0), 0) + 1
            cache[pattern] = found
        return found

    def one_off_variants(self, term: str) -> dict[str, int]:
        """The strings of the corpus that differ from `term` in one character, with their counts."""
        if not self._joined or len(term) < 2:
            return {}
        alternatives = "|".join(
            re.escape(term[:i]) + r"[\u4e00-\u9fff]" + re.escape(term[i + 1 :]) for i in range(len(term))
        )
        counts: dict[str, int] = {}
        for match in re.finditer(alternatives, self._joined):
            counts[match.group(0)] = counts.get(match.group(0), 0) + 1
        return counts


def term_weights(
    terms: Sequence[str],
    stats: CorpusStats,
    params: ExtractiveParams,
    everyday_verb: Callable[[str], bool] | None = None,
) -> dict[str, float]:
    """idf of each key term; one-character terms capped, absent everyday verbs scaled down."""
    weights = {}
    for term in terms:
        weight = max(stats.idf(term), 0.05)
        if len(term) == 1:
            weight = min(weight, params.single_char_weight)
        elif everyday_verb is not None and stats.df(term) == 0 and everyday_verb(term):
            weight *= params.everyday_verb_share
        weights[term] = weight
    return weights


@dataclass(frozen=True)
class AnswerContext:
    """What the answerer knows beyond the hits: the programmes, corpus statistics, contacts, today."""

    programmes: Sequence[Programme]
    stats: CorpusStats
    today: date
    contact_for: Callable[[str], str | None] = field(default=lambda programme_id: None)

    def programme(self, programme_id: str | None) -> Programme | None:
        return next((p for p in self.programmes if p.id == programme_id), None)

    def label(self, programme_id: str | None) -> str:
        found = self.programme(programme_id)
        return found.label if found else (programme_id or EXAMPLES_LABEL)


@dataclass
class Candidate:
    hit: SearchHit
    rank: int  # 0-based position of the hit
    unit: Unit
    own: dict[str, float]  # term -> coverage by the sentence itself
    near: dict[str, float]  # term -> coverage by its surroundings (already discounted)
    shape_ok: bool
    deadline_ok: bool
    shape: float = 0.0  # share of the typed kinds asked for that it gives
    score: float = 0.0
    band: float = 0.0  # how its band or threshold fits the applicant's figure (< 0: does not apply)
    # Terms only its document part covers (the write-up's name): they place the sentence, so it
    # need not say them itself.
    placed: frozenset[str] = frozenset()

    @property
    def chunk(self) -> Chunk:
        return self.hit.chunk

    def covers(self, term: str) -> float:
        return max(self.own.get(term, 0.0), self.near.get(term, 0.0))


@dataclass
class GroupAnswer:
    """The chosen sentences for one programme (None: the documents outside any programme)."""

    programme: str | None
    chosen: list[Candidate]
    coverage: float
    own_coverage: float
    heaviest: float
    shape_ok: bool
    mentions_ok: bool
    score: float
    focus: float = 0.0  # the best coverage one sentence achieves alone

    def passes(self, params: ExtractiveParams) -> bool:
        return (
            self.coverage >= params.min_coverage
            and self.focus >= params.min_focus
            and self.own_coverage >= params.min_own_coverage
            and self.heaviest >= params.min_heaviest
            and self.shape_ok
            and self.mentions_ok
        )


@dataclass
class ExtractiveResult:
    answer: Answer
    groups: list[GroupAnswer]  # the groups shown (answered) or the best one tried (refused)
    analysis: QuestionAnalysis


class ExtractiveAnswerer:
    def __init__(
        self,
        params: ExtractiveParams | None = None,
        cues: QuestionCues | None = None,
        everyday_verb: Callable[[str], bool] | None = None,
    ) -> None:
        """`everyday_verb`: whether a word is a common verb of general Chinese (default: jieba's
        dictionary, see `TermSegmenter`)."""
        self.params = params or ExtractiveParams()
        self.cues = cues or default_cues()
        self._everyday_verb = everyday_verb if everyday_verb is not None else self._jieba_everyday_verb

    def _jieba_everyday_verb(self, word: str) -> bool:
        segmenter = default_segmenter()
        return segmenter.is_verb(word) and segmenter.rarity(word) < self.params.everyday_rarity

    # --- public ---

    def answer(
        self,
        question: str,
        analysis: QuestionAnalysis,
        hits: Sequence[SearchHit],
        scope: Scope,
        context: AnswerContext,
    ) -> ExtractiveResult:
        if not analysis.key_terms:
            return ExtractiveResult(refusal_no_terms(question), [], analysis)
        weights, soft = self._weights(analysis, context.stats)
        # Only a place some programme covers can name the body speaking (not 北京 of a refusal).
        uncovered = {m.text for m in scope.uncovered}
        candidates = self._candidates(
            analysis,
            hits[: self.params.hits_considered],
            weights,
            soft,
            places=scope.places,
            speakers=[p for p in scope.places if p not in uncovered],
        )
        groups = self._groups(candidates, analysis, weights, scope, soft)
        if scope.out_of_corpus and self.cues.asks_about_applying(analysis.text):
            # A programme the notices lack ("上海的服务明星怎么申报") is not answered by a write-up that
            # mentions the place (上海's 2006 stars): sample write-ups are not rules.
            groups = [group for group in groups if group.programme is not None]
        shown = self._shown_groups(groups, scope, analysis)
        if shown:
            answer = self._compose(question, shown, scope, analysis, context)
            return ExtractiveResult(answer, shown, analysis)
        best = groups[0] if groups else None
        if scope.out_of_corpus and (best is None or not best.mentions_ok):
            answer = refusal_out_of_corpus(question, scope.uncovered, context)
        else:
            answer = self._refusal(question, best, weights, scope, context)
        return ExtractiveResult(answer, [best] if best else [], analysis)

    def rank_hits(
        self, analysis: QuestionAnalysis, hits: Sequence[SearchHit], context: AnswerContext
    ) -> list[SearchHit]:
        """The hits reordered by their best sentence's score: the passage that holds the answer first."""
        if not analysis.key_terms or not hits:
            return list(hits)
        weights, soft = self._weights(analysis, context.stats)
        best: dict[str, float] = {}
        for candidate in self._candidates(analysis, hits, weights, soft):
            best.setdefault(candidate.chunk.id, candidate.score)  # candidates come best first
        # A passage holding the question's document number (the 682 of "682号文") is the document
        # asked about, even where its answering sentence does not repeat the key terms. (Not the
        # applicant's own figures, 75分: the notices give thresholds, not the applicant's score.)
        figures = {t: w for t, w in soft.items() if t.isdigit() and len(t) >= 3}
        total = sum(weights.values()) + sum(figures.values())
        for hit in hits:
            held = sum(w for t, w in figures.items() if t in hit.chunk.text)
            if held and hit.chunk.id in best:
                best[hit.chunk.id] += self.params.figure_bonus * held / total
        return sorted(hits, key=lambda hit: -best.get(hit.chunk.id, float("-inf")))

    # --- scoring ---

    def _weights(
        self, analysis: QuestionAnalysis, stats: CorpusStats
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Key-term weights (the check), and soft-term weights (ranking only)."""
        weights = term_weights(analysis.key_terms, stats, self.params, self._everyday_verb)
        soft = {
            term: self.params.soft_weight * max(stats.idf(term), 0.05)
            for term in analysis.soft_terms
            if term not in weights
        }
        return weights, soft

    def _candidates(
        self,
        analysis: QuestionAnalysis,
        hits: Sequence[SearchHit],
        key_weights: dict[str, float],
        soft_weights: dict[str, float],
        places: Sequence[str] = (),
        speakers: Sequence[str] = (),
    ) -> list[Candidate]:
        """Every unit of the hits, scored; key and soft terms both count for the ranking.

        `places`: the places the question names; a sentence about one of them (常州's own deadline
        in a notice that forwards the province's) comes before the rest of its programme.
        `speakers`: those of them the corpus covers; one naming the body that forwards a notice
        prefers the sentences of its own letter."""
        params = self.params
        weights = {**key_weights, **soft_weights}
        total = sum(weights.values())
        wants_list = AnswerKind.LIST in analysis.kinds
        deadline_terms = set(self.cues.deadline_terms)
        about_forms = any(term.endswith("表") or "填" in term for term in analysis.key_terms)
        figures = question_figures(analysis.text)
        phrases = _phrases(analysis.key_terms, analysis.text)
        # "地址", "总分": a term that names the kind of answer asked for is answered by a sentence
        # that gives one ("太湖中路25号八楼", "（10分）"), whether or not it repeats the word.
        naming = {
            term: [
                unit
                for unit in (self.cues.units[name] for name in analysis.units)
                if unit.evidence_covers_cue_words and unit.asked(term)
            ]
            for term in key_weights
        }
        candidates: list[Candidate] = []
        articles = _article_texts(hits)
        forwarding = _forwarding_programmes(hits, speakers)
        for rank, hit in enumerate(hits):
            article = articles[hit.chunk.id]
            in_article = {t: self._term_coverage(t, article) for t in weights}
            units = _units_of(hit.chunk.text)
            prose = [u for u in units if u.kind != "block"]
            # A section named after what is asked ("第十四条 …杰出管理者申报条件") is where the answer is.
            section = hit.chunk.section
            in_section = sum(w * self._term_coverage(t, section) for t, w in weights.items()) / total
            rank_score = 1.0 / (1.0 + 0.35 * rank)
            for unit in units:
                if unit.kind == "block" and not wants_list:
                    continue
                if not about_forms and _is_blank_form(unit.text):
                    continue  # an empty form row answers nothing but "what does the form ask"
                surroundings = _surroundings(hit.chunk, prose, unit)
                own = {t: self._term_coverage(t, unit.text) for t in weights}
                deadline_ok = any(p.search(unit.text) for p in self.cues.deadline_evidence_patterns)
                if analysis.deadline and deadline_ok:
                    # "10月17日前报送" answers "截止日期是哪天" without saying 截止日期.
                    for term in weights.keys() & deadline_terms:
                        own[term] = max(own[term], params.synonym_credit)
                for term, units_named in naming.items():
                    if any(named_unit.given(unit.text) for named_unit in units_named):
                        own[term] = max(own[term], params.synonym_credit)
                if _ANAPHORA.search(unit.text):
                    # "此表由推进机构填写": 此表 is the form the section is named after.
                    for term in weights:
                        named = params.synonym_credit * self._term_coverage(term, section)
                        own[term] = max(own[term], named)
                near = {t: params.context_credit * self._term_coverage(t, surroundings) for t in weights}
                # Only a write-up names its subject once at its top; a notice's annex names nothing
                # a sentence further down could leave out.
                placed = frozenset(
                    t
                    for t, c in in_article.items()
                    if hit.chunk.programme is None
                    and len(t) > 1  # a name, never 人 or 字
                    and c >= 0.5
                    and own[t] < 0.5
                    and t in key_weights
                )
                for term in placed:
                    near[term] = max(near[term], params.article_credit * in_article[term])
                shape = self._shape_fraction(analysis, unit.text)
                candidate = Candidate(
                    hit,
                    rank,
                    unit,
                    own,
                    near,
                    self._shape_ok(analysis, unit.text),
                    deadline_ok,
                    shape,
                    placed=placed,
                )
                # For the ranking, the write-up's name counts less than a neighbour saying the term
                # (the sentence beside the one with the figure must not win over it).
                coverage = (
                    sum(
                        w * (params.article_rank_credit if t in placed else candidate.covers(t))
                        for t, w in weights.items()
                    )
                    / total
                )
                own_cov = sum(w * own[t] for t, w in weights.items()) / total
                score = 0.55 * coverage + 0.15 * own_cov + 0.2 * shape + 0.1 * rank_score + 0.1 * in_section
                if analysis.deadline and deadline_ok:
                    score += 0.05
                if any(place in unit.text or place in surroundings for place in places):
                    score += params.place_bonus
                forwarded = hit.chunk.programme in forwarding
                score += params.voice_bonus * _voice_fit(section, forwarded)
                if phrases:
                    # "由…组织实施" answers "谁来组织实施" better than a sentence with 组织 and 实施 apart.
                    score += params.phrase_bonus * sum(p in unit.text for p in phrases) / len(phrases)
                if figures:
                    candidate.band = _band_fit(figures, unit.text)
                    score += candidate.band
                if unit.kind == "block":
                    score += 0.05  # a list question is best answered by the whole list
                if unit.text.endswith(("：", ":")):
                    score -= 0.1  # it only announces what follows
                elif _is_heading(unit.text) and (shape < 1.0 or not analysis.typed_kinds):
                    # It names a topic, the answer is below it (unless it holds it: "简介（1000字）").
                    score -= 0.1
                if len(unit.text) < 6:
                    score -= 0.15
                elif len(unit.text) > 300:
                    score -= 0.05
                candidate.score = score
                candidates.append(candidate)
        candidates.sort(key=lambda c: c.score, reverse=True)
        return candidates

    def _term_coverage(self, term: str, text: str) -> float:
        if term in text or (term.isascii() and term.lower() in text.lower()):
            return 1.0
        if ("（" in text or "(" in text) and term in _fold_parentheticals(text):
            return 1.0  # 企业 in "企（事）业单位"
        for alternative in self.cues.alternatives(term):
            if alternative in text:
                return self.params.synonym_credit
        parts = _compound_parts(term)
        if parts and all(part in text for part in parts):
            return self.params.synonym_credit  # 申报材料 in "材料申报截止日期": its words, reordered
        if len(term) >= 3:
            pairs = [term[i : i + 2] for i in range(len(term) - 1)]
            present = sum(pair in text for pair in pairs) / len(pairs)
            if present >= 0.5:
                return self.params.fuzzy_credit * present
        return 0.0

    def _shape_ok(self, analysis: QuestionAnalysis, text: str) -> bool:
        """The text has the shape of an answer: the unit asked for (字数, 号, 电话…) when one was
        asked, else any of the typed kinds (a date, a number, a name)."""
        if analysis.units:
            return any(self.cues.units[name].given(text) for name in analysis.units)
        return self._shape_fraction(analysis, text) > 0

    def _shape_fraction(self, analysis: QuestionAnalysis, text: str) -> float:
        """Share of the typed kinds asked for (date, number in the asked unit, name) the text gives."""
        typed = analysis.typed_kinds
        if not typed:
            return 1.0
        given = 0
        for kind in typed:
            if kind is AnswerKind.NUMBER and analysis.units:
                given += any(self.cues.units[name].given(text) for name in analysis.units)
            elif kind is AnswerKind.DATE and not analysis.deadline:
                # "以什么时间为准": a time ("上年度末") answers as well as a calendar date.
                given += self.cues.kinds[kind].given(text) or any(
                    p.search(text) for p in self.cues.time_evidence_patterns
                )
            else:
                given += self.cues.kinds[kind].given(text)
        return given / len(typed)

    # --- choosing ---

    def _groups(
        self,
        candidates: list[Candidate],
        analysis: QuestionAnalysis,
        weights: dict[str, float],
        scope: Scope,
        soft: dict[str, float] | None = None,
    ) -> list[GroupAnswer]:
        by_programme: dict[str | None, list[Candidate]] = {}
        for candidate in candidates:
            by_programme.setdefault(candidate.chunk.programme, []).append(candidate)
        groups = [
            self._choose(programme, group, analysis, weights, scope, soft or {})
            for programme, group in by_programme.items()
        ]
        groups.sort(key=lambda g: (g.passes(self.params), g.score), reverse=True)
        return groups

    def _choose(
        self,
        programme: str | None,
        candidates: list[Candidate],
        analysis: QuestionAnalysis,
        weights: dict[str, float],
        scope: Scope,
        soft: dict[str, float] | None = None,
    ) -> GroupAnswer:
        """The best sentence of one programme, and the ones that complete it; then the check.

        A soft term (the applicant's figure, an adverb) never counts against an answer; when the
        chosen sentences say it too (">50亿元" for "超过50亿元"), it counts for it."""
        total = sum(weights.values())
        eligible = [c for c in candidates if c.shape_ok] or candidates
        best = eligible[0]
        chosen = [best]
        for candidate in candidates:
            if len(chosen) >= self.params.max_sentences:
                break
            if candidate is best or any(
                _overlaps(candidate, c) or candidate.unit.text == c.unit.text for c in chosen
            ):
                continue
            if self._completes(candidate, chosen, analysis, weights):
                chosen.append(candidate)
        key_weights = weights
        weights = {
            **weights,
            **{
                t: w
                for t, w in (soft or {}).items()
                if not AWARD_NAMES.fullmatch(t) and max(c.own.get(t, 0.0) for c in chosen) >= 0.8
            },
        }
        total = sum(weights.values())
        own_best = {t: max(c.own[t] for c in chosen) for t in weights}
        coverage = sum(w * max(c.covers(t) for c in chosen) for t, w in weights.items()) / total
        focus = max(sum(w * c.covers(t) for t, w in weights.items()) / total for c in chosen)
        # What the sentences must say themselves: not the terms that only name their document part.
        placed = frozenset.intersection(*(c.placed for c in chosen)) if chosen else frozenset()
        own_total = sum(w for t, w in weights.items() if t not in placed) or total
        own_coverage = sum(w * own_best[t] for t, w in weights.items() if t not in placed) / own_total
        # The topic of the question is a word, never a lone character (纸 of 用什么纸 weighs as much as
        # 材料 only because it is capped).
        words = [t for t in key_weights if len(t) > 1] or list(key_weights)
        heaviest_term = max(words, key=lambda t: key_weights[t])
        heaviest = max(c.covers(heaviest_term) for c in chosen)
        mentions_ok = all(_mentioned(m, chosen) for m in scope.uncovered)
        shape_ok = any(c.shape_ok for c in chosen)
        rank_score = 1.0 / (1.0 + 0.35 * best.rank)
        score = 0.6 * coverage + 0.15 * own_coverage + 0.15 * shape_ok + 0.1 * rank_score
        return GroupAnswer(
            programme, chosen, coverage, own_coverage, heaviest, shape_ok, mentions_ok, score, focus
        )

    def _completes(
        self,
        candidate: Candidate,
        chosen: list[Candidate],
        analysis: QuestionAnalysis,
        weights: dict[str, float],
    ) -> bool:
        """A further sentence is worth showing when it answers a part of the question the chosen ones
        leave open: a weighty key term they do not cover, or a unit asked for that they do not give
        ("联系人是谁，电话多少": the name line, then the phone line)."""
        if _is_heading(candidate.unit.text):
            return False
        if self._names_the_asker(candidate, chosen, weights):
            return True
        if self._reads_on(candidate, chosen, analysis):
            return True
        if not (candidate.shape_ok or candidate.shape > 0):
            return False
        if AnswerKind.YES_NO in analysis.kinds and self._distinguishes(candidate, chosen, analysis):
            return True
        if candidate.band < 0:
            return False  # a band the applicant's figure does not fall in
        total = sum(weights.values())
        own_cov = sum(w * candidate.own[t] for t, w in weights.items()) / total
        if own_cov < self.params.min_extra_coverage:
            return False
        same_chunk = any(c.chunk.id == candidate.chunk.id for c in chosen)
        if not same_chunk and not self._shares_topic(candidate, chosen, weights):
            return False  # another passage about something else ("实践报告" format for "事迹材料")
        opened = [
            t
            for t, w in weights.items()
            if w >= self.params.min_extra_gain * total
            and candidate.own[t] >= 0.8
            and max(c.own[t] for c in chosen) < 0.5
            # a term that only names the write-up is still open: the sentence that says it adds to it
            and (same_chunk or max(0.0 if t in c.placed else c.near[t] for c in chosen) < 0.5)
        ]
        if opened:
            return True
        # A unit the chosen sentences do not give, from the same passage (not from another form).
        missing_units = [
            name
            for name in analysis.units
            if not any(self.cues.units[name].given(c.unit.text) for c in chosen)
        ]
        same_place = any(
            c.chunk.id == candidate.chunk.id or c.chunk.section == candidate.chunk.section for c in chosen
        )
        return same_place and any(self.cues.units[name].given(candidate.unit.text) for name in missing_units)

    def _reads_on(self, candidate: Candidate, chosen: list[Candidate], analysis: QuestionAnalysis) -> bool:
        """The chosen sentence only names or announces what is asked; the next ones say it. For
        "首问负责制是啥意思", "一是实行首问负责制。" and the rest of its paragraph; for "什么人能报",
        "…杰出管理者申报条件：" and the first items of the list below it."""
        best = chosen[0]
        announces = best.unit.text.rstrip().endswith(("：", ":"))
        names = analysis.meaning and len(best.unit.text) <= _NAMING_SENTENCE_CHARS
        if not (announces or names) or candidate.chunk.id != best.chunk.id:
            return False
        if not 0 < candidate.unit.position - best.unit.position <= _READ_ON_SENTENCES:
            return False
        return announces or "\n" not in best.chunk.text[best.unit.end : candidate.unit.start]

    def _names_the_asker(
        self, candidate: Candidate, chosen: list[Candidate], weights: dict[str, float]
    ) -> bool:
        """The sentence just above, in the enclosing section, that names who the chosen sentence
        speaks for ("…报送至市质量协会（常州市…）" above "联系电话：86681391…" for "常州市质协联系电话"):
        the answer is the two read together."""
        best = chosen[0]
        if len(chosen) > 1 or not best.shape_ok or candidate.chunk.programme != best.chunk.programme:
            return False  # only a sentence that gives what is asked needs its speaker named
        if not candidate.unit.text.rstrip().endswith(("。", "；", ";")):
            return False  # a whole sentence, not a form's labels ("推进机构： 填表日期 年月日")
        section, parent = best.chunk.section, candidate.chunk.section
        if section == parent or not section.startswith(parent + " › "):
            return False
        total = sum(weights.values())
        return any(
            w >= self.params.min_extra_gain * total
            and len(t) > 1
            and candidate.own[t] >= 0.8
            and best.covers(t) < 0.5
            for t, w in weights.items()
        )

    def _distinguishes(
        self, candidate: Candidate, chosen: list[Candidate], analysis: QuestionAnalysis
    ) -> bool:
        """For a yes/no question, the sentence of the same passage that names what the question sets
        apart and the chosen ones do not ("申报三星级需要视频吗": after the sentence about 四星级和五星级,
        "申报三星级不需要准备视频")."""
        if candidate.chunk.id != chosen[0].chunk.id:
            return False
        return any(
            len(term) > 1
            and not AWARD_NAMES.fullmatch(term)
            and candidate.own.get(term, 0.0) >= 1.0
            and all(c.own.get(term, 0.0) < 0.5 for c in chosen)
            for term in [*analysis.key_terms, *analysis.soft_terms]
        )

    def _shares_topic(self, candidate: Candidate, chosen: list[Candidate], weights: dict[str, float]) -> bool:
        """Both the candidate and the best chosen sentence cover a key term of some weight."""
        total = sum(weights.values())
        best = chosen[0]
        return any(
            w >= self.params.topic_share * total and candidate.own[t] >= 0.5 and best.own[t] >= 0.5
            for t, w in weights.items()
        )

    def _shown_groups(
        self, groups: list[GroupAnswer], scope: Scope, analysis: QuestionAnalysis
    ) -> list[GroupAnswer]:
        params = self.params
        # The sample write-ups tell stories: they give a figure, a name, a date (驼中王's turnover),
        # never whether something is allowed or how to do it ("有年龄限制吗" is for the rules).
        rule_question = {AnswerKind.YES_NO, AnswerKind.HOW} & set(analysis.kinds)
        examples_answer = bool(analysis.typed_kinds) or bool(scope.uncovered) or not rule_question
        passing = [g for g in groups if g.passes(params) and (g.programme is not None or examples_answer)]
        if not passing:
            return []
        first = passing[0]
        if first.programme is None:
            rules = [
                g
                for g in passing
                if g.programme is not None and g.coverage >= first.coverage - params.examples_margin
            ]
            first = rules[0] if rules else first
        if first.programme is None or len(scope.programmes) == 1:
            return [first]
        shown = [first]
        for group in passing:
            if group is first:
                continue
            if len(shown) >= params.max_groups:
                break
            if group.programme is None:
                continue  # sample write-ups never stand beside a programme's rules
            named_together = scope.how == "named" and len(scope.programmes) > 1
            close = (
                group.focus >= first.focus - params.other_group_coverage_gap
                and group.score >= params.other_group_ratio * first.score
            )
            if named_together or close:
                shown.append(group)
        return shown

    # --- wording ---

    def _compose(
        self,
        question: str,
        groups: list[GroupAnswer],
        scope: Scope,
        analysis: QuestionAnalysis,
        context: AnswerContext,
    ) -> Answer:
        labelled = scope.how != "requested" or len(groups) > 1
        lines = []
        citations: list[Citation] = []
        for programmes, group in _merge_identical(groups):
            body = "".join(_sentence_for_answer(c.unit.text) for c in _reading_order(group.chosen))
            note = self._deadline_note(group, analysis, context)
            label = "、".join(context.label(p) for p in programmes)
            lines.append(f"【{label}】{body}{note}" if labelled else f"{body}{note}")
            citations.extend(_citation(c) for c in _reading_order(group.chosen))
        p = self.params
        worst = min(g.coverage for g in groups)
        confidence = 0.55 + 0.4 * _clamp((worst - p.min_coverage) / (1.0 - p.min_coverage))
        return Answer(
            question=question,
            answer="\n".join(lines),
            answered=True,
            confidence=round(confidence, 3),
            programme=groups[0].programme if len(groups) == 1 else None,
            citations=citations,
        )

    def _deadline_note(self, group: GroupAnswer, analysis: QuestionAnalysis, context: AnswerContext) -> str:
        if not (analysis.deadline or AnswerKind.DATE in analysis.kinds):
            return ""
        programme = context.programme(group.programme)
        default_year = programme.year if programme and programme.year else None
        dates: list[date] = []
        for candidate in group.chosen:
            if analysis.deadline or candidate.deadline_ok:
                dates.extend(parse_dates(candidate.unit.text, default_year or candidate.chunk.year))
        if not dates or max(dates) >= context.today:
            return ""
        year = default_year or max(dates).year
        return f"（该截止日期已过：这是{year}年的通知，新一年的安排请以最新通知为准。）"

    def _refusal(
        self,
        question: str,
        best: GroupAnswer | None,
        weights: dict[str, float],
        scope: Scope,
        context: AnswerContext,
    ) -> Answer:
        missing: list[str] = []
        nearby = None
        programme_id = scope.programmes[0] if len(scope.programmes) == 1 else None
        if best is not None:
            missing = [
                t
                for t in sorted(weights, key=lambda t: weights[t], reverse=True)
                if len(t) > 1 and max(c.covers(t) for c in best.chosen) < 0.5  # not "花" of 花多少钱
            ][:3]
            top = best.chosen[0]
            if best.own_coverage >= 0.3 and len(top.unit.text) >= 6:
                nearby = top
            programme_id = programme_id or best.programme
        not_found = f"通知中没有提到“{'、'.join(missing)}”的相关规定。" if missing else ""
        parts = [not_found or "现有通知没有这方面的明确规定。"]
        citations = []
        if nearby is not None:
            label = context.label(nearby.chunk.programme)
            parts.append(f"通知中相关的内容是：【{label}】{_shorten(nearby.unit.text)}")
            citations.append(_citation(nearby))
        parts.append(where_to_ask(programme_id, context))
        coverage = best.coverage if best else 0.0
        return Answer(
            question=question,
            answer="".join(parts),
            answered=False,
            confidence=round(min(0.35, 0.05 + 0.3 * coverage), 3),
            programme=programme_id,
            citations=citations,
        )


# --- refusals that need no hits ---------------------------------------------------------------


def refusal_out_of_corpus(question: str, uncovered: Sequence[Mention], context: AnswerContext) -> Answer:
    named = "、".join(f"{m.text}年" if m.kind == "year" else m.text for m in uncovered)
    covered = describe_programmes(context.programmes)
    text = (
        f"现有通知没有涉及{named}的内容，无法回答。"
        + (f"目前收录的通知是：{covered}。" if covered else "")
        + "其他地区或年度的安排，请咨询当地质量协会或通知的发布单位。"
    )
    return Answer(question=question, answer=text, answered=False, confidence=0.05)


def refusal_no_terms(question: str) -> Answer:
    return Answer(
        question=question,
        answer="没有看出您想了解申报的哪一方面。请直接说出要问的内容，例如：“申报截止日期是哪天？”"
        "“先进事迹材料有字数要求吗？”",
        answered=False,
        confidence=0.0,
    )


def where_to_ask(programme_id: str | None, context: AnswerContext) -> str:
    if programme_id:
        contact = context.contact_for(programme_id)
        if contact:
            return f"如需确认，请咨询：{contact}。"
        programme = context.programme(programme_id)
        if programme and programme.issuer:
            return f"如需确认，请咨询通知的发布单位：{_chinese_only_issuer(programme.issuer)}。"
    return "如需确认，请咨询通知的发布单位或当地质量协会。"


def _chinese_only_issuer(issuer: str) -> str:
    """Catalog notes in English ("; forwarded by 常州市") are for staff, not applicants."""
    return re.split(r"\s*[;；]\s*[A-Za-z]", issuer)[0].strip()


# --- helpers ------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _units_of(text: str) -> tuple[Unit, ...]:
    return tuple(split_units(text))


def _surroundings(chunk: Chunk, prose: list[Unit], unit: Unit) -> str:
    """What is read together with a sentence: the document's title (the write-up it comes from), the
    section path, and the sentences just before and after."""
    index = next((i for i, u in enumerate(prose) if u.start >= unit.start), len(prose))
    end_index = next((i for i, u in enumerate(prose) if u.end >= unit.end), index)
    before = prose[max(0, index - 2) : index]
    after = prose[end_index + 1 : end_index + 2]
    return "\n".join([chunk.title, chunk.section, *(u.text for u in before), *(u.text for u in after)])


def _article_key(chunk: Chunk) -> tuple[str, str]:
    """The part of a document a chunk belongs to: its file and the top of its section path (one
    write-up of a collection, one annex of a notice)."""
    return chunk.file, chunk.section.split("›")[0].strip()


def _article_texts(hits: Sequence[SearchHit]) -> dict[str, str]:
    """Per chunk of the hits, what names the document part it belongs to: its title, its sections,
    and its opening passage (a write-up names its company in its first lines, and what it did
    further down). The opening passage itself has only its title and sections: its own sentences
    are neighbours, not the name of a later passage."""
    heads: dict[tuple[str, str], list[str]] = {}
    first: dict[tuple[str, str], Chunk] = {}
    for hit in hits:
        chunk = hit.chunk
        key = _article_key(chunk)
        heads.setdefault(key, [chunk.title]).append(chunk.section)
        if key not in first or chunk.order < first[key].order:
            first[key] = chunk
    texts: dict[str, str] = {}
    for hit in hits:
        key = _article_key(hit.chunk)
        opening = first[key]
        names = heads[key] if opening.id == hit.chunk.id else [*heads[key], opening.text]
        texts[hit.chunk.id] = "\n".join(names)
    return texts


_PARENTHETICAL_ASIDE = re.compile(r"(?<=[\u4e00-\u9fff])[（(][\u4e00-\u9fff]{2,4}[）)](?=[\u4e00-\u9fff])")
_PARENTHETICAL_INFIX = re.compile(r"([\u4e00-\u9fff])[（(]([\u4e00-\u9fff])[）)](?=[\u4e00-\u9fff])")


@lru_cache(maxsize=8192)
def _fold_parentheticals(text: str) -> str:
    """ "企（事）业单位" read both ways: 企业单位 and 事业单位 (the bracket offers another character);
    "标杆（五星）级" read without its aside: 标杆级."""
    return "\n".join(
        (
            _PARENTHETICAL_INFIX.sub(r"\1", text),
            _PARENTHETICAL_INFIX.sub(r"\2", text),
            _PARENTHETICAL_ASIDE.sub("", text),
        )
    )


@lru_cache(maxsize=4096)
def _compound_parts(term: str) -> tuple[str, ...]:
    """The words a compound term is made of (申报材料 -> 申报, 材料), when they make up all of it;
    empty for a term that is one word only."""
    if len(term) < 4 or not all("\u4e00" <= ch <= "\u9fff" for ch in term):
        return ()
    words = [w for w in default_segmenter().cut_for_search(term) if w != term and len(w) > 1]
    parts = tuple(dict.fromkeys(words))
    if len(parts) < 2 or not all(any(ch in w for w in parts) for ch in term):
        return ()
    return parts


def _embedded_root(section: str) -> str | None:
    """The title of the notice carried inside another that holds this section, if any."""
    root = section.split(" › ", 1)[0].strip()
    return root if _EMBEDDED_TITLE.match(root) else None


def _forwarding_programmes(hits: Sequence[SearchHit], places: Sequence[str]) -> set[str | None]:
    """Programmes whose file carries a notice of another body than the one the question names
    (the province's notice inside 常州's letter, for "常州…"): sentences under its title, and the
    letter's own beside them (a notice whose every section sits under its own title forwards nothing)."""
    if not places:
        return set()
    embedded = {
        hit.chunk.programme
        for hit in hits
        if (root := _embedded_root(hit.chunk.section)) and not any(p in root for p in places)
    }
    letters = {hit.chunk.programme for hit in hits if _embedded_root(hit.chunk.section) is None}
    return embedded & letters


def _voice_fit(section: str, forwarded: bool) -> float:
    """In a file that forwards another body's notice, when the question names the forwarding body
    (常州): +1 for the letter's own sentences, -1 for those under the embedded notice's title."""
    if not forwarded:
        return 0.0
    return -1.0 if _embedded_root(section) else 1.0


@lru_cache(maxsize=8192)
def _is_blank_form(text: str) -> bool:
    """An empty form row ("联系人 | 单位电话 | 手机", "电话： 传真："): labels, nothing filled in."""
    cells = [c.strip() for c in re.split(r"\s*\|\s*|\s{2,}", text) if c.strip()]
    if not cells or any(ch.isdigit() for ch in text) or re.search(r"[。，；]", text):
        return False
    if all(len(c) <= 12 for c in cells) and len(cells) >= 2:
        return True
    leftover = _FORM_FIELD.sub("", text)
    return len(_FORM_FIELD.findall(text)) >= 2 and not leftover.replace(" ", "").replace("|", "")


def _is_heading(text: str) -> bool:
    """A title line ("三、做好2011年“江苏省用户满意服务明星”的表彰申报工作"): it names a topic, it
    says nothing."""
    return len(text) <= 40 and not re.search(r"[。，；：:|]", text)


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.chunk.id == b.chunk.id and a.unit.start < b.unit.end and b.unit.start < a.unit.end


def _mentioned(mention: Mention, chosen: Sequence[Candidate]) -> bool:
    """An uncovered place or year must be named in the chosen sentence's chunk (a write-up names its
    city and year once, at the top); the whole country in the sentence itself (provincial notices
    name the national programme they follow everywhere)."""
    if mention.kind == "national":
        return any(mention.text in candidate.unit.text for candidate in chosen)
    for candidate in chosen:
        chunk = candidate.chunk
        if mention.text in f"{chunk.section}\n{chunk.title}\n{chunk.text}":
            return True
    return False


def _reading_order(chosen: Sequence[Candidate]) -> list[Candidate]:
    return sorted(chosen, key=lambda c: (c.rank, c.unit.start))


def _merge_identical(groups: Sequence[GroupAnswer]) -> list[tuple[list[str | None], GroupAnswer]]:
    """Programmes whose chosen sentences read the same (shared rubric text) share one line."""
    merged: list[tuple[list[str | None], GroupAnswer]] = []
    for group in groups:
        key = _comparable(" ".join(c.unit.text for c in _reading_order(group.chosen)))
        for programmes, existing in merged:
            if _comparable(" ".join(c.unit.text for c in _reading_order(existing.chosen))) == key:
                programmes.append(group.programme)
                break
        else:
            merged.append(([group.programme], group))
    return merged


def _comparable(text: str) -> str:
    return _NOT_CJK_OR_ALNUM.sub("", text)


def _sentence_for_answer(text: str) -> str:
    """As shown in the answer: without its list number ("8.材料申报…"), ending as a sentence."""
    text = _LEADING_ENUMERATOR.sub("", text.strip(), count=1).rstrip("：:，,； ")
    return text if text.endswith(("。", "！", "？", "）", "”", ")")) else f"{text}。"


def _shorten(text: str, limit: int = 90) -> str:
    text = _sentence_for_answer(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _citation(candidate: Candidate) -> Citation:
    chunk = candidate.chunk
    return Citation(
        file=chunk.file,
        title=chunk.title,
        section=chunk.section,
        quote=chunk.text[candidate.unit.start : candidate.unit.end].strip(),
    )


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _phrases(terms: Sequence[str], question: str) -> list[str]:
    """Key terms the question writes side by side (组织 + 实施 of "谁来组织实施"), joined."""
    return [a + b for a, b in pairwise(terms) if len(a + b) > 2 and a + b in question]


_FIGURE_IN_QUESTION = re.compile(r"(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)")
_LOWER_BOUND = re.compile(
    r"(?:超过|高于|大于|不低于|不少于|达到|>|≥|在)\s*(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)"
    r"|(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)\s*(?:及|或)?以上"
)
_UPPER_BOUND = re.compile(
    r"(?:少于|低于|不足|不超过|未满|<|≤)\s*(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)"
    r"|(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)\s*(?:及|或)?(?:以下|以内)"
)
BAND_BONUS = 0.12


def question_figures(question: str) -> list[tuple[float, str]]:
    """The applicant's own figures with their units ("满意度86分" -> (86, "分"))."""
    return [(float(number), unit) for number, unit in _FIGURE_IN_QUESTION.findall(question)]


def _band_fit(figures: Sequence[tuple[float, str]], text: str) -> float:
    """How well a band or threshold row fits the applicant's figure: "超过85分" fits 86分 best,
    "超过80分" a little less, "超过90分" not at all (and is pushed down, as it does not apply)."""
    fits: list[float] = []
    for pattern, applies in ((_LOWER_BOUND, operator.ge), (_UPPER_BOUND, operator.le)):
        for match in pattern.finditer(text):
            number, unit = match.group(1, 2) if match.group(1) else match.group(3, 4)
            threshold = float(number)
            for value, asked_unit in figures:
                if asked_unit != unit:
                    continue
                if applies(value, threshold):
                    distance = abs(value - threshold) / max(abs(value), 1.0)
                    fits.append(BAND_BONUS * (1.0 - min(distance, 1.0)))
                else:
                    fits.append(-BAND_BONUS / 2)
    return max(fits) if fits else 0.0


def parse_dates(text: str, default_year: int | None) -> list[date]:
    """Dates written as 2016年9月10日 (or 9月10日, in `default_year`)."""
    found = []
    for match in _DATE.finditer(text):
        year = int(match.group(1)) if match.group(1) else default_year
        if year is None:
            continue
        try:
            found.append(date(year, int(match.group(2)), int(match.group(3))))
        except ValueError:
            continue
    return found
