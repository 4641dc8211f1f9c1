"""Read notice files (.txt .docx .pdf .html/.htm .md) into normalised text.

Every format is rendered into the layout of the association's .txt exports, so that one chunker
handles all of them: one paragraph a line; a table as one ``\\t``-prefixed cell per line (a cell's
further lines follow without a tab), a blank line between rows, and a vertically merged cell as an
empty cell; headings that carry no numbering of their own become markdown ``#`` markers.
"""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from knowledge._catalog import load_catalog, meta_for
from knowledge._chunking import starts_with_numbering
from knowledge._models import DocumentMeta
from knowledge._normalize import normalize_document

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm", ".md")
_TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


class DocumentLoadError(Exception):
    """A notice file that cannot be read; the message names the file and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


def list_notice_files(folder: Path) -> list[Path]:
    """The notice files directly in `folder`, sorted; catalog.yaml, hidden and temporary files skipped,
    and a folder's README (notes about the folder, not a notice)."""
    files = []
    for path in Path(folder).iterdir():
        name = path.name
        if name.startswith((".", "~")) or name.endswith(("~", ".tmp")) or not path.is_file():
            continue  # hidden files, Office lock files (~$x.docx), editor backups
        if path.stem.upper() == "README":
            continue
        if path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
    return sorted(files, key=lambda p: p.name)


def read_document(path: Path) -> str:
    """The normalised text of one notice file; `DocumentLoadError` when it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    readers = {
        ".txt": _read_txt,
        ".md": _read_markdown,
        ".docx": _read_docx,
        ".pdf": _read_pdf,
        ".html": _read_html,
        ".htm": _read_html,
    }
    reader = readers.get(suffix)
    if reader is None:
        allowed = " ".join(SUPPORTED_SUFFIXES)
        raise DocumentLoadError(path, f"不支持的文件类型 {suffix or '（无扩展名）'}；支持 {allowed}。")
    try:
        raw = reader(path)
    except DocumentLoadError:
        raise
    except OSError as error:
        raise DocumentLoadError(path, f"无法打开文件（{error.strerror or error}）。") from error
    except Exception as error:  # the parsers raise many kinds of errors on damaged files
        detail = f"{type(error).__name__}: {error}"
        raise DocumentLoadError(path, f"文件已损坏或格式不对，无法解析（{detail}）。") from error
    text = normalize_document(raw)
    if not re.search(r"\w", text):
        raise DocumentLoadError(path, "文件中没有可读取的文字。")
    return text


def load_notices(
    folder: Path,
) -> tuple[list[tuple[Path, DocumentMeta, str]], list[tuple[Path, str]]]:
    """Read every notice of `folder` with its catalog entry.

    Returns the loaded documents as (path, meta, normalised text) and the skipped files as
    (path, reason). A broken catalog.yaml raises `CatalogError`: the metadata would be wrong.
    """
    folder = Path(folder)
    catalog = load_catalog(folder)
    loaded: list[tuple[Path, DocumentMeta, str]] = []
    skipped: list[tuple[Path, str]] = []
    for path in list_notice_files(folder):
        try:
            text = read_document(path)
        except DocumentLoadError as error:
            logger.warning("skipping %s", error)
            skipped.append((path, str(error)))
            continue
        loaded.append((path, meta_for(path, text, catalog), text))
    present = {path.name for path in list_notice_files(folder)}
    for doc in catalog.documents:
        if doc.file not in present:
            logger.warning("catalog.yaml lists %s, which is not in %s", doc.file, folder)
    return loaded, skipped


# ---------------------------------------------------------------------------------------------
# .txt and .md


def _read_txt(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode": UTF-16 with a BOM
        return data.decode("utf-16")
    for encoding in _TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentLoadError(path, "文字编码无法识别；请保存为 UTF-8 或 GB18030/GBK 编码。")


_MD_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_MD_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_MD_BULLET_RE = re.compile(r"^\s*(?:[-*+]|>+)\s+")


def _read_markdown(path: Path) -> str:
    return _markdown_to_layout(_read_txt(path))


def _markdown_to_layout(text: str) -> str:
    """Markdown -> the export layout: headings stay ``#`` markers, pipe tables become cell lines."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    out: list[str] = []
    in_table = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            continue
        if _MD_TABLE_RULE_RE.match(stripped) and "-" in stripped:
            continue
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            cells = [cell.strip() for cell in stripped.strip("|").split("|")]
            if in_table:
                out.append("")  # a blank line between rows
            out.extend("\t" + _markdown_inline(cell) for cell in cells)
            in_table = True
            continue
        if in_table:
            out.extend(["", ""])  # two blank lines end a table
            in_table = False
        out.append(_markdown_inline(stripped if stripped.startswith("#") else _MD_BULLET_RE.sub("", line)))
    return "\n".join(out)


