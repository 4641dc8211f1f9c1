"""The terms two questions are compared by when deciding whether they ask the same thing.

Used to group applicants' questions into FAQ gaps and to match a question to a staff-written
answer. A question is normalised exactly as `KnowledgeBase.ask` normalises it (traditional ->
simplified, widths, pinyin annotations), then described by weighted terms:

- jieba words (the search lexicon's), the strongest evidence;
- character bigrams, so two cuts of the same words still meet, and a one-character typo only
  breaks the pairs it sits in;
- the synonym class of any class member it contains (``data/search_synonyms.yaml`` and
  ``data/paraphrase_synonyms.yaml``: 最晚 and 截止 are one class), so paraphrases meet on meaning;
- each Han character's toneless reading, and each word's (every reading of a polyphone, shared
  out), so a homophone typo (视屏 for 视频, 截至 for 截止) still shares a sound with the word meant;
  in a short question that alone is not enough to group the two (see tests/conversations/test_gaps);
- never the sentence-final particles (吗, 啊, 呢...), and an A-not-A question (要不要, 收不收费,
  有没有) counts as its verb alone: they say how a question is asked, not what.

Everything here is general Chinese; nothing is about one corpus.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

from knowledge._expansion import SynonymTable, _fold, _pinyin_table, default_synonyms
from knowledge._normalize import normalize_text
from knowledge._tokenize import BIGRAM_MARK, default_tokenizer, general_frequency

PARAPHRASE_SYNONYMS_PATH = Path(__file__).parent / "data" / "paraphrase_synonyms.yaml"

# Relative weights of the kinds of term (a typed word is 1.0).
WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.3
SYNONYM_WEIGHT = 1.5
SOUND_WEIGHT = 0.25
WORD_SOUND_WEIGHT = 0.8
_MAX_READINGS = 4
_PARTICLES = frozenset("啊吗呢吧呀哦嘛啦呗哈")
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_SYNONYM_MARK = "≈"
_SOUND_MARK = "♪"


@lru_cache(maxsize=1)
def _synonym_classes() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(class key, members) with the longest members first, so 截止时间 is found before 截止."""
    classes = []
    for members in [*default_synonyms().classes, *SynonymTable.load(PARAPHRASE_SYNONYMS_PATH).classes]:
        folded = tuple(sorted({_fold(normalize_text(word)) for word in members}, key=len, reverse=True))
        classes.append((_SYNONYM_MARK + folded[-1], folded))
    return tuple(classes)


def _compared_text(text: str) -> str:
    """`text` normalised as questions are, folded, an A-not-A question (收不收费) as its verb."""
    return _A_NOT_A.sub(r"\1", _fold(normalize_text(text if isinstance(text, str) else "")))


def paraphrase_terms(question: str) -> dict[str, float]:
    """Weighted terms of `question` (see the module docstring); empty for a question with no words."""
    text = _compared_text(question)
    terms: defaultdict[str, float] = defaultdict(float)
    readings = _pinyin_table()
    for token in default_tokenizer().tokenize(text):
        if any(char in _PARTICLES for char in token):
            continue
        if token.startswith(BIGRAM_MARK):
            terms[token] += BIGRAM_WEIGHT
        elif len(token) == 1 and _is_han(token):
            sounds = readings.get(token)
            if sounds:
                terms[_SOUND_MARK + min(sounds)] += SOUND_WEIGHT
        else:
            terms[token] += WORD_WEIGHT
            word_sounds = _readings(token, readings)
            for sound in word_sounds:
                terms[_SOUND_MARK + sound] += WORD_SOUND_WEIGHT / len(word_sounds)
    for key, members in _synonym_classes():
        if any(member in text for member in members):
            terms[key] += SYNONYM_WEIGHT
    return dict(terms)


def _readings(word: str, readings: dict[str, frozenset[str]]) -> list[str]:
    """The toneless readings of an all-Han word (every combination of its characters' readings, at
    most `_MAX_READINGS`, in order: 视屏 is si+bin or si+pin, so it still sounds like 视频); none
    for a word with any other character."""
    combinations = [""]
    for char in word:
        options = readings.get(char) if _is_han(char) else None
        if not options:
            return []
        combinations = [
            head + "+" + sound if head else sound for head in combinations for sound in sorted(options)
        ]
        del combinations[_MAX_READINGS:]
    return combinations


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


# A word rarer than this in general Chinese (jieba's dictionary: -ln(frequency / total), in nats)
# carries what a question is about (延期 12.0, 盖章 12.8, 交钱 13.2); commoner words (需要 7.7, 准备 8.2,
# 地方 7.0, 哪些 10.0) say how it is asked. About 1 in 36,000 words. Words an award notice's applicants
# all use (申报 10.9) are rare in general Chinese too: the caller tells them apart (`common`).
RARE_WORD_NATS = 10.5


