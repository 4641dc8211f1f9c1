from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import httpx
import numpy as np
import pytest

from knowledge._config import EmbeddingsConfig
from knowledge._embedders import (
    CharNgramEmbedder,
    Embedder,
    EmbeddingError,
    OpenAICompatibleEmbedder,
    SentenceTransformerEmbedder,
    make_embedder,
)

PASSAGE = "期满后需复议，对符合条件者予以重新确认表彰。"
UNRELATED = "联系电话：85807519，电子邮箱见网站。"


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- char n-grams ---


def test_char_ngram_vectors_are_unit_length_with_the_configured_dims() -> None:
    vectors = CharNgramEmbedder(dims=256).embed_documents([PASSAGE, UNRELATED])
    assert [len(v) for v in vectors] == [256, 256]
    assert all(np.linalg.norm(v) == pytest.approx(1.0, abs=1e-5) for v in vectors)


def test_char_ngram_query_with_a_typo_is_closest_to_its_passage() -> None:
    embedder = CharNgramEmbedder()
    query = embedder.embed_query("荣誉有效其过了以后需要复议吗")
    passages = embedder.embed_documents([PASSAGE, UNRELATED, "申报截止时间：2016年9月10日。"])
    similarities = [cosine(query, passage) for passage in passages]
    assert similarities.index(max(similarities)) == 0


def test_char_ngram_ignores_width_and_case() -> None:
    embedder = CharNgramEmbedder()
    assert embedder.embed_query("ＡＢＣ２０１６年") == embedder.embed_query("abc2016年")


def test_char_ngram_is_stable_across_processes() -> None:
    """The hash must not be Python's salted hash(), or an index would not survive a restart."""
    here = CharNgramEmbedder(dims=64).embed_query(PASSAGE)
    code = (
        "import json; from knowledge._embedders import CharNgramEmbedder; "
        f"print(json.dumps(CharNgramEmbedder(dims=64).embed_query({PASSAGE!r})))"
    )
    root = Path(__file__).resolve().parents[2]
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert np.allclose(json.loads(output), here)


def test_char_ngram_signature_names_its_parameters() -> None:
    assert CharNgramEmbedder(dims=512).signature != CharNgramEmbedder(dims=1024).signature
    assert CharNgramEmbedder(max_n=2).signature != CharNgramEmbedder(max_n=3).signature
    assert isinstance(CharNgramEmbedder(), Embedder)


# --- OpenAI-compatible endpoint ---


def _fake_service(requests: list[httpx.Request], *, reverse: bool = False) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        inputs = json.loads(request.content)["input"]
        data = [{"index": i, "embedding": [float(len(text)), float(i)]} for i, text in enumerate(inputs)]
        return httpx.Response(200, json={"data": list(reversed(data)) if reverse else data})

    return httpx.MockTransport(handler)


def test_openai_embedder_posts_model_and_inputs_in_batches() -> None:
    requests: list[httpx.Request] = []
    embedder = OpenAICompatibleEmbedder(
        "http://embed.local/v1/", "bge-m3", api_key="sk-test", batch_size=2, transport=_fake_service(requests)
    )
    vectors = embedder.embed_documents(["一", "二二", "三三三", "四四四四", "五"])
    assert vectors == [[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0], [1.0, 0.0]]
    assert len(requests) == 3
    assert all(str(r.url) == "http://embed.local/v1/embeddings" for r in requests)
    assert json.loads(requests[0].content) == {"model": "bge-m3", "input": ["一", "二二"]}
    assert requests[0].headers["Authorization"] == "Bearer sk-test"
    assert embedder.signature == "openai:bge-m3@http://embed.local/v1"


def test_openai_embedder_puts_vectors_back_in_input_order() -> None:
    embedder = OpenAICompatibleEmbedder("http://e", "m", transport=_fake_service([], reverse=True))
    assert embedder.embed_documents(["a", "bbb"]) == [[1.0, 0.0], [3.0, 1.0]]
    assert embedder.embed_query("cc") == [2.0, 0.0]


