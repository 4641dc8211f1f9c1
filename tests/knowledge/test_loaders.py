"""Loading notice folders: every supported format reads into the same layout, broken files are
skipped with a reason, and the catalog supplies each file's programme metadata."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from knowledge import (
    CatalogError,
    DocumentLoadError,
    chunk_document,
    evidence_in_text,
    list_notice_files,
    load_catalog,
    load_notices,
    read_document,
)
from knowledge._models import DocumentMeta

META = DocumentMeta(file="x", title="x")


def section_of(text: str, evidence: str) -> str:
    found = [c for c in chunk_document(text, META) if evidence_in_text(evidence, c.text)]
    assert len(found) == 1, evidence
    return found[0].section


# --- listing ------------------------------------------------------------------------------------


def test_listing_keeps_supported_notices_sorted_and_skips_the_rest(tmp_path: Path) -> None:
    for name in [
        "b.docx",
        "a.txt",
        "c.PDF",
        "d.html",
        "e.htm",
        "f.md",
        "catalog.yaml",
        ".hidden.txt",
        "~$b.docx",
        "notes.txt~",
        "sheet.xlsx",
        "g.tmp",
        "README.md",  # staff's notes about the folder: not a notice, never cited
        "readme.txt",
    ]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub.txt").mkdir()
    assert [p.name for p in list_notice_files(tmp_path)] == [
        "a.txt",
        "b.docx",
        "c.PDF",
        "d.html",
        "e.htm",
        "f.md",
    ]


# --- .txt ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_text_files_in_common_chinese_encodings_read_alike(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "notice.txt"
    path.write_bytes("關於申報工作的通知\n申報截止時間:2016年9月10日。\n".encode(encoding))
    assert read_document(path) == "关于申报工作的通知\n申报截止时间：2016年9月10日。\n"


def test_an_empty_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(" \n\n", encoding="utf-8")
    with pytest.raises(DocumentLoadError, match=r"empty\.txt"):
        read_document(path)


# --- .docx --------------------------------------------------------------------------------------


def _rubric_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("活动说明", level=1)
    document.add_paragraph("一、申报要求")
    document.add_paragraph("申报截止时间:2016年9月10日。")
    table = document.add_table(rows=3, cols=3)
    for row, values in enumerate(
        [
            ["评审项目", "评分标准", "评分"],
            ["顾客认可（40分）", "多次得到表扬（1-8分）", ""],
            ["", "获得荣誉称号（9-12分）", ""],
        ]
    ):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    table.cell(1, 0).merge(table.cell(2, 0))
    document.add_paragraph("二、其他事项")
    document.add_paragraph("表格之后的段落。")
    document.save(str(path))


def test_docx_paragraphs_and_tables_read_in_order_in_the_export_layout(tmp_path: Path) -> None:
    path = tmp_path / "notice.docx"
    _rubric_docx(path)
    text = read_document(path)
    lines = text.split("\n")
    assert lines[0] == "# 活动说明"
    assert "申报截止时间：2016年9月10日。" in lines
    first_row = lines.index("\t顾客认可（40分）")
    assert lines[first_row : first_row + 3] == ["\t顾客认可（40分）", "\t多次得到表扬（1-8分）", "\t"]
    merged_row = lines.index("\t获得荣誉称号（9-12分）") - 1
    assert lines[merged_row] == "\t"  # the merged cell is empty, as in the .txt exports
    assert text.index("获得荣誉称号") < text.index("表格之后的段落")


def test_docx_rubric_rows_chunk_like_txt_ones(tmp_path: Path) -> None:
    path = tmp_path / "notice.docx"
    _rubric_docx(path)
    text = read_document(path)
    assert section_of(text, "获得荣誉称号（9-12分）") == "活动说明 › 一、申报要求 › 顾客认可"
    assert section_of(text, "表格之后的段落") == "活动说明 › 二、其他事项"


# --- .pdf ---------------------------------------------------------------------------------------


def _pdf(lines: list[str]) -> bytes:
    """A minimal valid PDF whose text layer holds `lines` (a CID font with a ToUnicode map)."""
    chars = sorted({c for line in lines for c in line})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    content = (
        "BT /F1 12 Tf 14 TL 72 760 Td "
        + " ".join("<" + "".join(f"{cid[c]:04X}" for c in line) + "> Tj T*" for line in lines)
        + " ET"
    )
    cmap = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange",
            f"{len(chars)} beginbfchar",
            *(f"<{cid[c]:04X}> <{ord(c):04X}>" for c in chars),
            "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
        ]
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        f"<< /Length {len(content.encode())} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> >>",
        f"<< /Length {len(cmap.encode())} >>\nstream\n{cmap}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_text_is_read_and_normalised(tmp_path: Path) -> None:
    path = tmp_path / "notice.pdf"
    path.write_bytes(_pdf(["一、申報要求", "申報截止時間:2016年9月10日。"]))
    text = read_document(path)
    assert "申报截止时间：2016年9月10日。" in text
    assert section_of(text, "申报截止时间") == "一、申报要求"


def test_pdf_lines_wrapped_by_the_page_width_are_rejoined(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.pdf"
    path.write_bytes(
        _pdf(["一、申报要求", "申报材料须在规定时间内报送至市质量协会逾期不", "予受理。", "二、其他事项"])
    )
    text = read_document(path)
    assert "申报材料须在规定时间内报送至市质量协会逾期不予受理。" in text.split("\n")
    assert section_of(text, "其他事项") == "二、其他事项"


def test_a_pdf_without_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(_pdf([]))
    with pytest.raises(DocumentLoadError, match=r"scan\.pdf.*扫描件"):
        read_document(path)


# --- .html / .md --------------------------------------------------------------------------------

HTML = """<html><head><title>页面标题</title><style>p { color: red }</style>
<script>var tracking = 1;</script></head><body>
<h2>活动说明</h2><p>一、申报要求</p><p>申报截止时间:2016年9月10日。</p>
<table><tr><th>评审项目</th><th>评分标准</th></tr>
<tr><td rowspan="2">顾客认可（40分）</td><td>多次得到表扬（1-8分）</td></tr>
<tr><td>获得荣誉称号（9-12分）</td></tr></table>
<div>二、其他事项<br>表格之后&amp;段落。</div></body></html>"""


def test_html_drops_scripts_and_keeps_blocks_headings_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "notice.html"
    path.write_text(HTML, encoding="utf-8")
    text = read_document(path)
    assert "tracking" not in text and "color" not in text and "页面标题" not in text
    lines = text.split("\n")
    assert lines[0] == "## 活动说明"
    assert "申报截止时间：2016年9月10日。" in lines and "表格之后&段落。" in lines
    merged = lines.index("\t获得荣誉称号（9-12分）")
    assert lines[merged - 1] == "\t"  # the rowspan leaves an empty cell, as in the .txt exports
    assert section_of(text, "获得荣誉称号（9-12分）") == "活动说明 › 一、申报要求 › 顾客认可"
    assert section_of(text, "表格之后&段落") == "活动说明 › 二、其他事项"


def test_markdown_headings_are_section_markers_and_pipe_tables_become_cells(tmp_path: Path) -> None:
    path = tmp_path / "notice.md"
    path.write_text(
        "# 申报指南\n\n## 申报要求\n\n- 截止时间：**2016年9月10日**\n- 详见[协会网站](http://zlxh.lyg.cn)\n\n"
        "| 项目 | 分值 |\n|---|---|\n| 顾客认可 | 40分 |\n\n## 联系\n\n电话：85807519\n",
        encoding="utf-8",
    )
    text = read_document(path)
    assert "截止时间：2016年9月10日" in text and "协会网站 （http://zlxh.lyg.cn）" in text
    assert "\t顾客认可\n\t40分" in text
    assert section_of(text, "截止时间") == "申报指南 › 申报要求"
    assert section_of(text, "85807519").startswith("申报指南 › 联系")


# --- broken files -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["broken.docx", "broken.pdf"])
def test_a_corrupt_file_raises_a_load_error_naming_it(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(random.Random(7).randbytes(2048))
    with pytest.raises(DocumentLoadError, match=name) as caught:
        read_document(path)
    assert caught.value.path == path and caught.value.reason


def test_an_unsupported_file_type_is_refused_with_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(DocumentLoadError, match=r"\.xlsx.*\.txt .docx .pdf"):
        read_document(path)


# --- catalog ------------------------------------------------------------------------------------


def test_a_folder_without_catalog_has_an_empty_one(tmp_path: Path) -> None:
    assert load_catalog(tmp_path).documents == []


def test_catalog_entries_are_read(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        "documents:\n  - file: a.txt\n    title: 甲通知\n    programme: lianyungang-2016-service-star\n"
        "    region: 江苏省连云港市\n    published: 2016-06-10\n    kind: notice\n",
        encoding="utf-8",
    )
    entry = load_catalog(tmp_path).by_file()["a.txt"]
    assert (entry.title, entry.region, entry.year, entry.kind) == ("甲通知", "江苏省连云港市", 2016, "notice")


def test_a_catalog_entry_with_only_file_and_programme_is_completed_from_the_text(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        "documents:\n  - file: a.txt\n    programme: sc-2008\n"
        "  - file: b.txt\n    title: 乙\n    published: null\n",
        encoding="utf-8",
    )
    (tmp_path / "a.txt").write_text(
        "川质协〔2009〕8号\n\n关于开展2008年度四川省用户满意企业评价工作的通知\n\n正文。\n\n"
        "四川省质量协会\n二oo九年三月十六日\n",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text("乙\n\n正文。\n\n某协会\n2016年6月10日\n", encoding="utf-8")
    loaded, _skipped = load_notices(tmp_path)
    metas = {path.name: meta for path, meta, _text in loaded}
    sichuan = metas["a.txt"]
    assert sichuan.title == "关于开展2008年度四川省用户满意企业评价工作的通知"
    assert (sichuan.doc_number, sichuan.issuer, sichuan.region) == (
        "川质协〔2009〕8号",
        "四川省质量协会",
        "四川省",
    )
    assert (sichuan.published, sichuan.year) == (
        date(2009, 3, 16),
        2008,
    )  # the award year, not the print date
    assert metas["b.txt"].published is None  # "published: null" in the catalog is kept


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("documents: [file: a.txt\n", "YAML"),
        ("- a.txt\n- b.txt\n", "documents"),
        ("documents:\n  - title: 甲\n", "file"),
        ("documents:\n  - file: a.txt\n    title: 甲\n  - file: a.txt\n    title: 乙\n", "a.txt"),
    ],
)
def test_an_invalid_catalog_names_the_file_and_the_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    (tmp_path / "catalog.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert "catalog.yaml" in str(caught.value) and problem in str(caught.value)


# --- whole folders ------------------------------------------------------------------------------


def test_load_notices_reads_catalogued_and_uncatalogued_files_and_skips_broken_ones(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        "documents:\n  - file: a.txt\n    title: 甲通知\n    programme: p-2016-x\n", encoding="utf-8"
    )
    (tmp_path / "a.txt").write_text("甲通知正文。", encoding="utf-8")
    (tmp_path / "b.txt").write_text("连质协〔2016〕21号\n\n关于开展乙活动的通知\n正文。", encoding="utf-8")
    (tmp_path / "c.docx").write_bytes(b"not a zip file")
    loaded, skipped = load_notices(tmp_path)
    metas = {path.name: meta for path, meta, _text in loaded}
    assert metas["a.txt"].programme == "p-2016-x" and metas["a.txt"].year == 2016
    assert metas["b.txt"].title == "关于开展乙活动的通知"
    # Not in the catalog: a programme of its own, its document number read from the text.
    assert (metas["b.txt"].programme, metas["b.txt"].region, metas["b.txt"].year) == ("b", None, None)
    assert metas["b.txt"].doc_number == "连质协〔2016〕21号"
    assert [(path.name, "c.docx" in reason) for path, reason in skipped] == [("c.docx", True)]


def test_the_sample_corpus_loads_with_its_catalog(sample_corpus) -> None:
    metas = {path.name: meta for path, meta, _text in sample_corpus}
    assert len(metas) == 5
    assert metas["lianyungang-2016-service-star.txt"].programme == "lianyungang-2016-service-star"
    assert metas["jiangsu-changzhou-2011-service-star.txt"].year == 2011
    assert metas["service-star-example-deeds.txt"].kind == "examples"


def test_a_notice_listed_with_only_its_file_is_a_programme_titled_from_its_text(tmp_path: Path) -> None:
    """Staff register a new notice by its file alone: it is still a programme of its own, and its
    title is the "关于…的通知" line, not the issuer's letterhead printed above it."""
    (tmp_path / "catalog.yaml").write_text(
        "documents:\n  - file: cq.txt\n  - file: deeds.txt\n    kind: examples\n"
        "  - file: misc.txt\n    programme: null\n",
        encoding="utf-8",
    )
    (tmp_path / "cq.txt").write_text(
        "渝质协〔2022〕3号\n\n重庆市质量协会\n关于开展2021年度重庆市用户满意服务标杆评选工作的通知\n\n正文。\n",
        encoding="utf-8",
    )
    (tmp_path / "deeds.txt").write_text("服务明星事迹材料范文\n\n正文。\n", encoding="utf-8")
    (tmp_path / "misc.txt").write_text("说明\n\n正文。\n", encoding="utf-8")
    loaded, _skipped = load_notices(tmp_path)
    metas = {path.name: meta for path, meta, _text in loaded}
    assert metas["cq.txt"].title == "关于开展2021年度重庆市用户满意服务标杆评选工作的通知"
    assert (metas["cq.txt"].programme, metas["cq.txt"].year) == ("cq", 2021)
    assert metas["deeds.txt"].programme is None  # a write-up is no programme's rules
    assert metas["misc.txt"].programme is None  # "programme: null" in the catalog is kept


LIST_HTML = """<html><body>
<h2>申报材料</h2>
<ol><li>申报表一份；</li><li>班组事迹材料；</li><li>3.用户满意度测评报告。</li></ol>
<p>注意事项</p>
<ul><li>材料用A4纸打印</li><li>加盖公章</li></ul>
</body></html>"""


def test_an_html_ordered_lists_items_are_numbered_as_a_browser_shows_them(tmp_path: Path) -> None:
    path = tmp_path / "notice.html"
    path.write_text(LIST_HTML, encoding="utf-8")
    lines = read_document(path).split("\n")
    assert "1.申报表一份；" in lines and "2.班组事迹材料；" in lines
    assert "3.用户满意度测评报告。" in lines  # an item that numbers itself is not numbered twice
    # a bulleted list has no numbers to show
    assert "材料用A4纸打印" in lines and "加盖公章" in lines