def _content_words(text: str) -> list[str]:
    """The Han words of two or more characters of a normalised text, as the search tokenizer cuts."""
    return [
        token
        for token in default_tokenizer().tokenize(text)
        if len(token) >= 2 and not token.startswith(BIGRAM_MARK) and all(_is_han(char) for char in token)
    ]


@lru_cache(maxsize=20_000)
def _word_information(word: str) -> float:
    """-ln(frequency / total) in jieba's dictionary. A cut the dictionary lacks (前交, 几号, a typo's
    地扯) is as rare as its rarest dictionary part of two or more characters, else common: the
    search lexicon's compounds and the applicant's slips say nothing new by themselves."""
    frequency, total = general_frequency(word)
    if frequency > 0:
        return -math.log(frequency / total)
    parts = [
        general_frequency(word[start:end])[0]
        for start in range(len(word))
        for end in range(start + 2, len(word) + 1)
        if (start, end) != (0, len(word))
    ]
    known = [count for count in parts if count > 0]
    return -math.log(min(known) / total) if known else 0.0


def rare_words(text: str) -> list[str]:
    """The words of `text` rarer in general Chinese than `RARE_WORD_NATS`: what it is about."""
    folded = _compared_text(text)
    words = dict.fromkeys(_content_words(folded))
    return [word for word in words if _word_information(word) >= RARE_WORD_NATS]


def unexplained_classes(question: str, other: str, *, common: Collection[str] = ()) -> list[str]:
    """The synonym classes `question` touches and `other` does not, each named by its longest member:
    what a question asks about (a deadline, a fee, a contact, copies...). "申报需要交钱吗" asks about
    money, "申报需要哪些材料" does not. Classes with a member in `common` never count."""
    mine = _fold(normalize_text(question if isinstance(question, str) else ""))
    theirs = _fold(normalize_text(other if isinstance(other, str) else ""))
    return [
        members[0]
        for _key, members in _synonym_classes()
        if any(member in mine for member in members)
        and not any(member in theirs for member in members)
        and not any(member in common for member in members)
    ]


def unexplained_words(question: str, other: str, *, common: Collection[str] = ()) -> list[str]:
    """The rare words of `question` (see `RARE_WORD_NATS`) that `other` does not account for: not
    among its words, not a word or part of a word of a synonym class `other` touches (几号 for 截止,
    邮寄 for 寄到), and sharing no character with it: a typo (地扯 for 地址), a longer or shorter way
    of saying it (寄送 for 往哪里寄, 表格 for 申报表, 最多 for 多少) shares one. That lets 延期 pass
    beside 日期 too: the gate catches what a cosine misses, it is not a parser. Two questions that
    agree on every such word, both ways, ask the same thing more safely than a cosine alone says:
    "申报材料需要盖章吗" is close to "申报材料要交几份" but adds 盖章 (see `unexplained_classes` for
    what is asked about). Words in `common` (those the caller's own questions share widely) never
    count."""
    mine, theirs = _compared_text(question), _compared_text(other)
    their_words = set(_content_words(theirs))
    their_chars = {char for word in their_words for char in word} | {
        char for char in theirs if _is_han(char) and char not in _PARTICLES
    }
    their_classes = [
        members for _key, members in _synonym_classes() if any(member in theirs for member in members)
    ]
    found = []
    for word in dict.fromkeys(_content_words(mine)):
        if word in common or word in their_words:
            continue
        if any(any(word in member or member in word for member in members) for members in their_classes):
            continue
        if any(char in their_chars for char in word):
            continue
        if _word_information(word) >= RARE_WORD_NATS:
            found.append(word)
    return found


# What share of questions a term is expected in, when nothing else is known (see `general_share`).
WORDS_PER_QUESTION = 6.0  # a dictionary word's share: its frequency per word, times words per question
SOUND_SHARE = 0.05  # a reading: many characters share one, so sounds are common
BIGRAM_SHARE = 0.002  # a character pair that is not a dictionary word


@lru_cache(maxsize=50_000)
def general_share(term: str) -> float:
    """The share of questions in general Chinese expected to hold a `paraphrase_terms` term: for a
    word, its frequency in jieba's dictionary (per word, times `WORDS_PER_QUESTION`); for a pair, the
    same when the pair is a word; a synonym class counts as its commonest member. The prior of the
    questions' term statistics (`conversations._analytics.TfidfEncoder`)."""
    if term.startswith(_SOUND_MARK):
        return SOUND_SHARE
    if term.startswith(_SYNONYM_MARK):
        members = next((m for key, m in _synonym_classes() if key == term), ())
        return max((general_share(member) for member in members), default=0.0)
    word = term[len(BIGRAM_MARK) :] if term.startswith(BIGRAM_MARK) else term
    frequency, total = general_frequency(word)
    if frequency == 0:
        return BIGRAM_SHARE if term.startswith(BIGRAM_MARK) else 0.0
    return min(1.0, frequency / total * WORDS_PER_QUESTION)