def _markdown_inline(text: str) -> str:
    text = _MD_IMAGE_RE.sub(r"\1", text)
    text = _MD_LINK_RE.sub(r"\1 (\2)", text)
    return _MD_EMPHASIS_RE.sub(r"\2", text)


# ---------------------------------------------------------------------------------------------
# .docx


def _read_docx(path: Path) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(_docx_paragraph(block))
        elif isinstance(block, Table):
            lines.extend(["", *_docx_table(block), "", ""])
    return "\n".join(lines)


def _docx_paragraph(paragraph) -> str:
    text = paragraph.text.strip()
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    match = re.match(r"^(?:Heading|标题)\s*(\d)$", style)
    if text and match and not starts_with_numbering(text):
        return "#" * int(match.group(1)) + " " + text
    return text


def _docx_table(table) -> list[str]:
    """One ``\\t`` line per cell, a blank line between rows; vertically merged cells left empty."""
    from docx.table import _Cell

    lines: list[str] = []
    for row_index, tr in enumerate(table._tbl.tr_lst):
        if row_index:
            lines.append("")
        for tc in tr.tc_lst:
            if tc.vMerge == "continue":  # the lower part of a merged cell: empty, as in the exports
                lines.append("\t")
                continue
            cell = _Cell(tc, table)
            paragraphs = [p.text.strip() for p in cell.paragraphs]
            nested = [line for inner in cell.tables for line in _docx_table(inner) if line.strip()]
            text_lines = [p for p in paragraphs if p] + [line.strip() for line in nested]
            lines.append("\t" + (text_lines[0] if text_lines else ""))
            lines.extend(text_lines[1:])
    return lines


# ---------------------------------------------------------------------------------------------
# .pdf


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentLoadError(path, "PDF 已加密，无法读取；请提供未加密的文件。")
    pages = [_unwrap_lines(page.extract_text() or "") for page in reader.pages]
    text = "\n".join(pages)
    if not re.search(r"\w", text):
        reason = "PDF 中没有可提取的文字（可能是扫描件）；请提供文字版 PDF、Word 或 TXT。"
        raise DocumentLoadError(path, reason)
    return text


_SENTENCE_END = "。！？；：:!?;”）)"


def _unwrap_lines(page: str) -> str:
    """Rejoin the visual lines of a PDF page into paragraphs: a full-width line that does not end a
    sentence continues on the next one, unless that one opens a numbered heading."""
    lines = [line.rstrip() for line in page.split("\n")]
    widths = sorted(len(line) for line in lines if line.strip())
    if not widths:
        return page
    full = widths[int(len(widths) * 0.8)]
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        wrapped = (
            previous
            and len(previous) >= 0.85 * full
            and previous[-1] not in _SENTENCE_END
            and line.strip()
            and not starts_with_numbering(line)
        )
        if wrapped:
            joiner = " " if previous[-1].isascii() and line.strip()[0].isascii() else ""
            out[-1] = previous + joiner + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# .html / .htm


def _read_html(path: Path) -> str:
    parser = _LayoutHTMLParser()
    parser.feed(_read_txt(path))
    parser.close()
    return parser.text()


