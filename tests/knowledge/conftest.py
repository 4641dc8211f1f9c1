"""Shared fixtures for knowledge/ tests: the sample notice corpus and the public question set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from knowledge import evidence_in_text

__all__ = ["evidence_in_text"]  # the evaluation's hit rule, re-exported for tests and benchmarks

SHARED_DIR = Path(__file__).parents[3] / "shared"


def _notices_path() -> Path:
    configured = os.environ.get("APPLICANT_BOT_NOTICES")
    return Path(configured) if configured else SHARED_DIR / "notices"


@pytest.fixture(autouse=True)
def forbid_chroma_default_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chroma's default embedder downloads an ONNX model: constructing or calling it fails the test,
    in every knowledge test (a collection opened without `embedding_function=None` would use it)."""
    from chromadb.api import types as chroma_types
    from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("chromadb's default embedding function was used")

    def refuse_call(self: object, input: object) -> None:  # chromadb checks this signature
        raise AssertionError("chromadb's default embedding function was called")

    monkeypatch.setattr(chroma_types.DefaultEmbeddingFunction, "__init__", refuse)
    monkeypatch.setattr(chroma_types.DefaultEmbeddingFunction, "__call__", refuse_call)
    monkeypatch.setattr(onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2, "__init__", refuse)


@pytest.fixture(scope="session")
def notices_dir() -> Path:
    """The sample notices: ../shared/notices beside the repo, or $APPLICANT_BOT_NOTICES; skips if absent."""
    path = _notices_path()
    if not (path / "catalog.yaml").is_file():
        pytest.skip(f"sample notices not found at {path}")
    return path


@pytest.fixture(scope="session")
def public_questions() -> list[dict]:
    """The public question set (../shared/eval/qa_public.jsonl); skips when absent."""
    path = _notices_path().parent / "eval" / "qa_public.jsonl"
    if not path.is_file():
        pytest.skip(f"public question set not found at {path}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def sample_corpus(notices_dir: Path):
    """The sample corpus loaded once: (path, meta, normalised text) per file."""
    from knowledge import load_notices

    loaded, skipped = load_notices(notices_dir)
    assert not skipped, skipped
    return loaded
