"""Find, load and validate the rubric YAML files shipped in ``rubric_engine/rubrics/``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from rubric_engine._models import Rubric

RUBRICS_DIR = Path(__file__).parent / "rubrics"


class RubricNotFoundError(KeyError):
    """No rubric with this id; ``str()`` lists the ids that exist."""

    def __init__(self, rubric_id: str, known: list[str]) -> None:
        super().__init__(rubric_id)
        self.rubric_id = rubric_id
        self.known = known

    def __str__(self) -> str:
        return f"没有id为「{self.rubric_id}」的自评表；可用的有：{'、'.join(self.known)}"


class RubricFileError(ValueError):
    """A rubric file that is not valid YAML or does not validate; the message names the file."""


def list_rubrics() -> list[str]:
    """The ids of the shipped rubrics, sorted."""
    return sorted(path.stem for path in RUBRICS_DIR.glob("*.yaml"))


def load_rubric_file(path: Path | str) -> Rubric:
    """Load and validate one rubric YAML file; its ``id`` must equal the file name's stem."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RubricFileError(f"{path.name}: YAML格式错误：{error}") from error
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as error:
        raise RubricFileError(f"{path.name}: {error}") from error
    if rubric.id != path.stem:
        raise RubricFileError(f"{path.name}: id「{rubric.id}」与文件名不一致")
    return rubric


@cache
def load_rubric(rubric_id: str) -> Rubric:
    """The shipped rubric with this id (validated once, then cached: rubrics are immutable)."""
    known = list_rubrics()
    if rubric_id not in known:
        raise RubricNotFoundError(rubric_id, known)
    return load_rubric_file(RUBRICS_DIR / f"{rubric_id}.yaml")
