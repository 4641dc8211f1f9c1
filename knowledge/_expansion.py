"""Query-side expansion for the lexical channel: the question's terms, weighted, plus the corpus
wordings an applicant did not type.

Applicants ask the way they talk, notices are written the way offices write. Three repairs, each
weighted below the words typed, so an expansion reorders near-ties and rescues misses but never
outranks what the applicant wrote:

- synonym classes (``data/search_synonyms.yaml``): 最晚 -> 截止, 找谁 -> 联系人, 花钱 -> 收费/免费.
  A class fires when one of its members occurs in the question as a substring (jieba cuts 最晚
  whole in one question and 最 / 晚 in the next); only members the corpus uses are added;
- typo and homophone correction: a character pair of the question that no notice contains, with
  one character swapped for one that sounds alike, becomes the pair the notices do contain
  (视屏 -> 视频, 数剧 -> 数据, 年领 -> 年龄, 明额 -> 名额, 平 -> 评 in 平一次 / 评一次);
- character bigrams of the question count less than its words (`BIGRAM_WEIGHT`), so they add
  a signal where jieba cut the question and the notice differently without doubling every match.

Question terms the corpus never uses (the applicant's own 75分, 300人) simply score nothing.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from knowledge._tokenize import (
    BIGRAM_MARK,
    DEFAULT_JIEBA_CACHE_DIR,
    SearchLexicon,
    _write_atomically,
    han_bigrams,
    is_bigram,
)

SYNONYMS_PATH = Path(__file__).parent / "data" / "search_synonyms.yaml"


class SynonymTable(BaseModel):
    """The classes of ``data/search_synonyms.yaml``: words that mean the same in an applicant's question."""

    model_config = ConfigDict(extra="forbid")

    classes: list[list[str]]

    @field_validator("classes")
    @classmethod
    def _classes_are_sets_of_words(cls, classes: list[list[str]]) -> list[list[str]]:
        for members in classes:
            if len(members) < 2:
                raise ValueError(f"同义词类至少要有两个词：{members}")
            for word in members:
                if not isinstance(word, str) or not word or any(ch.isspace() for ch in word):
                    raise ValueError(f"同义词不能为空，也不能含空白：{word!r}")
        return classes

    @classmethod
    def load(cls, path: Path = SYNONYMS_PATH) -> SynonymTable:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class Vocabulary(Protocol):
    """The terms of the lexical index (`BM25Index` is one)."""

    def has_term(self, term: str) -> bool: ...

    def terms(self) -> Iterable[str]: ...


@dataclass(frozen=True)
class ExpansionWeights:
    """Query weights relative to a typed word (1.0).

    Tuned with benchmarks/eval_set.py on 80 colloquial dev questions (12 with typos), checked on an
    earlier 40-question dev set, the 16 public questions and 120 more with must-contain answers.
    Fused hit@1 / hit@5 went from 0.73 / 0.93 to 0.79 / 0.99 on the 80 and from 0.88 / 0.98 to
    0.93 / 1.00 on the 40; the public set kept hit@1 0.875, its hit@5 rose from 0.94 to 1.00.
    Single characters at 0.7 instead of 1 gave +0.04 hit@1 on the 80 (a place name's characters
    stop outweighing the content word's); synonyms of a typed corpus word above 0.3, or typo repairs
    above 0.7, started pulling right answers from first place.
    """

    bigram: float = 0.5  # a character pair of the question
    char: float = 0.7  # a single character of the question (as a word or inside one)
    synonym: float = 0.3  # a corpus wording of a class whose typed member the corpus uses too
    stand_in: float = 1.0  # a corpus wording of a class whose typed members the corpus never uses
    typo: float = 0.7  # a corpus pair one sound-alike character away from an unknown pair
    vector_min: float = 0.5  # added words at least this heavy are appended to the vector query
    max_repairs: int = 3  # an unknown pair with more sound-alike neighbours is too ambiguous to repair


