"""The CI entry point runs checks that cannot be skipped away: mypy, and the corpus tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import missing_corpus
from tests.services import running_under_ci

REPO = Path(__file__).resolve().parents[1]


def _run_pytest_in_copy(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    """Runs one trivial test under a copy of tests/conftest.py (and what it imports) in a checkout with no
    ../shared beside it."""
    repo = tmp_path / "checkout" / "repo"
    (repo / "tests").mkdir(parents=True)
    for name in ("__init__.py", "conftest.py", "services.py"):
        shutil.copy(REPO / "tests" / name, repo / "tests" / name)
    trivial = "def test_nothing():\n    assert True\n"
    (repo / "tests" / "test_trivial.py").write_text(trivial, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_corpus_fails_the_run_under_ci(tmp_path: Path) -> None:
    outcome = _run_pytest_in_copy(tmp_path, "true")
    assert outcome.returncode != 0, outcome.stdout
    assert "sample corpus is missing" in outcome.stdout + outcome.stderr


def test_missing_corpus_only_skips_locally(tmp_path: Path) -> None:
    outcome = _run_pytest_in_copy(tmp_path, None)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("TRUE", True), ("", False)])
def test_ci_variable(value: str, expected: bool) -> None:
    assert running_under_ci({"CI": value}) is expected


def test_missing_corpus_lists_both_files(tmp_path: Path) -> None:
    assert [path.name for path in missing_corpus(tmp_path)] == ["catalog.yaml", "qa_public.jsonl"]


def test_ci_runs_mypy_over_the_project_packages() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = script.strip().splitlines()[-1]
    assert "ruff check . && mypy && pytest" in command
    assert 'CI="${CI:-true}"' in script
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["mypy"]["packages"] == ["bot", "knowledge", "rubric_engine", "conversations"]
    test_extra = config["project"]["optional-dependencies"]["test"]
    assert any(requirement.startswith("mypy>=") for requirement in test_extra)