class _LayoutHTMLParser(HTMLParser):
    """HTML -> the export layout (stdlib parser): scripts dropped, blocks on their own lines."""

    _SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "template", "head"}
    _BLOCKS: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "nav",
        "blockquote",
        "pre",
        "hr",
        "dl",
        "dt",
        "dd",
        "address",
        "figure",
        "figcaption",
        "form",
        "body",
    }
    _HEADINGS: ClassVar[dict[str, int]] = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.heading: int | None = None
        self.table_depth = 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.row_spans: dict[int, int] = {}  # column -> rows still covered by a rowspan above
        # Open lists, innermost last: an <ol>'s items so far, None for a <ul>. An item of an <ol>
        # is numbered as a browser shows it ("1."), so the chunker reads it as a list item.
        self.lists: list[int | None] = []
        self.item_number: str | None = None

    # paragraph text outside tables
    def _flush(self) -> None:
        text = re.sub(r"[ \t\r\f\v]+", " ", "".join(self.current)).strip()
        self.current = []
        if not text:
            return
        if self.heading and not starts_with_numbering(text):
            text = "#" * self.heading + " " + text
        if self.item_number is not None and not starts_with_numbering(text):
            text = self.item_number + text
        self.item_number = None
        self.lines.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "table":
            self.table_depth += 1
            if self.table_depth == 1:
                self._flush()
                self.rows, self.row_spans = [], {}
            return
        if self.table_depth == 1 and tag == "tr":
            self.rows.append([])
            self._fill_spanned()
            return
        if self.table_depth == 1 and tag in ("td", "th"):
            if not self.rows:
                self.rows.append([])
            self._fill_spanned()
            self.cell = []
            span = dict(attrs).get("rowspan") or "1"
            if span.isdigit() and int(span) > 1:
                self.row_spans[len(self.rows[-1])] = int(span) - 1
            return
        if self.cell is not None:
            if tag in self._BLOCKS or tag in self._HEADINGS:
                self.cell.append("\n")
            return
        if tag in self._HEADINGS:
            self._flush()
            self.heading = self._HEADINGS[tag]
        elif tag in self._BLOCKS:
            self._flush()
        if tag in ("ol", "ul"):
            self.lists.append(0 if tag == "ol" else None)
        elif tag == "li" and self.lists and self.lists[-1] is not None:
            self.lists[-1] += 1
            self.item_number = f"{self.lists[-1]}."

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "table":
            self.table_depth = max(0, self.table_depth - 1)
            if self.table_depth == 0:
                self._end_cell()
                self._emit_table()
            return
        if self.table_depth == 1 and tag in ("td", "th"):
            self._end_cell()
            return
        if self.table_depth == 1 and tag == "tr":
            self._end_cell()
            self._fill_spanned()
            return
        if self.cell is not None:
            if tag in self._BLOCKS or tag in self._HEADINGS:
                self.cell.append("\n")
            return
        if tag in self._HEADINGS:
            self._flush()
            self.heading = None
        elif tag in self._BLOCKS:
            self._flush()
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.table_depth == 0:
            self.current.append(data)

    def _fill_spanned(self) -> None:
        """Empty cells where a rowspan from above covers the next column."""
        row = self.rows[-1]
        while self.row_spans.get(len(row), 0) > 0:
            self.row_spans[len(row)] -= 1
            row.append("")

    def _end_cell(self) -> None:
        if self.cell is None:
            return
        parts = [re.sub(r"\s+", " ", part).strip() for part in "".join(self.cell).split("\n")]
        self.rows[-1].append("\n".join(part for part in parts if part))
        self.cell = None

    def _emit_table(self) -> None:
        self.lines.append("")
        for index, row in enumerate(row for row in self.rows if row):
            if index:
                self.lines.append("")
            for cell in row:
                first, *rest = cell.split("\n") if cell else [""]
                self.lines.append("\t" + first)
                self.lines.extend(rest)
        self.lines.extend(["", ""])
        self.rows = []

    def text(self) -> str:
        self._flush()
        return "\n".join(self.lines)
