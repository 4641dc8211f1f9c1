from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.settings import ENV_PREFIX, Settings, settings_table

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def test_readme_documents_every_setting() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [env for env, _default, _help in settings_table() if f"`{env}`" not in readme]
    assert missing == [], f"README.md does not document: {missing}"


def test_every_setting_has_help_text() -> None:
    assert all(help_text.strip() for _env, _default, help_text in settings_table())


def test_environment_variables_use_one_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("APPLICANT_BOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("APPLICANT_BOT_TODAY", "2016-09-01")
    settings = Settings()
    assert settings.index_dir == tmp_path / "data" / "index"
    assert settings.effective_today() == date(2016, 9, 1)
    assert not settings.llm_configured


def test_notices_flag_beats_environment_beats_sample(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from_env = tmp_path / "env-notices"
    from_flag = tmp_path / "flag-notices"
    monkeypatch.setenv("APPLICANT_BOT_NOTICES", str(from_env))
    settings = Settings()
    assert settings.resolved_notices(from_flag) == from_flag
    assert settings.resolved_notices() == from_env


def test_llm_needs_both_url_and_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPLICANT_BOT_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    assert not Settings().llm_configured
    monkeypatch.setenv("APPLICANT_BOT_LLM_MODEL", "qwen2.5")
    assert Settings().llm_configured
