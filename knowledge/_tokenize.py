"""Chinese tokens for the lexical index: jieba words, lower-cased, without punctuation or stopwords.

Search mode (the default) emits, for each text, three kinds of tokens:

- the words of jieba's precise cut, with the domain lexicon kept whole (一票否决, 服务之星);
- every dictionary word inside a longer word (用户满意度 -> 用户, 满意, 满意度, 用户满意), so a
  question that uses the shorter word still matches; jieba's own search mode stops at 3 characters;
- every Han character on its own. They rescue questions whose words jieba cut differently from
  the notice (多少字 / 1万字, 表彰 / 受表彰的); BM25's idf keeps common characters cheap. On the
  56 sample questions (public and held-out) they raised BM25's hit@1 from 0.73 to 0.84 and hit@5
  from 0.91 to 0.96; jieba's precise cut alone gives 0.59 / 0.89;
- every pair of adjacent Han characters, marked with `BIGRAM_MARK` so that a bigram never counts
  as the jieba word it may equal ("|截止" beside "截止"). Bigrams do not depend on where jieba
  cuts (最晚 is one word in one question and 最 / 晚 in the next), and they are the vocabulary
  that typo correction maps a question's unknown pairs onto (视屏 -> 视频, see `_expansion`).

Chunks and questions go through the same `Tokenizer`, so whatever jieba does to one it does to
the other. jieba is imported and its dictionary loaded only when the first text is tokenised,
once per process (about 0.25 s, see `_load_dictionary`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, field_validator

if TYPE_CHECKING:
    import jieba

LEXICON_PATH = Path(__file__).parent / "data" / "search_lexicon.yaml"
# jieba's dictionary caches (its own and ours) are written here on first use, never in the repository.
DEFAULT_JIEBA_CACHE_DIR = Path(tempfile.gettempdir()) / "applicant-bot-jieba"
# Frequency given to domain words: high enough that jieba keeps them whole in precise mode.
USER_WORD_FREQ = 20_000

TokenizerMode = Literal["search", "precise"]
# Prefix of character-bigram tokens: no jieba word starts with it (punctuation is dropped).
BIGRAM_MARK = "|"


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
    """jieba segmentation with the domain lexicon, for BM25 (see the module docstring for the modes)."""

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
        import jieba  # its version decides the segmentation too

        return f"jieba-{jieba.__version__}-{self.mode}:v3:{digest}"

    def tokenize(self, text: str) -> list[str]:
        # NFKC folds full-width letters and digits, so "２０１６" and "2016" are one token.
        folded = unicodedata.normalize("NFKC", text).lower()
        segmenter = self._segmenter()
        words = [word for word in segmenter.cut(folded) if _is_word(word)]
        if self.mode == "precise":
            return [word for word in words if word not in self._stopwords]
        tokens = []
        for word in words:
            tokens.append(word)
            tokens.extend(_parts(word, segmenter.FREQ))
        tokens.extend(char for char in folded if _is_han(char))
        tokens = [token for token in tokens if token not in self._stopwords]
        tokens.extend(han_bigrams(folded))
        return tokens

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
    words: Iterable[str] = (),
    *,
    freq: int = USER_WORD_FREQ,
    lowercase: bool = True,
    cache_dir: Path | None = None,
) -> jieba.Tokenizer:
    """A jieba tokenizer of its own (words added to it stay private) with `words` kept whole.

    jieba's dictionary is loaded once per process; every further segmenter starts from a copy of
    it (about 10 ms), so several users of jieba in one process cost one load. `lowercase`: add
    the words lower-cased, for a caller that lower-cases its text (as `Tokenizer` does).
    """
    import jieba

    global _base_dictionary
    with _base_lock:
        if _base_dictionary is None:
            jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict..." chatter on stderr
            directory = cache_dir if cache_dir is not None else DEFAULT_JIEBA_CACHE_DIR
            _base_dictionary = _load_dictionary(directory)
        frequencies, total = _base_dictionary
    segmenter = jieba.Tokenizer()
    segmenter.FREQ, segmenter.total = dict(frequencies), total
    segmenter.initialized = True
    for word in words:
        segmenter.add_word(word.lower() if lowercase else word, freq=freq)
    return segmenter


def general_frequency(word: str) -> tuple[int, int]:
    """(frequency of `word` in jieba's own dictionary, the dictionary's total): how common a word is
    in general Chinese, untouched by the search lexicon's user words (0 for a word it lacks)."""
    if _base_dictionary is None:
        new_segmenter()  # loads the dictionary once
    assert _base_dictionary is not None
    frequencies, total = _base_dictionary
    return int(frequencies.get(word, 0)), total


_verbs_lock = threading.Lock()
_verbs: frozenset[str] | None = None


def dictionary_verbs(*, cache_dir: Path | None = None) -> frozenset[str]:
    """The words jieba's dictionary tags as verbs (交给, 达到, 包含; not 税收, 奖金), once per process.

    Reading the tags from jieba's dict.txt takes about 0.2 s; the list is cached beside the
    dictionary cache and reads back in about 5 ms.
    """
    global _verbs
    with _verbs_lock:
        if _verbs is None:
            _verbs = _load_verbs(cache_dir if cache_dir is not None else DEFAULT_JIEBA_CACHE_DIR)
        return _verbs


