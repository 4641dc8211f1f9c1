"""Chinese tokens for the lexical index: jieba words, lower-cased, without punctuation or stopwords.

Chunks and questions go through the same `Tokenizer`, so whatever jieba does to one it does to
the other. jieba is imported and its dictionary loaded only when the first text is tokenised
(about 0.6 s from its cache), once per process.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

if TYPE_CHECKING:
    import jieba

LEXICON_PATH = Path(__file__).parent / "data" / "search_lexicon.yaml"
# jieba writes a marshal cache of its dictionary on first use: keep it out of the repository.
DEFAULT_JIEBA_CACHE_DIR = Path(tempfile.gettempdir()) / "applicant-bot-jieba"
# Frequency given to domain words: high enough that jieba keeps them whole in precise mode.
USER_WORD_FREQ = 20_000

TokenizerMode = Literal["search", "precise"]


class SearchLexicon(BaseModel):
    """The word lists of ``data/search_lexicon.yaml``."""

    model_config = ConfigDict(extra="forbid")

    user_words: list[str]
    stopwords: list[str]

    @field_validator("user_words", "stopwords")
    @classmethod
    def _words_are_single_tokens(cls, words: list[str]) -> list[str]:
        for word in words:
            if not word or word != word.strip() or any(ch.isspace() for ch in word):
                raise ValueError(f"词表中的词不能为空，也不能含空白：{word!r}")
        return words

    @classmethod
    def load(cls, path: Path = LEXICON_PATH) -> SearchLexicon:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class Tokenizer:
    """jieba segmentation (search mode by default) with the domain lexicon, for BM25."""

    def __init__(
        self,
        lexicon: SearchLexicon | None = None,
        *,
        mode: TokenizerMode = "search",
        cache_dir: Path | None = None,
    ) -> None:
        self.lexicon = lexicon if lexicon is not None else SearchLexicon.load()
        self.mode: TokenizerMode = mode
        self.cache_dir = cache_dir  # where jieba caches its dictionary, if this is the first load
        self._stopwords = frozenset(word.lower() for word in self.lexicon.stopwords)
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def signature(self) -> str:
        """Changes whenever the same text could be tokenised differently (stored in the index)."""
        words = "\n".join(self.lexicon.user_words) + "\x00" + "\n".join(self.lexicon.stopwords)
        digest = hashlib.sha1(words.encode()).hexdigest()[:12]
        return f"jieba-{self.mode}:v1:{digest}"

    def tokenize(self, text: str) -> list[str]:
        # NFKC folds full-width letters and digits, so "２０１６" and "2016" are one token.
        folded = unicodedata.normalize("NFKC", text).lower()
        segmenter = self._segmenter()
        if self.mode == "search":
            words = _with_hyphen_parts(segmenter.cut_for_search(folded))
        else:
            words = segmenter.cut(folded)
        return [word for word in words if _is_word(word) and word not in self._stopwords]

    def _segmenter(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = self._load_jieba()
        return self._jieba

    def _load_jieba(self) -> jieba.Tokenizer:
        return new_segmenter(self.lexicon.user_words, cache_dir=self.cache_dir)


_base_lock = threading.Lock()
_base_dictionary: tuple[dict[str, int], int] | None = None


def new_segmenter(
    words: Iterable[str] = (), *, freq: int = USER_WORD_FREQ, cache_dir: Path | None = None
) -> jieba.Tokenizer:
    """A jieba tokenizer of its own (words added to it stay private) with `words` kept whole.

    jieba's dictionary is read from its cache once per process (about 0.6 s); every further
    segmenter starts from a copy of it (about 10 ms), so several users of jieba cost one load.
    """
    import jieba

    global _base_dictionary
    with _base_lock:
        if _base_dictionary is None:
            jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict..." chatter on stderr
            directory = cache_dir if cache_dir is not None else DEFAULT_JIEBA_CACHE_DIR
            directory.mkdir(parents=True, exist_ok=True)
            base = jieba.Tokenizer()
            base.tmp_dir = str(directory)
            base.initialize()
            _base_dictionary = (base.FREQ, base.total)
        frequencies, total = _base_dictionary
    segmenter = jieba.Tokenizer()
    segmenter.FREQ, segmenter.total = dict(frequencies), total
    segmenter.initialized = True
    for word in words:
        segmenter.add_word(word.lower(), freq=freq)
    return segmenter


def _is_word(token: str) -> bool:
    """Keeps tokens with at least one letter, digit or CJK character (drops punctuation, spaces)."""
    return any(ch.isalnum() for ch in token)


def _with_hyphen_parts(words: Iterable[str]) -> Iterator[str]:
    """jieba keeps "2008-2009" and "3-4" whole; search mode also offers the parts, as it does for words."""
    for word in words:
        yield word
        if "-" in word.strip("-"):
            yield from (part for part in word.split("-") if part)


@lru_cache(maxsize=1)
def default_tokenizer() -> Tokenizer:
    """The process-wide tokenizer with the packaged lexicon (jieba loads on first use)."""
    return Tokenizer()


def tokenize(text: str) -> list[str]:
    return default_tokenizer().tokenize(text)