class QueryExpander:
    """Turns a question's tokens into weighted lexical query terms (see the module docstring)."""

    def __init__(
        self,
        synonyms: SynonymTable | None = None,
        weights: ExpansionWeights | None = None,
        *,
        function_chars: frozenset[str] | None = None,
    ) -> None:
        """`function_chars`: characters never repaired as typos, nor the pairs holding them (的, 要,
        啥: a pair like 要是 or 会咋 is absent from the notices because it is talk, not a typo).
        Default: the one-character stopwords of the search lexicon."""
        table = synonyms if synonyms is not None else default_synonyms()
        if function_chars is None:
            function_chars = frozenset(w for w in SearchLexicon.load().stopwords if len(w) == 1)
        self._function_chars = function_chars
        self.weights = weights if weights is not None else ExpansionWeights()
        self._classes = [tuple(_fold(word) for word in members) for members in table.classes]
        self._lock = threading.Lock()
        self._neighbours: dict[int, _BigramNeighbours] = {}

    def expand(self, text: str, tokens: list[str], vocabulary: Vocabulary) -> dict[str, float]:
        """Weighted terms for BM25: the tokens of `text` (as the index's tokenizer gave them), their
        synonyms and typo repairs."""
        weights: dict[str, float] = {}
        for token, count in Counter(tokens).items():
            if is_bigram(token):
                weights[token] = count * self.weights.bigram
            elif len(token) == 1 and not token.isascii():
                weights[token] = count * self.weights.char
            else:
                weights[token] = float(count)
        folded = _fold(text)
        for term, weight in self._synonym_terms(folded, vocabulary).items():
            if term not in weights:
                weights[term] = weight
        unknown = [token for token in weights if is_bigram(token) and not vocabulary.has_term(token)]
        if unknown:
            for term in self._typo_repairs(unknown, vocabulary):
                weights[term] = max(weights.get(term, 0.0), self.weights.typo)
        return weights

    def vector_text(self, text: str, terms: dict[str, float]) -> str:
        """The question for the vector channel: as typed, then the corpus wordings that stand in
        for words the notices never use (最晚 -> 截止) and the repaired typos (视屏 -> 视频)."""
        folded = _fold(text)
        added = [
            term
            for term, weight in terms.items()
            if weight >= self.weights.vector_min and not is_bigram(term) and term not in folded
        ]
        return " ".join([text, *added]) if added else text

    def _synonym_terms(self, folded: str, vocabulary: Vocabulary) -> dict[str, float]:
        found: dict[str, float] = {}
        for members in self._classes:
            typed = [member for member in members if member in folded]
            if not typed:
                continue
            # The applicant's word is not the notices' (最晚, 找谁, 花钱): its class speaks for it
            # nearly at full weight. When the notices use the typed word too, the class only helps.
            known = any(vocabulary.has_term(member) for member in typed)
            weight = self.weights.synonym if known else self.weights.stand_in
            for member in members:
                if member in typed:
                    continue  # typed already: it keeps its full weight
                if vocabulary.has_term(member):
                    found[member] = max(found.get(member, 0.0), weight)
                    continue
                # A phrase the index has no token for (近三年内): its character pairs stand in.
                for pair in han_bigrams(member):
                    if vocabulary.has_term(pair):
                        found[pair] = max(found.get(pair, 0.0), weight * self.weights.bigram)
        return found

    def _typo_repairs(self, unknown: list[str], vocabulary: Vocabulary) -> set[str]:
        neighbours = self._neighbours_of(vocabulary)
        repairs: set[str] = set()
        for token in unknown:
            first, second = token[len(BIGRAM_MARK)], token[len(BIGRAM_MARK) + 1]
            if first in self._function_chars or second in self._function_chars:
                continue
            candidates = neighbours.one_sound_away(first, second)
            if len(candidates) > self.weights.max_repairs:
                continue
            for pair in candidates:
                repairs.add(BIGRAM_MARK + pair)
                if vocabulary.has_term(pair):
                    repairs.add(pair)  # the repaired pair is a word of the index too (视频, 名额)
        return repairs

    def _neighbours_of(self, vocabulary: Vocabulary) -> _BigramNeighbours:
        key = id(vocabulary)
        with self._lock:
            neighbours = self._neighbours.get(key)
            if neighbours is None or neighbours.vocabulary is not vocabulary:
                self._neighbours = {key: _BigramNeighbours(vocabulary)}  # one generation at a time
                neighbours = self._neighbours[key]
        return neighbours


