"""A configured dense embedder (`knowledge.Embedder`) as a `QuestionEncoder`, for gap grouping.

The default char-ngram embedder is not used here: the TF-IDF of paraphrase terms already covers
what it sees (characters, typos) and knows words and synonyms besides. A real model (``openai`` or
``local`` embeddings) sees meaning that shares no characters, so it is worth a call per question.
Its cosines run higher than TF-IDF's: set `GapSettings.group_similarity` for the model (about 0.8
for the usual Chinese sentence models, to be checked on the labelled set of tests/conversations).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from conversations._analytics._similarity import QuestionEncoder, SparseVector, TfidfEncoder
from knowledge import Embedder, EmbeddingsConfig, make_embedder


class EmbedderEncoder:
    """Unit vectors from `embedder`, keyed by dimension; `fit` embeds the questions in one batch."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._vectors: dict[str, SparseVector] = {}

    def fit(self, questions: Sequence[str]) -> None:
        missing = sorted({question for question in questions if question not in self._vectors})
        if missing:
            for question, vector in zip(missing, self.embedder.embed_documents(missing), strict=True):
                self._vectors[question] = _unit(vector)

    def encode(self, question: str) -> SparseVector:
        vector = self._vectors.get(question)
        if vector is None:
            vector = self._vectors[question] = _unit(self.embedder.embed_query(question))
        return vector


def encoder_factory(config: EmbeddingsConfig) -> Callable[[], QuestionEncoder]:
    """TF-IDF for the default char-ngram embeddings, the configured model otherwise."""
    if config.kind == "char-ngram":
        return TfidfEncoder
    embedder = make_embedder(config)  # built once: a local model loads once per process
    return lambda: EmbedderEncoder(embedder)


def _unit(vector: Sequence[float]) -> SparseVector:
    norm = math.sqrt(sum(value * value for value in vector))
    return {str(index): value / norm for index, value in enumerate(vector) if value} if norm else {}
