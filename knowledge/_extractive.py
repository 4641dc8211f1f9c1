"""Extractive answers: the sentences of the retrieved chunks that answer the question, each cited.

Every sentence (table row, list item) of the top hits is scored by how much of the question's key
terms it covers (terms weighted by how rare they are in the corpus, so that "税收" counts far more
than "企业"), whether it has the shape of the answer asked for (a date for 哪天, a number of 字 for
多少字), and the rank of its chunk. Each programme's best 1-3 sentences form a group. Whether a
group answers is the fitted decision's (`knowledge/_decision.py`): its features (coverage by the
sentences, their heading path and neighbours, shape, scope, retrieval margins) give a calibrated
probability, and its thresholds the reply: a cited answer, the most relevant rule quoted as
related, or "the notices do not say". A place or year the corpus does not otherwise cover must be
mentioned where the answer is.

When the question names no programme and several programmes answer it differently (each notice has
its own deadline), the answer gives each programme's sentence with its label, never a mix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from knowledge._answer_context import AnswerContext, CorpusStats, term_weights
from knowledge._bodies import (
    asked_body,
    asked_levels,
    body_fit,
    county_bodies,
    sentence_levels,
    spoken_levels,
)
from knowledge._decision import AnswerDecision, default_decision, group_features
from knowledge._extractive_text import (
    _ANAPHORA,
    _article_texts,
    _band_fit,
    _compound_parts,
    _fold_parentheticals,
    _forwarding_programmes,
    _heads_of_contact,
    _is_blank_form,
    _is_heading,
    _phrases,
    _surroundings,
    _units_of,
    _voice_fit,
    question_figures,
)
from knowledge._extractive_types import Candidate, ExtractiveParams, ExtractiveResult, GroupAnswer
from knowledge._extractive_wording import (
    _citation,
    _deadline_note,
    _merge_identical,
    _reading_order,
    not_found_reply,
    other_body_reply,
    refusal_no_terms,
    refusal_out_of_corpus,
    related_reply,
    shown_text,
)
from knowledge._formula import weighted_total
from knowledge._models import Answer, Citation, SearchHit
from knowledge._question import (
    AWARD_NAMES,
    AnswerKind,
    QuestionAnalysis,
    QuestionCues,
    default_cues,
    default_segmenter,
)
from knowledge._scope import Mention, Scope
from knowledge._verdict import yes_no_verdict

__all__ = [
    "AnswerContext",
    "Candidate",
    "CorpusStats",
    "ExtractiveAnswerer",
    "ExtractiveParams",
    "ExtractiveResult",
    "GroupAnswer",
    "refusal_no_terms",
    "refusal_out_of_corpus",
    "term_weights",
]

_NAMING_SENTENCE_CHARS = 30  # a sentence this short names a practice rather than explains it
YES_NO_FIRST = True  # a verdict before the quote when the rule settles it (knowledge/_verdict.py)
# A sentence that opens by pointing back at what precedes it (general Chinese).
_BACK_REFERENCE = re.compile(r"^\s*(?:以上|上述|前述|上列)")
# Facts that belong to one body, as a phone or a deadline does (general Chinese): whom to contact,
# and the quota a body is given ("济南分到几个名额": 淄博's are not 济南's).
_ASKS_BODY_FACT = re.compile(r"联系人|联系方式|找谁|问谁|咨询谁|名额|指标")
_READ_ON_SENTENCES = 2  # ...and this many after it (or after a line ending in a colon) say it


class ExtractiveAnswerer:
    def __init__(
        self,
        params: ExtractiveParams | None = None,
        cues: QuestionCues | None = None,
        everyday_verb: Callable[[str], bool] | None = None,
        decision: AnswerDecision | None = None,
        record: Callable[[list[GroupAnswer], QuestionAnalysis], None] | None = None,
    ) -> None:
        """`everyday_verb`: whether a word is a common verb of general Chinese (default: jieba's
        dictionary, see `TermSegmenter`). `decision`: the fitted answer decision (default: the
        shipped one). `record`: called with every question's scored groups (the fit collects them)."""
        self.params = params or ExtractiveParams()
        self.decision = decision or default_decision()
        self.record = record
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
        groups, weights = self.scored_groups(analysis, hits, scope, context)
        if self.record is not None:
            self.record(groups, analysis)
        shown = self._shown_groups(groups, scope, analysis)
        if shown:
            missing = self._body_not_given(shown[0], scope, analysis, context)
            if missing is not None:
                answer = other_body_reply(question, missing, shown[0], analysis, context)
            else:
                answer = self.compose(question, shown, scope, analysis, context)
            return ExtractiveResult(answer, shown, analysis)
        best = groups[0] if groups else None
        missing = self._body_not_given(best, scope, analysis, context) if best and best.shape_ok else None
        if scope.out_of_corpus and (best is None or not best.mentions_ok):
            answer = refusal_out_of_corpus(question, scope.uncovered, context)
        elif best is not None and missing is not None:
            answer = other_body_reply(question, missing, best, analysis, context)
        elif best is not None and self.decision.kind(best.probability) != "not_found":
            answer = related_reply(question, best, context)
        else:
            answer = not_found_reply(question, best, weights, scope, analysis, context)
        return ExtractiveResult(answer, [best] if best else [], analysis)

    def scored_groups(
        self,
        analysis: QuestionAnalysis,
        hits: Sequence[SearchHit],
        scope: Scope,
        context: AnswerContext,
    ) -> tuple[list[GroupAnswer], dict[str, float]]:
        """Each programme's best sentences for the question, with the decision's features and
        probability, most probable first; and the key-term weights. Only the groups that may answer:
        a sample write-up tells a story, never a rule."""
        weights, soft = self._weights(analysis, context.stats)
        # Only a place some programme covers can name the body speaking (not 北京 of a refusal).
        uncovered = {m.text for m in scope.uncovered}
        considered = hits[: self.params.hits_considered]
        candidates = self._candidates(
            analysis,
            considered,
            weights,
            soft,
            places=scope.places,
            speakers=[p for p in scope.places if p not in uncovered],
        )
        groups = self._groups(candidates, analysis, weights, scope, soft)
        for group in groups:
            group.features = group_features(
                group,
                groups,
                analysis,
                scope,
                weights,
                context.stats,
                context.programme(group.programme),
                top_hit_score=max((h.score for h in considered), default=0.0),
                top_lexical_score=max((h.lexical_score for h in considered), default=0.0),
            )
            group.probability = self.decision.probability(group.features)
        groups.sort(key=lambda g: (g.probability, g.score), reverse=True)
        if scope.out_of_corpus and self.cues.asks_about_applying(analysis.text):
            # A programme the notices lack ("上海的服务明星怎么申报") is not answered by a write-up that
            # mentions the place (上海's 2006 stars).
            groups = [group for group in groups if group.programme is not None]
        # The sample write-ups give a figure, a name, a date (驼中王's turnover), never whether
        # something is allowed or how to do it ("有年龄限制吗" is for the rules).
        rule_question = {AnswerKind.YES_NO, AnswerKind.HOW} & set(analysis.kinds)
        examples_answer = bool(analysis.typed_kinds) or bool(scope.uncovered) or not rule_question
        groups = [g for g in groups if g.programme is not None or examples_answer]
        return groups, weights

    def _body_not_given(
        self, group: GroupAnswer, scope: Scope, analysis: QuestionAnalysis, context: AnswerContext
    ) -> str | None:
        """A contact, address, deadline or quota belongs to a body: the body the question names that
        the group's sentences are not about, or None. Either its level (市质协 asked, only the
        province's sentences given: knowledge/_bodies.py) or its place (南京's deadline asked, the
        province's given); a place is the group's when its programme covers it, its issuer is of that
        place, or the passage names it."""
        asks_body_fact = bool(_ASKS_BODY_FACT.search(analysis.text))
        if not (analysis.deadline or asks_body_fact or {"phone", "address"} & set(analysis.units)):
            return None
        levels = asked_levels(analysis.body_text)
        # The sentences that give what is asked (the phone line, not the one beside it) speak for it.
        giving = [c for c in group.chosen if c.shape_ok] or group.chosen
        fits = [body_fit(levels, _speaks_for(c, group.chosen)) for c in giving]
        if levels and min(fits) < 0 and max(fits) <= 0:
            # "武汉市质量协会的联系人": the notices give the province's only.
            return asked_body(analysis.body_text, scope.places) or None
        for county in scope.counties:
            # "海淀区的单位…交给谁": 朝阳区's letter names its own district's body, not the asker's.
            others = frozenset().union(*(county_bodies(c.unit.text) for c in giving))
            if others and county not in others:
                return county
        programme = context.programme(group.programme)
        # The issuer speaks for its place too: 淄博市质量协会 forwards 山东's notice ("我市推荐名额").
        own = " ".join([*programme.places, programme.issuer or ""]) if programme else ""
        for place in scope.places:
            named = any(place in f"{c.chunk.title}{c.chunk.section}{c.chunk.text}" for c in group.chosen)
            if place not in own and not named:
                return place
        return None

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
        ranking = params.ranking
        weights = {**key_weights, **soft_weights}
        total = sum(weights.values())
        key_total = sum(key_weights.values())
        wants_list = AnswerKind.LIST in analysis.kinds
        deadline_terms = set(self.cues.deadline_terms)
        about_forms = any(term.endswith("表") or "填" in term for term in analysis.key_terms)
        figures = question_figures(analysis.text)
        phrases = _phrases(analysis.key_terms, analysis.text)
        levels = asked_levels(analysis.body_text)  # "交到市质协": the city's body, not the province's
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
            rank_score = ranking.rank_score(rank)
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
                phrase_share = sum(p in unit.text for p in phrases) / len(phrases) if phrases else 0.0
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
                    section_cover=in_section,
                    phrase_share=phrase_share,
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
                score = (
                    ranking.coverage * coverage
                    + ranking.own_coverage * own_cov
                    + ranking.shape * shape
                    + ranking.rank * rank_score
                    + ranking.section * in_section
                )
                if analysis.deadline and deadline_ok:
                    score += ranking.deadline
                if any(place in unit.text or place in surroundings for place in places):
                    score += params.place_bonus
                forwarded = hit.chunk.programme in forwarding
                score += params.voice_bonus * _voice_fit(section, forwarded)
                if levels:
                    # A contact line names its body on the line above ("湖南省质量协会用户工作部").
                    spoken = spoken_levels(unit.text, _heads_of_contact(hit.chunk.text, unit.start))
                    score += params.body_bonus * body_fit(levels, spoken)
                # "由…组织实施" answers "谁来组织实施" better than a sentence with 组织 and 实施 apart.
                score += params.phrase_bonus * phrase_share
                if figures:
                    candidate.band = _band_fit(figures, unit.text)
                    score += candidate.band
                if unit.kind == "block" and not analysis.typed_kinds:
                    # a whole list answers "哪些"; "材料交几份" asks for a figure, not the list
                    score += ranking.whole_list
                if unit.kind == "block" and key_total:
                    # "要交哪些材料": the list headed "五、申报材料", not the steps that mention 申报材料.
                    opening = hit.chunk.text[unit.start : unit.end].split("\n", 1)[0].strip()
                    if _is_heading(opening):
                        named = sum(w * self._term_coverage(t, opening) for t, w in key_weights.items())
                        score += ranking.list_heading * named / key_total
                if unit.text.endswith(("：", ":")):
                    score -= ranking.announces
                elif wants_list and unit.kind != "block" and _BACK_REFERENCE.match(unit.text):
                    # "以上材料用A4纸打印": it points back at the list asked for, it is not the list.
                    score -= ranking.announces
                elif _is_heading(unit.text) and (shape < 1.0 or not analysis.typed_kinds):
                    # It names a topic, the answer is below it (unless it holds it: "简介（1000字）").
                    score -= ranking.heading
                if len(unit.text) < 6:
                    score -= ranking.too_short
                elif len(unit.text) > 300:
                    score -= ranking.too_long
                candidate.score = score
                candidates.append(candidate)
        candidates.sort(key=lambda c: c.score, reverse=True)
        return candidates

    def covers(self, term: str, text: str) -> bool:
        """The text says the term: itself, a synonym, or its words reordered (not a fuzzy match)."""
        return self._term_coverage(term, text) >= self.params.synonym_credit

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

    def verdict(self, group: GroupAnswer, analysis: QuestionAnalysis) -> str | None:
        """可以。/不能。/… when the group's sentences settle a yes/no question (knowledge/_verdict.py)."""
        return yes_no_verdict(
            analysis.text,
            analysis.key_terms,
            [c.unit.text for c in group.chosen],
            self.cues.alternatives,
            analysis.soft_terms,
        )

    def has_answer_shape(self, analysis: QuestionAnalysis, text: str) -> bool:
        """Whether `text` gives what the question asks for (see `_shape_ok`)."""
        return self._shape_ok(analysis, text)

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
        ranking = self.params.ranking
        score = (
            ranking.group_coverage * coverage
            + ranking.group_own_coverage * own_coverage
            + ranking.group_shape * shape_ok
            + ranking.group_rank * ranking.rank_score(best.rank)
        )
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
        if self._names_the_asker(candidate, chosen, weights):
            return True  # (a body's name on its own line reads as a heading: asked first)
        if _is_heading(candidate.unit.text):
            return False
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
        # a line ending in a colon, or a heading ("五、申报流程"): what is asked is below it
        announces = best.unit.text.rstrip().endswith(("：", ":")) or _is_heading(best.unit.text)
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
        total = sum(weights.values())
        if _names_body_above(candidate, best):
            # "湖南省质量协会用户工作部" on the line above "联系人：易国栋 电话：…"
            return any(len(t) > 1 and candidate.own[t] >= 0.8 and best.own.get(t, 0.0) < 0.5 for t in weights)
        if not candidate.unit.text.rstrip().endswith(("。", "；", ";")):
            return False  # a whole sentence, not a form's labels ("推进机构： 填表日期 年月日")
        section, parent = best.chunk.section, candidate.chunk.section
        if section == parent or not section.startswith(parent + " › "):
            return False
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
        threshold = self.decision.answer_threshold
        # A place or year the corpus lacks must be named where the answer is: that is the scope.
        passing = [g for g in groups if g.probability >= threshold and g.mentions_ok]
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

    def compose(
        self,
        question: str,
        groups: list[GroupAnswer],
        scope: Scope,
        analysis: QuestionAnalysis,
        context: AnswerContext,
    ) -> Answer:
        """The cited answer that shows `groups`' sentences, each programme's labelled."""
        labelled = scope.how != "requested" or len(groups) > 1
        lines = []
        citations: list[Citation] = []
        for programmes, group in _merge_identical(groups):
            body = "".join(shown_text(c) for c in _reading_order(group.chosen))
            note = _deadline_note(group, analysis, context)
            label = "、".join(context.label(p) for p in programmes)
            lines.append(f"【{label}】{body}{note}" if labelled else f"{body}{note}")
            citations.extend(_citation(c) for c in _reading_order(group.chosen))
        for group in groups:
            # "材料评审62分 现场90分 满意度85分 能评上吗": the notice's formula, worked out for them.
            totals = (weighted_total(analysis.text, c.unit.text) for c in _reading_order(group.chosen))
            total = next((t for t in totals if t is not None), None)
            if total is not None:
                lines.insert(0, f"按通知的计算方法：{total.worked()}。")
                break
        if YES_NO_FIRST and len(groups) == 1:  # the verdict tells a yes/no question itself ("…五星麽")
            verdict = self.verdict(groups[0], analysis)
            if verdict is not None:
                lines[0] = f"{verdict}{lines[0]}"
        return Answer(
            question=question,
            answer="\n".join(lines),
            answered=True,
            kind="answer",
            confidence=round(min(g.probability for g in groups), 3),
            programme=groups[0].programme if len(groups) == 1 else None,
            citations=citations,
        )


