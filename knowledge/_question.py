"""What a question asks for (a date, a number, a name, a list, yes or no, how) and its key terms.

Cue words, evidence patterns, stopwords, synonyms and typo groups live in
``data/question_cues.yaml``; this module only applies them. Key terms are the question's content
words once question words, politeness and the programme it names (place, year, award) are removed:
they are what a sentence of a notice must cover to answer it.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge._awards import GENERIC_AWARD_PATTERN as AWARD_NAMES
from knowledge._bodies import asked_levels
from knowledge._expansion import sound_alike  # one pinyin table per process, shared with expansion
from knowledge._normalize import mainland_word
from knowledge._tokenize import (
    DEFAULT_JIEBA_CACHE_DIR,
    SearchLexicon,
    dictionary_verbs,
    new_segmenter,
    tagged_dictionary_words,
)

if TYPE_CHECKING:
    import jieba

CUES_PATH = Path(__file__).parent / "data" / "question_cues.yaml"
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
_MIN_VARIANT_LENGTH = 3  # shorter absent terms are too easy to "correct" into something unrelated
# Directional and resultative complements: 发给, 交到, 寄过去, 填好, 拿满.
_COMPLEMENTS = frozenset("给到过完好上下去来出成掉住起满")
# "除了常规材料(以外)，还要…": the part set aside, up to the clause that asks about the rest.
_SET_ASIDE = re.compile(r"除了?(.{1,12}?)(?:以外|之外|外)?[，,]?(?=还|另|也要|也需)")
_COMMON_WORD_RARITY = 11.0  # see TermSegmenter.rarity: below it a word is everyday Chinese
_MAX_PIECE = 6  # longest word tried when re-cutting a question
_NUMBER_WITH_UNIT = re.compile(r"\d+(?:\.\d+)?[%个分字年月日号人名份项元万倍]?")
# The applicant's own figures ("75分", "两年", "300人"): the notice gives a threshold or a band, not
# the applicant's number, so a figure helps rank but is never required.
_FIGURE = re.compile(
    r"^(?:第?[\d.]+|[第前近]?[一二两三四五六七八九十百千万半几多]+)"
    r"(?:[%个分字年月日号人名份项元万倍次家页岁天周篇条类种级星位格张栏行段遍回本]|个月|分钟|小时)?$"
)
_GRADE = re.compile(r"[一二三四五1-5]星级?")
# A clause that asks: "…要盖章不", "…能报吗", or a question word ("还有一票否决是啥情况"). General Chinese.
ASKING = re.compile(r"[吗呢么不]$|啥|什么|怎么|咋|哪|几|多少|是否|有没有|能不能|要不要|可不可以")
_FIGURE_UNIT_CHARS = "%个分字年月日号人名份项元万倍次家页岁天周篇条类种级星位格张栏行段遍回本"


def _figure_units_rejoined(tokens: list[str], corpus: DocumentFrequency | None) -> list[str]:
    """A figure's unit given back to it: "21年评上过" is 21/年/评/上/过 to jieba, whose lone 年 and
    评 would then be rejoined into a word 年评; a reader sees 21年/评/上过. Likewise a unit jieba glued
    to the next word, unless that word is one the notices use (年度 of "21年度" stays). General
    Chinese, about no corpus."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (
            token.isdigit()
            and len(following) == 1
            and following in _FIGURE_UNIT_CHARS
            and following != "号"  # "682号文" is a document number: 号文 is the word
        ):
            out.append(token + following)
            i += 2
            continue
        if (
            token.isdigit()
            and len(following) >= 2
            and following[0] in _FIGURE_UNIT_CHARS
            and not following.isascii()
            and (corpus is None or corpus.df(following) == 0)
        ):
            out.extend([token + following[0], following[1:]])
            i += 2
            continue
        out.append(token)
        i += 1
    return out


# jieba's tags for words that carry no topic of their own: pronouns, adverbs, conjunctions,
# prepositions, particles, interjections, localisers, numerals, measure words, times, adjectives.
_FUNCTION_TAGS = frozenset(
    {"r", "d", "c", "p", "u", "y", "e", "o", "f", "m", "q", "t", "z", "a", "ad", "b", "mq", "tg", "rz"}
)


