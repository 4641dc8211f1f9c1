"""Which staff-written answer, if any, a question asks for: TF-IDF cosine against every phrasing.

A matcher is a snapshot of the active answers, built once and used until the table changes; the
store rebuilds it when its fingerprint (one aggregate query) differs, so every worker process sees
an answer the moment it is saved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from conversations._analytics._similarity import TfidfEncoder
from knowledge import (
    normalize_text,
    paraphrase_terms,
    rare_words,
    unexplained_classes,
    unexplained_words,
)

# Chosen on the labelled set of tests/conversations/test_curated.py (4 answers, 19 paraphrases with
# traditional characters and typos, 10 near-misses), with the rare-word gate of `_same_question`:
# recall 18/19, one near-miss answered; a second set written afterwards (5 answers, 18 paraphrases,
# 11 near-misses) measured once gave 17/18 and 3/11. 0.35 loses four of those paraphrases and refuses
# no more near-misses; the gate, not a higher threshold, is what keeps same-topic questions apart.
DEFAULT_THRESHOLD = 0.30


@lru_cache(maxsize=20_000)
def _cached_terms(text: str) -> tuple[tuple[str, float], ...]:
    return tuple(paraphrase_terms(text).items())


class _CachedTermsEncoder(TfidfEncoder):
    """Keeps the terms of each text across rebuilds: after a staff edit the matcher refits the IDF
    without tokenising every phrasing again (500 answers: about a second, in the applicant's turn)."""

    def _terms(self, question: str) -> dict[str, float]:
        return dict(_cached_terms(question))


@dataclass(frozen=True)
class MatchTarget:
    """What the matcher needs of one active answer."""

    answer_id: int
    programme: str | None
    texts: tuple[str, ...]  # its question and phrasings


@dataclass(frozen=True)
class Match:
    answer_id: int
    similarity: float


class CuratedMatcher:
    """Scores a question against every phrasing through an inverted index of their terms, so a
    lookup costs the postings of the question's own terms, not one cosine per phrasing."""

    def __init__(
        self,
        targets: Sequence[MatchTarget],
        threshold: float = DEFAULT_THRESHOLD,
        *,
        programme_names: Iterable[str] = (),
    ) -> None:
        self.threshold = threshold
        self._targets = list(targets)
        self._names = name_words(programme_names)
        self._encoder = _CachedTermsEncoder()
        phrasings: list[tuple[int, str]] = [
            (index, self._without_names(text))
            for index, target in enumerate(self._targets)
            for text in target.texts
        ]
        self._encoder.fit([text for _index, text in phrasings])
        self._texts = [text for _index, text in phrasings]
        # Each answer's texts in one, for the agreement gate (built once, not per lookup).
        texts_of: list[list[str]] = [[] for _target in self._targets]
        for owner, text in phrasings:
            texts_of[owner].append(text)
        self._answer_texts = [" ".join(texts) for texts in texts_of]
        self._common, self._specific = _word_spread(self._targets, self._texts, [i for i, _t in phrasings])
        self._owner: list[int] = []  # phrasing number -> target index
        self._postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, (index, text) in enumerate(phrasings):
            self._owner.append(index)
            for term, weight in self._encoder.encode(text).items():
                self._postings[term].append((number, weight))

    def __len__(self) -> int:
        return len(self._targets)

    def _without_names(self, text: str) -> str:
        """The question without the programme's name: 海安 and 服务之星 say which programme (the
        programme scope decides that), not what is asked. Left in, one answer's phrasings, all naming
        海安服务之星, would match every question about that programme."""
        text = normalize_text(text)
        for name in self._names:
            text = text.replace(name, " ")
        return text

    def best(self, question: str, *, programme: str | None) -> Match | None:
        """The answer whose nearest phrasing is most like `question`, when at or above the threshold.
        An answer for one programme is considered only for questions scoped to that programme."""
        if not self._targets:
            return None
        scores: defaultdict[int, float] = defaultdict(float)
        for term, weight in self._encoder.encode(self._without_names(question)).items():
            for number, other in self._postings.get(term, ()):
                scores[number] += weight * other
        asked = self._without_names(question)
        for number, score in sorted(scores.items(), key=lambda item: (-item[1], item[0])):
            if score < self.threshold:
                break
            index = self._owner[number]
            target = self._targets[index]
            if target.programme is not None and target.programme != programme:
                continue
            if self._same_question(asked, index, number):
                return Match(target.answer_id, min(score, 1.0))
        return None

    def _same_question(self, asked: str, index: int, number: int) -> bool:
        """Whether the question and the phrasing agree on what is asked, beyond the cosine: the
        question brings no rare word the answer's texts do not account for ("截止时间能延期吗" is not
        the deadline question), and the phrasing no rare word of its answer alone that the question
        lacks ("申报需要哪些材料" is not "申报需要交钱吗")."""
        answer_texts = self._answer_texts[index]
        common = self._common
        if unexplained_words(asked, answer_texts, common=common):
            return False
        if unexplained_classes(asked, answer_texts, common=common):
            return False  # asks about a deadline, a fee... that none of the answer's texts mention
        phrasing = self._texts[number]
        specific = self._specific[index]
        theirs = [w for w in unexplained_words(phrasing, asked, common=common) if w in specific]
        if not theirs:
            return True
        # The phrasing says something of its own the question does not: the same question only if
        # the question still names something that only this answer's texts name.
        return any(word in specific for word in rare_words(asked))


def _words(text: str) -> set[str]:
    return {term for term in paraphrase_terms(text) if term.isalnum() and len(term) >= 2}


def _word_spread(
    targets: Sequence[MatchTarget], texts: Sequence[str], owners: Sequence[int]
) -> tuple[frozenset[str], list[frozenset[str]]]:
    """(words used by the texts of a third or more of the answers, when there are three or more: the
    applicants' common vocabulary, 申报 and 材料; each answer's words that no other answer uses)."""
    words_of: list[set[str]] = [set() for _target in targets]
    for owner, text in zip(owners, texts, strict=True):
        words_of[owner].update(_words(text))
    spread: defaultdict[str, int] = defaultdict(int)
    for words in words_of:
        for word in words:
            spread[word] += 1
    common = (
        frozenset(word for word, count in spread.items() if count * 3 >= len(targets))
        if len(targets) >= 3
        else frozenset()
    )
    specific = [frozenset(word for word in words if spread[word] == 1) for words in words_of]
    return common, specific


def name_words(names: Iterable[str]) -> list[str]:
    """Each name and its longest words (用户满意服务之星 -> 用户满意, 服务之星; not 服务, which other
    questions use), longest first so a whole name goes before its parts."""
    found: set[str] = set()
    for name in names:
        name = normalize_text(name).strip()
        if len(name) < 2:
            continue
        found.add(name)
        words = [w for w in paraphrase_terms(name) if len(w) >= 2 and w != name and w.isalnum()]
        found.update(w for w in words if not any(w != other and w in other for other in words))
    return sorted(found, key=lambda word: (-len(word), word))
