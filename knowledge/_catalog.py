"""The optional ``catalog.yaml`` of a notice folder: what staff registered for each file."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge._models import Catalog, DocumentMeta

CATALOG_NAME = "catalog.yaml"

_DOC_NUMBER_RE = re.compile(r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号$")
_APPENDIX_RE = re.compile(r"^附\s*件\s*[\d\-－]*\s*[:：]?$")
_WORD_RE = re.compile(r"\w")


class CatalogError(ValueError):
    """catalog.yaml exists but cannot be used; the message names the file and the problem."""


def load_catalog(folder: Path) -> Catalog:
    """The catalog of `folder`; an empty catalog when there is no catalog.yaml."""
    path = Path(folder) / CATALOG_NAME
    if not path.is_file():
        return Catalog()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogError(f"{path}: 无法读取（{error}）。请保存为 UTF-8 编码的 YAML 文件。") from error
    except yaml.YAMLError as error:
        raise CatalogError(f"{path}: 不是有效的 YAML（{error}）。") from error
    if raw is None:
        return Catalog()
    if not isinstance(raw, dict) or not isinstance(raw.get("documents", []), list):
        raise CatalogError(
            f"{path}: 顶层应为 `documents:` 列表，每项至少包含 file 和 title（另可有 programme、region、"
            "published、issuer、kind、doc_number）。"
        )
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as error:
        problems = "；".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()[:5]
        )
        raise CatalogError(f"{path}: 条目不符合要求（{problems}）。每项需要 file 和 title。") from error
    files = [doc.file for doc in catalog.documents]
    duplicates = sorted({file for file in files if files.count(file) > 1})
    if duplicates:
        raise CatalogError(f"{path}: 同一文件登记了多次：{'、'.join(duplicates)}。每个文件只能登记一次。")
    return catalog


def first_meaningful_line(text: str) -> str | None:
    """The first line that reads as a title: not a document number, an appendix marker or a mark."""
    for raw in text.split("\n"):
        line = raw.strip().lstrip("#").strip()
        if not line or not _WORD_RE.search(line) or "\t" in raw:
            continue
        if _DOC_NUMBER_RE.search(line) or _APPENDIX_RE.match(line):
            continue
        return line[:120]
    return None


def meta_for(path: Path, text: str, catalog: Catalog) -> DocumentMeta:
    """The catalog entry of a file, or one whose title is the file's first meaningful line."""
    registered = catalog.by_file().get(path.name)
    if registered is not None:
        return registered
    return DocumentMeta(file=path.name, title=first_meaningful_line(text) or path.stem)