class AnswerKind(StrEnum):
    DATE = "date"
    NUMBER = "number"
    ENTITY = "entity"  # a person, an organisation, a place to go, a contact
    LIST = "list"
    YES_NO = "yes_no"
    HOW = "how"  # a format, a procedure, a requirement


# Kinds whose answer has a recognisable shape; the others are checked by term coverage alone.
TYPED_KINDS = frozenset({AnswerKind.DATE, AnswerKind.NUMBER, AnswerKind.ENTITY})


def _compile_all(patterns: Iterable[str], flags: int = 0) -> list[re.Pattern[str]]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, flags))
        except re.error as error:
            raise ValueError(f"正则表达式有误：{pattern!r}（{error}）") from error
    return compiled


class CuePatterns(BaseModel):
    """When a question asks for something (`cues`), and when a sentence gives it (`evidence`)."""

    model_config = ConfigDict(extra="forbid")

    cues: list[str]
    evidence: list[str] = Field(default_factory=list)
    # The question's word for it (地址, 总分) names only the form of the answer: a sentence giving
    # the evidence covers it. Not so for 名额 or 有效期, which say what the answer is about.
    evidence_covers_cue_words: bool = False
    # Words that find the passages giving it, added to the search: a notice's 落款 is a section of
    # that name, whose text is only the signers and a date.
    search_words: list[str] = Field(default_factory=list)

    @field_validator("cues", "evidence")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        _compile_all(patterns)
        return patterns

    @cached_property
    def cue_patterns(self) -> list[re.Pattern[str]]:
        return _compile_all(self.cues)

    @cached_property
    def evidence_patterns(self) -> list[re.Pattern[str]]:
        return _compile_all(self.evidence)

    def asked(self, question: str) -> bool:
        return any(p.search(question) for p in self.cue_patterns)

    def given(self, sentence: str) -> bool:
        return any(p.search(sentence) for p in self.evidence_patterns)