@lru_cache(maxsize=1)
def dictionary_counties() -> frozenset[str]:
    """The county-level places of jieba's dictionary: words it tags as place names (ns) that end in
    区 or 县 after a name of two characters or more (海淀区, 长兴县; not 新区)."""
    places = tagged_dictionary_words("places", lambda tag: tag == "ns", DEFAULT_JIEBA_CACHE_DIR)
    return frozenset(word for word in places if len(word) >= 3 and word.endswith(("区", "县")))


def _load_verbs(directory: Path) -> frozenset[str]:
    return tagged_dictionary_words("verbs", lambda tag: tag.startswith("v"), directory)


def tagged_dictionary_words(
    cache_name: str, accepts: Callable[[str], bool], directory: Path
) -> frozenset[str]:
    """The words of jieba's dictionary whose part-of-speech tag `accepts`, cached beside the dictionary
    cache as ``<stem>.<cache_name>`` (reading the tags from dict.txt takes about 0.2 s, the cached list
    about 5 ms). `cache_name` must change whenever `accepts` does."""
    import jieba

    path = directory / f"{_cache_stem()}.{cache_name}"
    with suppress(OSError, UnicodeDecodeError):
        return frozenset(path.read_text(encoding="utf-8").split("\n"))
    words = set()
    with jieba.get_dict_file() as handle:  # lines of "word frequency tag"
        for line in handle:
            parts = line.decode("utf-8").split()
            if len(parts) == 3 and accepts(parts[2]):
                words.add(parts[0])
    with suppress(OSError):  # a read-only temporary directory only costs speed
        directory.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, "\n".join(sorted(words)).encode("utf-8"))
    return frozenset(words)


def _load_dictionary(directory: Path) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary (word -> frequency, total), from our own cache when it is there.

    jieba caches the dictionary with marshal, which takes about 0.6 s to read back; the same
    500,000 entries kept as a word list and a numpy array of frequencies load in about 0.13 s,
    which matters for the 3-second budget of a cold `ask` process. The cache holds data only
    (no pickle), so a file planted in the temporary directory cannot run code.
    """
    import jieba

    words_path, counts_path = _dictionary_cache_paths(directory)
    try:
        words = words_path.read_text(encoding="utf-8").split("\n")
        counts = np.load(counts_path, allow_pickle=False)  # one count per word, then jieba's total
        if len(words) + 1 == len(counts):
            return dict(zip(words, counts[:-1].tolist(), strict=True)), int(counts[-1])
    except (OSError, ValueError):
        pass  # no cache yet, or a damaged one: build it again
    directory.mkdir(parents=True, exist_ok=True)
    base = jieba.Tokenizer()
    base.tmp_dir = str(directory)
    base.initialize()
    with suppress(OSError):  # a read-only temporary directory only costs speed
        _write_atomically(words_path, "\n".join(base.FREQ).encode("utf-8"))
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".npy", delete=False) as handle:
            np.save(handle, np.array([*base.FREQ.values(), base.total], dtype=np.int64))
        os.replace(handle.name, counts_path)
    return base.FREQ, base.total


def _dictionary_cache_paths(directory: Path) -> tuple[Path, Path]:
    stem = _cache_stem()
    return directory / f"{stem}.words", directory / f"{stem}.counts.npy"


def _cache_stem() -> str:
    """Named after jieba's version and dictionary size, so an upgrade never reads a stale cache."""
    import jieba

    dictionary = Path(jieba.__file__).parent / "dict.txt"
    size = dictionary.stat().st_size if dictionary.is_file() else 0
    return f"dictionary-v2-{jieba.__version__}-{size}"


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, path)


def _is_word(token: str) -> bool:
    """Keeps tokens with at least one letter, digit or CJK character (drops punctuation, spaces)."""
    return any(ch.isalnum() for ch in token)


def _parts(word: str, dictionary: dict[str, int]) -> Iterator[str]:
    """Dictionary words inside a longer word, and the numbers of a range ("2008-2009", "3-4")."""
    if len(word) > 2:
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                part = word[start : start + size]
                if dictionary.get(part):
                    yield part
    if "-" in word.strip("-"):
        yield from (part for part in word.split("-") if part)


def han_bigrams(text: str) -> list[str]:
    """Every pair of adjacent Han characters, marked ("|视频"); pairs never span other characters."""
    return [
        BIGRAM_MARK + text[i : i + 2]
        for i in range(len(text) - 1)
        if _is_han(text[i]) and _is_han(text[i + 1])
    ]


def is_bigram(token: str) -> bool:
    return token.startswith(BIGRAM_MARK)


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


@lru_cache(maxsize=1)
def default_tokenizer() -> Tokenizer:
    """The process-wide tokenizer with the packaged lexicon (jieba loads on first use)."""
    return Tokenizer()


def tokenize(text: str) -> list[str]:
    return default_tokenizer().tokenize(text)
