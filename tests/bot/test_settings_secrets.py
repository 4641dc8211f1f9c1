"""API keys are SecretStr in settings: masked when settings are printed, plain only where they are sent."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot._wiring import knowledge_config
from bot.settings import Settings


def test_api_keys_are_secret_and_reach_the_config_in_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPLICANT_BOT_LLM_API_KEY", "sk-llm-secret")
    monkeypatch.setenv("APPLICANT_BOT_EMBEDDINGS_API_KEY", "sk-embed-secret")
    monkeypatch.setenv("APPLICANT_BOT_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("APPLICANT_BOT_LLM_MODEL", "m")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert isinstance(settings.llm_api_key, SecretStr)
    assert isinstance(settings.embeddings_api_key, SecretStr)
    shown = repr(settings) + str(settings.model_dump())
    assert "sk-llm-secret" not in shown and "sk-embed-secret" not in shown
    config = knowledge_config(settings)
    assert config.llm is not None and config.llm.api_key == "sk-llm-secret"
    assert config.embeddings.api_key == "sk-embed-secret"


def test_unset_keys_stay_none() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    config = knowledge_config(settings)
    assert settings.llm_api_key is None and config.embeddings.api_key is None