def _names_body_above(candidate: Candidate, best: Candidate) -> bool:
    """`candidate` is the line just above `best` in its passage, and names a body: a short line with
    no sentence punctuation that speaks of an association's level ("湖南省质量协会用户工作部")."""
    same_passage = candidate.chunk.id == best.chunk.id and best.unit.position - candidate.unit.position == 1
    # ...or the last line of the passage before, which the chunker may cut off as its own passage
    previous_passage = (
        candidate.chunk.file == best.chunk.file
        and candidate.chunk.order == best.chunk.order - 1
        and best.unit.position == 0
        and candidate.unit.end >= len(candidate.chunk.text.rstrip())
    )
    if not (same_passage or previous_passage):
        return False
    text = candidate.unit.text.strip()
    return (
        len(text) <= _NAMING_SENTENCE_CHARS
        and not re.search(r"[。；;，,：:]", text)
        and bool(sentence_levels(text))
    )


def _speaks_for(candidate: Candidate, chosen: Sequence[Candidate]) -> frozenset[str]:
    """The levels of body a chosen sentence speaks for: its own, or those of the line above it (in
    its passage, or the chosen body line the passage before ends with)."""
    levels = spoken_levels(candidate.unit.text, _heads_of_contact(candidate.chunk.text, candidate.unit.start))
    if not levels:
        above = [c for c in chosen if c is not candidate and _names_body_above(c, candidate)]
        levels = frozenset().union(*(sentence_levels(c.unit.text) for c in above))
    return levels


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