def test_openai_embedder_reports_http_errors_in_chinese() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(401, text="invalid api key"))
    embedder = OpenAICompatibleEmbedder("http://e", "m", transport=transport)
    with pytest.raises(EmbeddingError, match=r"HTTP 401.*invalid api key.*请检查"):
        embedder.embed_query("问题")


def test_openai_embedder_reports_unreachable_service() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    embedder = OpenAICompatibleEmbedder("http://e", "m", transport=httpx.MockTransport(refuse))
    with pytest.raises(EmbeddingError, match="无法连接向量服务"):
        embedder.embed_documents(["问题"])


def test_openai_embedder_reports_a_timeout() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    embedder = OpenAICompatibleEmbedder("http://e", "m", transport=httpx.MockTransport(slow))
    with pytest.raises(EmbeddingError, match="超时"):
        embedder.embed_query("问题")


@pytest.mark.parametrize(
    "reply",
    [{"object": "list"}, {"data": [{"index": 0}]}, {"data": []}],
    ids=["no-data", "no-embedding", "too-few"],
)
def test_openai_embedder_rejects_malformed_replies(reply: dict) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=reply))
    embedder = OpenAICompatibleEmbedder("http://e", "m", transport=transport)
    with pytest.raises(EmbeddingError, match="向量服务"):
        embedder.embed_query("问题")


# --- local sentence-transformers ---


def test_sentence_transformer_missing_package_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # makes the import fail
    with pytest.raises(EmbeddingError, match=r"pip install 'applicant-bot\[local-embeddings\]'"):
        SentenceTransformerEmbedder(tmp_path)


def test_sentence_transformer_encodes_normalised_vectors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[dict] = []

    class FakeModel:
        def __init__(self, path: str, device: str | None = None) -> None:
            self.path = path

        def encode(self, texts: list[str], batch_size: int, normalize_embeddings: bool) -> np.ndarray:
            calls.append({"texts": texts, "normalize": normalize_embeddings, "path": self.path})
            return np.array([[1.0, 0.0]] * len(texts))

    monkeypatch.setitem(
        sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=FakeModel)
    )
    (tmp_path / "config.json").write_text('{"hidden_size": 2}')
    embedder = SentenceTransformerEmbedder(tmp_path)
    assert embedder.embed_documents(["甲", "乙"]) == [[1.0, 0.0], [1.0, 0.0]]
    assert embedder.embed_query("丙") == [1.0, 0.0]
    assert calls[0] == {"texts": ["甲", "乙"], "normalize": True, "path": str(tmp_path)}
    before = embedder.signature
    (tmp_path / "config.json").write_text('{"hidden_size": 3}')
    assert embedder.signature != before  # another model in the same folder needs a re-embed


def test_sentence_transformer_requires_an_existing_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(
        sys.modules, "sentence_transformers", types.SimpleNamespace(SentenceTransformer=object)
    )
    with pytest.raises(EmbeddingError, match="找不到本地向量模型目录"):
        SentenceTransformerEmbedder(tmp_path / "missing")


# --- factory ---


def test_make_embedder_defaults_to_char_ngrams() -> None:
    assert isinstance(make_embedder(EmbeddingsConfig()), CharNgramEmbedder)


def test_make_embedder_builds_the_openai_client() -> None:
    requests: list[httpx.Request] = []
    config = EmbeddingsConfig(kind="openai", base_url="http://e/v1", model="m")
    embedder = make_embedder(config, transport=_fake_service(requests))
    assert embedder.embed_query("ab") == [2.0, 0.0]
    assert str(requests[0].url) == "http://e/v1/embeddings"


@pytest.mark.parametrize(
    ("config", "missing"),
    [
        (EmbeddingsConfig(kind="openai", model="m"), "base_url"),
        (EmbeddingsConfig(kind="openai", base_url="http://e"), "model"),
        (EmbeddingsConfig(kind="local"), "model_dir"),
    ],
)
def test_make_embedder_names_the_missing_setting(config: EmbeddingsConfig, missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        make_embedder(config)
