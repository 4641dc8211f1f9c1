"""The terms two questions are compared by when deciding whether they ask the same thing.

Used to group applicants' questions into FAQ gaps and to match a question to a staff-written
answer. A question is normalised exactly as `KnowledgeBase.ask` normalises it (traditional ->
simplified, widths, pinyin annotations), then described by weighted terms:

- jieba words (the search lexicon's), the strongest evidence;
- character bigrams, so two cuts of the same words still meet, and a one-character typo only
  breaks the pairs it sits in;
- the synonym class of any class member it contains (``data/search_synonyms.yaml``: 最晚 and
  截止 are one class), so paraphrases meet on meaning;
- each Han character's toneless reading, so a homophone typo (视屏 for 视频) still shares a sound.

Everything here is general Chinese; nothing is about one corpus.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from knowledge._expansion import _fold, _pinyin_table, default_synonyms
from knowledge._normalize import normalize_text
from knowledge._tokenize import BIGRAM_MARK, default_tokenizer

# Relative weights of the kinds of term (a typed word is 1.0).
WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.6
SYNONYM_WEIGHT = 0.8
SOUND_WEIGHT = 0.25
_SYNONYM_MARK = "≈"
_SOUND_MARK = "♪"


@lru_cache(maxsize=1)
def _synonym_classes() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(class key, members) with the longest members first, so 截止时间 is found before 截止."""
    classes = []
    for members in default_synonyms().classes:
        folded = tuple(sorted({_fold(normalize_text(word)) for word in members}, key=len, reverse=True))
        classes.append((_SYNONYM_MARK + folded[-1], folded))
    return tuple(classes)


def paraphrase_terms(question: str) -> dict[str, float]:
    """Weighted terms of `question` (see the module docstring); empty for a question with no words."""
    text = _fold(normalize_text(question if isinstance(question, str) else ""))
    terms: defaultdict[str, float] = defaultdict(float)
    readings = _pinyin_table()
    for token in default_tokenizer().tokenize(text):
        if token.startswith(BIGRAM_MARK):
            terms[token] += BIGRAM_WEIGHT
        elif len(token) == 1 and "\u4e00" <= token <= "\u9fff":
            sounds = readings.get(token)
            if sounds:
                terms[_SOUND_MARK + min(sounds)] += SOUND_WEIGHT
        else:
            terms[token] += WORD_WEIGHT
    for key, members in _synonym_classes():
        if any(member in text for member in members):
            terms[key] += SYNONYM_WEIGHT
    return dict(terms)