class _BigramNeighbours:
    """The index's character pairs by first and by second character, for typo repair."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._by_first: dict[str, list[str]] = {}
        self._by_second: dict[str, list[str]] = {}
        for term in vocabulary.terms():
            if is_bigram(term) and len(term) == len(BIGRAM_MARK) + 2:
                pair = term[len(BIGRAM_MARK) :]
                self._by_first.setdefault(pair[0], []).append(pair)
                self._by_second.setdefault(pair[1], []).append(pair)

    def one_sound_away(self, first: str, second: str) -> list[str]:
        """Corpus pairs that keep one character and swap the other for one that sounds alike."""
        found = [pair for pair in self._by_first.get(first, ()) if sound_alike(pair[1], second)]
        found += [pair for pair in self._by_second.get(second, ()) if sound_alike(pair[0], first)]
        return found


def sound_alike(a: str, b: str) -> bool:
    """Two different characters with a reading in common, tones and dialect-blurred sounds ignored."""
    if a == b:
        return False
    table = _pinyin_table()
    return bool(table.get(a, frozenset()) & table.get(b, frozenset()))


_pinyin_lock = threading.Lock()
_pinyin: dict[str, frozenset[str]] | None = None


def _pinyin_table(cache_dir: Path | None = None) -> dict[str, frozenset[str]]:
    """Character -> toneless readings, once per process. Built from pypinyin's character table
    (read directly: importing pypinyin would also load its phrase table), about 0.3 s; cached as
    plain text beside jieba's dictionary cache, which reads back in about 30 ms (the cold `ask`
    process has 3 s in all). Read only when a question has a character pair no notice contains."""
    global _pinyin
    with _pinyin_lock:
        if _pinyin is None:
            _pinyin = _load_pinyin(cache_dir if cache_dir is not None else DEFAULT_JIEBA_CACHE_DIR)
        return _pinyin


def _load_pinyin(directory: Path) -> dict[str, frozenset[str]]:
    from importlib.metadata import version
    from importlib.resources import files

    path = directory / f"pinyin-toneless-v1-{version('pypinyin')}.txt"
    with suppress(OSError, UnicodeDecodeError, ValueError):
        table = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            char, readings = line.split("\t")
            table[char] = frozenset(readings.split(","))
        if table:
            return table
    raw = json.loads((files("pypinyin") / "pinyin_dict.json").read_text(encoding="utf-8"))
    table = {
        chr(int(code)): frozenset(_toneless(reading) for reading in readings.split(","))
        for code, readings in raw.items()
    }
    with suppress(OSError):  # a read-only temporary directory only costs speed
        directory.mkdir(parents=True, exist_ok=True)
        text = "\n".join(f"{char}\t{','.join(sorted(readings))}" for char, readings in table.items())
        _write_atomically(path, text.encode("utf-8"))
    return table


# Sounds that many speakers (and their phone keyboards' fuzzy pinyin) do not tell apart.
_FUZZY_SOUNDS = (
    (re.compile(r"^([zcs])h"), r"\1"),  # zh/z, ch/c, sh/s
    (re.compile(r"^n"), "l"),  # n/l
    (re.compile(r"([aei])ng$"), r"\1n"),  # ang/an, eng/en, ing/in
)


def _toneless(reading: str) -> str:
    plain = "".join(ch for ch in unicodedata.normalize("NFD", reading) if not unicodedata.combining(ch))
    for pattern, replacement in _FUZZY_SOUNDS:
        plain = pattern.sub(replacement, plain)
    return plain


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=1)
def default_synonyms() -> SynonymTable:
    return SynonymTable.load()