class QuestionCues(BaseModel):
    """The contents of ``data/question_cues.yaml``."""

    model_config = ConfigDict(extra="forbid")

    kinds: dict[AnswerKind, CuePatterns]
    units: dict[str, CuePatterns]
    time_evidence: list[str]
    deadline_cues: list[str]
    deadline_evidence: list[str]
    deadline_terms: list[str]
    meaning_cues: list[str] = Field(default_factory=list)
    applying_cues: list[str] = Field(default_factory=list)
    comparison_cues: list[str] = Field(default_factory=list)
    question_phrases: list[str]
    stopwords: list[str]
    soft_words: list[str] = Field(default_factory=list)
    synonyms: list[list[str]]
    confusables: list[list[str]]
    injection_patterns: list[str]
    english_words: dict[str, str] = Field(default_factory=dict)

    @field_validator("kinds")
    @classmethod
    def _every_kind_has_cues(cls, kinds: dict[AnswerKind, CuePatterns]) -> dict[AnswerKind, CuePatterns]:
        missing = set(AnswerKind) - set(kinds)
        if missing:
            raise ValueError(f"缺少以下回答类型的提示词：{sorted(missing)}")
        return kinds

    @field_validator(
        "time_evidence",
        "deadline_cues",
        "deadline_evidence",
        "meaning_cues",
        "applying_cues",
        "comparison_cues",
        "injection_patterns",
    )
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        _compile_all(patterns)
        return patterns

    @field_validator("synonyms", "confusables")
    @classmethod
    def _groups_have_two_members(cls, groups: list[list[str]]) -> list[list[str]]:
        for group in groups:
            if len(set(group)) < 2:
                raise ValueError(f"同义词/易混字组至少要有两个不同的成员：{group}")
        return groups

    @classmethod
    def load(cls, path: Path = CUES_PATH) -> QuestionCues:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))

    @cached_property
    def _english_pattern(self) -> re.Pattern[str] | None:
        if not self.english_words:
            return None
        words = sorted(self.english_words, key=len, reverse=True)
        return re.compile(
            r"(?<![A-Za-z])(" + "|".join(map(re.escape, words)) + r")(?![A-Za-z])", re.IGNORECASE
        )

    def gloss_english(self, question: str) -> str:
        """English words of a Chinese question as the Chinese the notices use ("deadline" -> 截止日期)."""
        pattern = self._english_pattern
        if pattern is None:
            return question
        return pattern.sub(lambda m: self.english_words[m.group(1).lower()], question)

    @cached_property
    def phrase_pattern(self) -> re.Pattern[str]:
        phrases = sorted(set(self.question_phrases), key=len, reverse=True)
        return re.compile("|".join(map(re.escape, phrases)))

    @cached_property
    def stopword_set(self) -> frozenset[str]:
        return frozenset(self.stopwords)

    @cached_property
    def soft_word_set(self) -> frozenset[str]:
        return frozenset(self.soft_words)

    @cached_property
    def synonyms_of(self) -> dict[str, tuple[str, ...]]:
        """Each word -> the other words that cover it (union over the groups it belongs to)."""
        table: dict[str, list[str]] = {}
        for group in self.synonyms:
            for word in group:
                others = table.setdefault(word, [])
                others.extend(w for w in group if w != word and w not in others)
        return {word: tuple(others) for word, others in table.items()}

    def alternatives(self, term: str) -> tuple[str, ...]:
        """What covers a term besides itself: its synonyms, and the term with a synonym inside it
        swapped (截止日期 -> 截止时间)."""
        cache: dict[str, tuple[str, ...]] = self.__dict__.setdefault("_alternatives_cache", {})
        found = cache.get(term)
        if found is None:
            synonyms = self.synonyms_of
            variants = list(synonyms.get(term, ()))
            for word, others in synonyms.items():
                if len(word) >= 2 and word != term and word in term:
                    variants.extend(term.replace(word, other) for other in others if len(other) >= 2)
            found = tuple(dict.fromkeys(variants))
            cache[term] = found
        return found

    @cached_property
    def confusable_chars(self) -> dict[str, tuple[str, ...]]:
        table: dict[str, list[str]] = {}
        for group in self.confusables:
            for char in group:
                table.setdefault(char, []).extend(c for c in group if c != char)
        return {char: tuple(others) for char, others in table.items()}

    @cached_property
    def time_evidence_patterns(self) -> list[re.Pattern[str]]:
        return _compile_all(self.time_evidence)

    @cached_property
    def applying_cue_patterns(self) -> list[re.Pattern[str]]:
        return _compile_all(self.applying_cues)

    def asks_about_applying(self, question: str) -> bool:
        return any(p.search(question) for p in self.applying_cue_patterns)

    @cached_property
    def comparison_cue_patterns(self) -> list[re.Pattern[str]]:
        return _compile_all(self.comparison_cues)

    def asks_to_compare(self, question: str) -> bool:
        return any(p.search(question) for p in self.comparison_cue_patterns)

    @cached_property
    def meaning_cue_patterns(self) -> list[re.Pattern[str]]:
        return _compile_all(self.meaning_cues)

    @cached_property
    def deadline_cue_patterns(self) -> list[re.Pattern[str]]:
        return _compile_all(self.deadline_cues)

    @cached_property
    def deadline_evidence_patterns(self) -> list[re.Pattern[str]]:
        return _compile_all(self.deadline_evidence)

    @cached_property
    def injection_pattern_list(self) -> list[re.Pattern[str]]:
        return _compile_all(self.injection_patterns, re.IGNORECASE)


@lru_cache(maxsize=1)
def default_cues() -> QuestionCues:
    return QuestionCues.load()


_function_words: frozenset[str] | None = None
_function_words_lock = threading.Lock()


def dictionary_function_words(*, cache_dir: Path | None = None) -> frozenset[str]:
    """The words jieba's dictionary tags as pronouns, adverbs, adjectives, numerals, times...
    (这边, 另外, 清楚, 一步, 过去; not 奖金, 税收), once per process, cached beside jieba's cache."""
    global _function_words
    with _function_words_lock:
        if _function_words is None:
            _function_words = _load_function_words(cache_dir or DEFAULT_JIEBA_CACHE_DIR)
        return _function_words


