"""What knowledge/ needs to know about its environment, independent of how bot/ reads settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel


class EmbeddingsConfig(BaseModel):
    kind: Literal["char-ngram", "openai", "local"] = "char-ngram"
    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    model_dir: Path | None = None


class LLMConfig(BaseModel):
    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 20.0


class KnowledgeConfig(BaseModel):
    index_dir: Path
    chroma_host: str | None = None
    chroma_port: int = 8000
    embeddings: EmbeddingsConfig = EmbeddingsConfig()
    llm: LLMConfig | None = None  # None: extractive answers only
    today: date | None = None  # None: the system date
