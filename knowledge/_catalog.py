"""The optional ``catalog.yaml`` of a notice folder: what staff registered for each file."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge._models import Catalog, DocumentMeta
from knowledge._numerals import DATE_PATTERN, read_date

CATALOG_NAME = "catalog.yaml"

_DOC_NUMBER_RE = re.compile(r"[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号$")
_APPENDIX_RE = re.compile(r"^附\s*件\s*[\d\-－]*\s*[:：]?$")
_WORD_RE = re.compile(r"\w")
# What a notice's own text says about it (general conventions of Chinese official documents, not
# about one corpus): the document number line "鄂质协〔2026〕7号", a sign-off date on its own line
# ("二oo九年十二月十一日", "2022年8月15日"), the issuing bodies on the lines just above it, and the
# award year and region in the title ("关于开展2008年度四川省…的通知").
_DOC_NUMBER_LINE_RE = re.compile(
    r"^\s*[\u4e00-\u9fff]{2,12}\s*[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*[号號]\s*$"
)
_TITLE_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年度?")
# The region a title names, after its year: 湖北省, 柳州市, 苏州工业园区, 广西壮族自治区.
_TITLE_REGION_RE = re.compile(
    r"(?:19|20)\d\d\s*年度?\s*[“\"《]?([\u4e00-\u9fff]{2,10}?(?:自治区|特别行政区|省|市|自治州|州|盟|县|区|旗))"
)
_ISSUER_LINE_RE = re.compile(r"^[\u4e00-\u9fff（）()\s]{4,80}$")
# A line shaped as an official document's title ("关于开展…的通知", "…管理办法"): it beats a
# letterhead or issuer line printed above it ("重庆市质量协会", "厦门市质量协会文件").
_TITLE_SHAPE_RE = re.compile(r"^关于.{4,}|.{4,}(?:通知|办法|细则|方案|意见|决定|公告|通告|规定|标准)$")
_TITLE_LOOKAHEAD = 8  # meaningful lines read for a title-shaped one
_BREADCRUMB_RE = re.compile(r"\s[>＞»›]\s")
EXAMPLES_KIND = "examples"  # catalog `kind` of sample write-ups: rules of no programme


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
            f"{path}: 顶层应为 `documents:` 列表，每项至少包含 file（另可有 title、 programme、region、"
            "published、issuer、kind、doc_number）。"
        )
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as error:
        problems = "；".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()[:5]
        )
        raise CatalogError(f"{path}: 条目不符合要求（{problems}）。每项至少需要 file。") from error
    files = [doc.file for doc in catalog.documents]
    duplicates = sorted({file for file in files if files.count(file) > 1})
    if duplicates:
        raise CatalogError(f"{path}: 同一文件登记了多次：{'、'.join(duplicates)}。每个文件只能登记一次。")
    return catalog


def first_meaningful_line(text: str) -> str | None:
    """The line that reads as the title: the first title-shaped one among the first meaningful
    lines, else the first meaningful one (not a document number, an appendix marker or a mark)."""
    meaningful: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip().lstrip("#").strip()
        if not line or not _WORD_RE.search(line) or "\t" in raw:
            continue
        if _DOC_NUMBER_RE.search(line) or _APPENDIX_RE.match(line) or _BREADCRUMB_RE.search(line):
            continue  # a web page's "首页 > 通知公告" names the site's section, not the notice
        meaningful.append(line)
        if len(meaningful) >= _TITLE_LOOKAHEAD:
            break
    shaped = [line for line in meaningful if _TITLE_SHAPE_RE.match(line)]
    # "关于开展…的通知" over any other line that merely ends like a title
    about = [line for line in shaped if line.startswith("关于")]
    for line in (*about, *shaped, *meaningful[:1]):
        return line[:120]
    return None


def meta_for(path: Path, text: str, catalog: Catalog) -> DocumentMeta:
    """The catalog entry of a file, completed from the text where the catalog is silent."""
    return complete_meta(path, text, catalog.by_file().get(path.name))


def complete_meta(path: Path, text: str, registered: DocumentMeta | None) -> DocumentMeta:
    """`registered` (the file's catalog entry) with every field it does not set read from the text:
    title, document number, issuer, region, publication date. A field the entry sets, even to null
    ("published: null # not stated"), is kept. A file the catalog does not list at all is a
    programme of its own, named by the file (staff add a notice by adding its file); so is a listed
    file whose entry names no programme, unless it says so (`programme: null`) or is a write-up."""
    if registered is None:
        registered = DocumentMeta(file=path.name, title="", programme=path.stem)
    elif "programme" not in registered.model_fields_set and registered.kind != EXAMPLES_KIND:
        registered = registered.model_copy(update={"programme": path.stem})
    given = registered.model_fields_set if registered.title else registered.model_fields_set - {"title"}
    read = read_meta(text)
    read.setdefault("title", path.stem)
    update = {field: value for field, value in read.items() if field not in given}
    if "programme_year" not in given and registered.year_from_programme() is not None:
        update.pop("programme_year", None)  # the programme id names the year ("sichuan-2008-...")
    return registered.model_copy(update=update)


def read_meta(text: str) -> dict[str, object]:
    """What a notice's text says about itself (see the patterns above); absent fields are left out."""
    lines = [line.strip() for line in text.split("\n")]
    found: dict[str, object] = {}
    title = first_meaningful_line(text)
    if title:
        found["title"] = title
        if year := _TITLE_YEAR_RE.search(title):
            found["programme_year"] = int(year.group(1))
        if region := _TITLE_REGION_RE.search(title):
            found["region"] = region.group(1)
    for line in lines[:8]:
        if _DOC_NUMBER_LINE_RE.match(line):
            found["doc_number"] = line
            break
    for number, line in enumerate(lines):
        match = DATE_PATTERN.fullmatch(line)
        signed = read_date(match, None) if match and match.group(1) else None
        if signed is None:
            continue
        found["published"] = signed
        issuers: list[str] = []
        for above in reversed(lines[max(0, number - 4) : number]):
            if not above:
                if issuers:
                    break
                continue
            if not _ISSUER_LINE_RE.match(above):
                break
            issuers[:0] = above.split()
        if issuers:
            found["issuer"] = "、".join(issuers)
        break  # the first sign-off is the notice's own (a forwarded notice's comes after it)
    return found