def _load_function_words(directory: Path) -> frozenset[str]:
    tags = "-".join(sorted(_FUNCTION_TAGS))  # a changed tag set never reads a stale list
    cache_name = f"function-words-{hashlib.sha1(tags.encode()).hexdigest()[:8]}"
    return tagged_dictionary_words(cache_name, _FUNCTION_TAGS.__contains__, directory)


class DocumentFrequency(Protocol):
    """How many passages of the corpus contain a string (the corpus statistics of _extractive)."""

    def df(self, term: str) -> int: ...

    def one_off_variants(self, term: str) -> dict[str, int]: ...

    def matches(self, pattern: str) -> dict[str, int]: ...


class QuestionAnalysis(BaseModel):
    text: str
    kinds: list[AnswerKind]
    units: list[str] = Field(default_factory=list)  # names from cues.units: "words", "font_size"...
    deadline: bool = False
    meaning: bool = False  # "首问负责制是啥意思": what a named practice or term means
    vague: bool = False  # nothing but words that carry no topic (一般, 发, 多少): asks about nothing
    key_terms: list[str] = Field(default_factory=list)
    # Award names the question uses (服务之星): they help find the passage, but a sentence need not
    # repeat them to answer.
    soft_terms: list[str] = Field(default_factory=list)
    injection: bool = False
    # A part of a longer question is read with the whole ("北京市质协的联系人是谁 邮箱发一下": the
    # e-mail asked for is that body's too).
    whole_text: str = ""

    @property
    def body_text(self) -> str:
        """Where the body asked about is named: the part, else the whole question."""
        return self.text if asked_levels(self.text) or not self.whole_text else self.whole_text

    @property
    def typed_kinds(self) -> list[AnswerKind]:
        return [kind for kind in self.kinds if kind in TYPED_KINDS]


class TermSegmenter:
    """jieba (precise mode, no HMM guesses) with the cue file's words kept whole.

    Its own jieba instance, so adding words here never changes how the lexical index tokenises;
    it starts from the process's one copy of jieba's dictionary (`knowledge._tokenize`), so a
    cold process loads the dictionary once for both.
    """

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._extra_words = tuple(extra_words)
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def cut(self, text: str) -> list[str]:
        return self._segmenter().lcut(text, HMM=False)

    def cut_for_search(self, text: str) -> list[str]:
        return self._segmenter().lcut_for_search(text, HMM=False)

    def is_word(self, text: str) -> bool:
        """In the segmenter's dictionary (jieba's words plus the added ones)."""
        return bool(self._segmenter().FREQ.get(text))

    def is_verb(self, word: str) -> bool:
        """Tagged as a verb in jieba's dictionary (交给, 达到, 包含; not 税收, 奖金)."""
        return word in dictionary_verbs()

    def rarity(self, word: str) -> float:
        """How rare a word is in general Chinese (jieba's corpus): log(total / frequency).

        交给 or 达到 (about 8-10) are everyday words, 税收 or 发票 (11-12) name a topic, and a word
        jieba never saw (年费, 注册资本) is rarer still."""
        segmenter = self._segmenter()
        return math.log(segmenter.total / (segmenter.FREQ.get(word, 0) + 1))

    def _segmenter(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    # Questions are cut as typed, not lower-cased: A4 and PPT stay words.
                    self._jieba = new_segmenter(self._extra_words, lowercase=False)
        return self._jieba


@lru_cache(maxsize=1)
def default_segmenter() -> TermSegmenter:
    """Keeps whole the synonym words and the search lexicon's domain words (申报表, 事迹材料...)."""
    cues = default_cues()
    words = {w for group in cues.synonyms for w in group if len(w) > 1}
    words.update(w for w in SearchLexicon.load().user_words if len(w) > 1)
    return TermSegmenter(sorted(words))


def _roles(terms: Sequence[str], topicless: set[str]) -> tuple[list[str], list[str]]:
    """Required and soft terms (see `QuestionAnalyser.split_roles`), given the terms carrying no topic."""
    required = [term for term in terms if term not in topicless]
    soft = [term for term in terms if term in topicless]
    if not required:
        required = [t for t in soft if not _FIGURE.fullmatch(t)]
        soft = [t for t in soft if t not in required]
    return required, soft


class QuestionAnalyser:
    """Reads questions with one cue file and one segmenter (both loaded once)."""

    # General rarity (TermSegmenter.rarity) below which a verb the notices never use is everyday
    # phrasing (交给, 讲究, 发给), not a topic (代写, 抵扣).
    everyday_rarity = 10.5

    def __init__(self, cues: QuestionCues | None = None, segmenter: TermSegmenter | None = None) -> None:
        self.cues = cues or default_cues()
        self.segmenter = segmenter or default_segmenter()

    def analyse(
        self,
        question: str,
        *,
        drop_spans: Sequence[tuple[int, int]] = (),
        corpus: DocumentFrequency | None = None,
        extra_terms: Sequence[str] = (),
    ) -> QuestionAnalysis:
        """`question` is normalised; `drop_spans` are the places and years the scope resolver read;
        `extra_terms` go first among the key terms (the places and years the corpus does not cover)."""
        cues = self.cues
        kinds = [kind for kind, patterns in cues.kinds.items() if patterns.asked(question)]
        units = [name for name, patterns in cues.units.items() if patterns.asked(question)]
        if units and AnswerKind.NUMBER not in kinds:
            kinds.append(AnswerKind.NUMBER)
        terms = self.key_terms(question, drop_spans=drop_spans, corpus=corpus)
        topicless = {term for term in terms if self._is_soft(term, corpus)}
        required, soft = _roles(terms, topicless)
        vague = bool(terms) and len(topicless) == len(set(terms))
        # "除了常规材料还要交啥": what the applicant sets aside is not what the answer must say.
        excluded = "".join(m.group(1) for m in _SET_ASIDE.finditer(question))
        if excluded and any(t not in excluded for t in required):
            soft += [t for t in required if t in excluded]
            required = [t for t in required if t not in excluded]
        awards = [_award_word(m) for m in AWARD_NAMES.finditer(question)]
        return QuestionAnalysis(
            text=question,
            kinds=kinds,
            units=units,
            deadline=any(p.search(question) for p in cues.deadline_cue_patterns),
            meaning=any(p.search(question) for p in cues.meaning_cue_patterns),
            vague=vague,
            key_terms=list(dict.fromkeys([*extra_terms, *required])),
            soft_terms=[t for t in dict.fromkeys([*awards, *soft]) if t not in extra_terms],
            injection=any(p.search(question) for p in cues.injection_pattern_list),
        )

    def split_roles(
        self, terms: Sequence[str], corpus: DocumentFrequency | None = None
    ) -> tuple[list[str], list[str]]:
        """The terms an answering sentence must cover, and the ones that only help find it.

        Colloquial questions are full of words that carry no topic: the applicant's own figures
        (75分, 两年, 300人), pronouns and adverbs (这边, 另外, 具体), adjectives (清楚, 合适) and
        everyday verbs the notices never use (花, 讲究). Missing them says nothing about whether the
        notices answer; a missing noun (奖金, 税收, 密码) does. With nothing but such words, they
        are all required (better a refusal than an answer to nothing)."""
        return _roles(terms, {term for term in terms if self._is_soft(term, corpus)})

    def _is_soft(self, term: str, corpus: DocumentFrequency | None) -> bool:
        if (_FIGURE.fullmatch(term) and not _GRADE.fullmatch(term)) or term in self.cues.soft_word_set:
            return True  # the applicant's figure (75分, 两年), but a grade (五星) is what is asked about
        if term in dictionary_function_words():
            return True
        if len(term) == 1 and self.segmenter.is_verb(term):
            return True  # 打, 评, 写, 拿: how the applicant phrases it, not what about
        if (
            corpus is None
            or corpus.df(term) > 0
            or any(corpus.df(other) > 0 for other in self.cues.synonyms_of.get(term, ()))
        ):
            return False
        segmenter = self.segmenter
        if term.isascii() and term.isalpha():
            return True  # an English word of a Chinese question the notices never use: a gloss or filler
        if len(term) == 2 and term[0] == "不":
            return True  # 不太, 不算: how sure the applicant is, not what about
        if len(term) == 2 and term[1] in _COMPLEMENTS and segmenter.is_verb(term[0]):
            return True  # a verb and where it goes (发给, 寄到, 填好): phrasing, not a topic
        return segmenter.is_verb(term) and segmenter.rarity(term) < self.everyday_rarity

    def key_terms(
        self,
        question: str,
        *,
        drop_spans: Sequence[tuple[int, int]] = (),
        corpus: DocumentFrequency | None = None,
    ) -> list[str]:
        chars = list(question)
        for start, end in drop_spans:
            chars[start:end] = ["|"] * (end - start)
        text = "".join(chars)
        text = AWARD_NAMES.sub("|", text)
        text = self.cues.phrase_pattern.sub("|", text)
        text = _PUNCTUATION.sub("|", text)
        terms: list[str] = []
        for segment in filter(None, text.split("|")):
            for term in self._segment_terms(segment, corpus):
                fixed = self._correct(term, corpus)
                for piece in fixed:
                    if piece not in terms:
                        terms.append(piece)
        return terms

    def _corpus_segmentation(self, tokens: list[str], corpus: DocumentFrequency | None) -> list[str]:
        """jieba's cut, re-cut where it made a word the notices never use out of two of theirs.

        jieba reads "以上学历" as 以/上学/历 and "85分得" as 85/分得; "上学" and "分得" would then
        weigh most, as if the question were about them. Such a word is re-cut together with its
        neighbours when every one of its characters then falls into a word the notices use (以上,
        学历, 85分) or is a function word; a word of the question's own (税收, 限制) stays."""
        if corpus is None:
            return tokens
        out = list(tokens)
        i = 0
        while i < len(out):
            token = out[i]
            recut = token not in self.cues.synonyms_of  # a word of the synonym list is meant whole
            if recut and len(token) >= 2 and not token.isascii() and corpus.df(token) == 0:
                low, high = max(0, i - 1), min(len(out), i + 2)
                start = sum(len(t) for t in out[low:i])
                split = self._split_into_corpus_words(
                    "".join(out[low:high]), start, start + len(token), corpus
                )
                if split is not None:
                    out[low:high] = split
                    i = low + len(split)
                    continue
            i += 1
        return out

    def _split_into_corpus_words(
        self, window: str, start: int, end: int, corpus: DocumentFrequency
    ) -> list[str] | None:
        """The cut of `window` with the longest words the notices use, in which no character of
        window[start:end] is left alone unless it is a function word; None when there is none."""
        stop = self.cues.stopword_set
        n = len(window)
        best: list[tuple[int, list[str]] | None] = [(0, [])] + [None] * n
        for stop_at in range(1, n + 1):
            for begin in range(max(0, stop_at - _MAX_PIECE), stop_at):
                previous = best[begin]
                if previous is None:
                    continue
                piece = window[begin:stop_at]
                if len(piece) == 1:
                    # a function word, or a verb standing alone (额外/交: "extra to hand in")
                    if start <= begin < end and piece not in stop and not self.segmenter.is_verb(piece):
                        continue
                    score = 1
                elif self._used_word(piece, corpus):
                    score = len(piece) ** 2
                elif piece in dictionary_function_words() and self.segmenter.is_word(piece):
                    score = len(piece)  # 额外, 另外: a word of the question's phrasing
                else:
                    continue
                current = best[stop_at]
                if current is None or previous[0] + score > current[0]:
                    best[stop_at] = (previous[0] + score, [*previous[1], piece])
        found = best[n]
        if found is None:
            return None
        # The word is re-cut only into words, never into characters alone (转让 stays 转让).
        offset, covered = 0, False
        for piece in found[1]:
            covered = covered or (len(piece) > 1 and offset < end and start < offset + len(piece))
            offset += len(piece)
        return found[1] if covered else None

    def _used_word(self, piece: str, corpus: DocumentFrequency) -> bool:
        """A word (or a number with its unit, 85分) that the notices use."""
        is_word = self.segmenter.is_word(piece) or _NUMBER_WITH_UNIT.fullmatch(piece) is not None
        return is_word and corpus.df(piece) > 0

    def _repair_split_typos(self, tokens: list[str], corpus: DocumentFrequency | None) -> list[str]:
        """A typo splits a word: 有效其 -> 有效/其. Two neighbours that, with one character swapped
        for a confusable one, form a word the notices use are joined back (有效期)."""
        if corpus is None:
            return tokens
        repaired: list[str] = []
        i = 0
        while i < len(tokens):
            if i + 1 < len(tokens) and (len(tokens[i]) == 1 or len(tokens[i + 1]) == 1):
                fixed = self._confusable_word(tokens[i] + tokens[i + 1], corpus)
                if fixed:
                    repaired.append(fixed)
                    i += 2
                    continue
            repaired.append(tokens[i])
            i += 1
        return repaired

    def _confusable_word(self, joined: str, corpus: DocumentFrequency) -> str | None:
        if corpus.df(joined) > 0 or not all("\u4e00" <= ch <= "\u9fff" for ch in joined):
            return None
        for position, char in enumerate(joined):
            for other in self.cues.confusable_chars.get(char, ()):
                variant = joined[:position] + other + joined[position + 1 :]
                if self.segmenter.is_word(variant) and corpus.df(variant) > 0:
                    return variant
        return None

    def _repair_sound_alike_chars(self, tokens: list[str], corpus: DocumentFrequency | None) -> list[str]:
        """A lone character typed for a sound-alike one inside a phrase: "几年平一次" (评). When the
        notices never write the character before what follows it (平一次) but do write a sound-alike
        one there, alone or starting a word (评一次, 评审一次), the question meant that word."""
        if corpus is None:
            return tokens
        repaired = list(tokens)
        for i, token in enumerate(tokens[:-1]):
            following = tokens[i + 1]
            if (
                len(token) != 1
                or not "\u4e00" <= token <= "\u9fff"
                or token in self.cues.stopword_set
                or self._is_soft(token, corpus)
                or not following.strip()
                or following in self.cues.stopword_set  # 的, 吗: too common to place a word
                or corpus.df(token + following) > 0
            ):
                continue
            fixed = self._sound_alike_before(token, following, corpus)
            if fixed:
                repaired[i] = fixed
        return repaired

    def _sound_alike_before(self, char: str, following: str, corpus: DocumentFrequency) -> str | None:
        found: dict[str, int] = {}
        pattern = "([\u4e00-\u9fff])([\u4e00-\u9fff]?)" + re.escape(following)
        for text, count in corpus.matches(pattern).items():
            other, word = text[0], text[: len(text) - len(following)]
            if other == char or not sound_alike(char, other):
                continue
            # The word the notices use (评审 of 评审一次), else the character itself (评 of 评一次).
            meant = word if len(word) == 2 and self.segmenter.is_word(word) else other
            found[meant] = found.get(meant, 0) + count
        return max(found, key=lambda w: (found[w], len(w))) if found else None

    def _homophone(self, term: str, corpus: DocumentFrequency) -> str | None:
        """A word the notices use that sounds like `term` and differs from it in one character:
        what a phone keyboard's pinyin input typed by mistake (视屏 -> 视频, 数剧 -> 数据, 明额 -> 名额)."""
        if not (2 <= len(term) <= 4) or not all("\u4e00" <= ch <= "\u9fff" for ch in term):
            return None
        if term in dictionary_function_words() or self.segmenter.rarity(term) < _COMMON_WORD_RARITY:
            return None  # a common word typed as meant (经理 is not 经历, 有人 not 游人)
        found: list[tuple[int, str]] = []
        for variant, count in corpus.one_off_variants(term).items():
            differing = _differing_char(term, variant)
            if differing is None or not sound_alike(*differing):
                continue
            if len(term) == 2 and not self.segmenter.is_word(variant):
                continue  # two characters are a word only if the dictionary says so
            found.append((count, variant))
        return max(found)[1] if found else None

    def _segment_terms(self, segment: str, corpus: DocumentFrequency | None = None) -> list[str]:
        """Content words of a segment; runs of single characters jieba left unjoined are rejoined
        (驼/中/王 -> 驼中王) unless a run is made of function words."""
        stop = self.cues.stopword_set
        terms: list[str] = []
        run: list[str] = []

        def flush() -> None:
            if run:
                joined = "".join(run)
                if joined not in stop:
                    terms.append(joined)
                run.clear()

        tokens = _figure_units_rejoined(self.segmenter.cut(segment), corpus)
        tokens = self._corpus_segmentation(tokens, corpus)
        tokens = self._repair_split_typos(tokens, corpus)
        for token in self._repair_sound_alike_chars(tokens, corpus):
            token = token.strip()
            if not token:
                continue
            if len(token) == 1 and token not in stop and not token.isascii():
                run.append(token)
                continue
            flush()
            if token not in stop and any(ch.isalnum() for ch in token):
                terms.append(token)
        flush()
        return terms

    def _correct(self, term: str, corpus: DocumentFrequency | None) -> list[str]:
        """A term the corpus never uses: a typo of one it does use, or (for a rejoined run of single
        characters) its characters one by one. Terms the corpus uses are kept as they are."""
        if corpus is None or corpus.df(term) > 0 or term.isascii():
            return [term]
        regional = mainland_word(term)
        if regional != term and corpus.df(regional) > 0:
            return [regional]  # 檔案 (a computer file) -> 文件
        if any(corpus.df(other) > 0 for other in self.cues.synonyms_of.get(term, ())):
            return [term]  # the notices say it in other words
        for position, char in enumerate(term):
            for other in self.cues.confusable_chars.get(char, ()):
                variant = term[:position] + other + term[position + 1 :]
                if corpus.df(variant) > 0:
                    return [variant]
        homophone = self._homophone(term, corpus)
        if homophone:
            return [homophone]
        stop = self.cues.stopword_set
        words = self.segmenter.cut(term)
        if len(words) == len(term) and len(term) > 2:
            # Single characters jieba left unjoined (交/年/费): the pairs the notices use, if any;
            # none at all means the question is about something the notices never mention.
            pairs = [term[i : i + 2] for i in range(len(term) - 1)]
            known = [p for p in pairs if corpus.df(p) > 0 and p not in stop]
            return known or [term]
        if len(term) >= _MIN_VARIANT_LENGTH:
            # A compound the notices never use ("文件大小", "注册资本"): its parts, so that the
            # parts they do use are matched and the parts they never use still count.
            words = [w for w in self.segmenter.cut_for_search(term) if w != term and len(w) > 1]
            parts = [w for w in words if w not in stop]
            # Only when its words say all of it: 保证金 is not 保证 (视频文件 is 视频 and a filler).
            whole = all(any(ch in w for w in words) for ch in term)
            if whole and any(corpus.df(w) > 0 for w in parts):
                return _without_overlapping_unused(term, parts, corpus)
        return [term]


def _without_overlapping_unused(term: str, parts: list[str], corpus: DocumentFrequency) -> list[str]:
    """Search-mode parts overlap ("分数线" -> 分数, 数线): a part the notices never use that shares
    characters with one they do is another cut of the same word, not a word the notices lack."""

    def span(word: str) -> range:
        start = term.find(word)
        return range(start, start + len(word))

    used = [span(w) for w in parts if corpus.df(w) > 0]
    return [w for w in parts if corpus.df(w) > 0 or not any(set(span(w)) & set(u) for u in used)]


def _differing_char(a: str, b: str) -> tuple[str, str] | None:
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return pairs[0] if len(pairs) == 1 else None


def _award_word(match: re.Match[str]) -> str:
    return match.group(2) or match.group(4) or match.group(0)


@lru_cache(maxsize=1)
def default_analyser() -> QuestionAnalyser:
    return QuestionAnalyser()


def analyse_question(
    question: str,
    *,
    drop_spans: Sequence[tuple[int, int]] = (),
    corpus: DocumentFrequency | None = None,
    extra_terms: Sequence[str] = (),
) -> QuestionAnalysis:
    """Module-level shortcut with the packaged cue file."""
    return default_analyser().analyse(question, drop_spans=drop_spans, corpus=corpus, extra_terms=extra_terms)
