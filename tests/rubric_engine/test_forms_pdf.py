"""PDF through LibreOffice: a real conversion when soffice is installed, and every way it can fail."""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

import rubric_engine
from rubric_engine import PdfConversionError, docx_to_pdf, find_soffice, render_form_pdf


def fake_soffice(folder: Path, script: str) -> str:
    path = folder / "soffice"
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan may wait as a zombie for a container's init to reap it)."""
    status = Path(f"/proc/{pid}/stat")
    if status.parent.parent.is_dir() and Path("/proc/self").exists():
        return status.exists() and status.read_text().split(") ", 1)[1][0] != "Z"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed on this machine")
def test_filled_form_converts_to_a_pdf_that_shows_the_form() -> None:
    rubric = rubric_engine.load_rubric("qinghai-2025-star")
    result = rubric_engine.assess(rubric, [item.allowed_scores[-1] for item in rubric.items], {})
    pdf = render_form_pdf(rubric, result, {"姓名": "卓玛", "单位": "西宁市某服务中心"})
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert rubric.title in text
    assert "卓玛" in text and "西宁市某服务中心" in text
    assert "审核意见" in text and "盖章" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) / 72 * 2.54, 1), round(float(height) / 72 * 2.54, 1)) == (21.0, 29.7)


def test_missing_libreoffice_is_reported_in_chinese(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_soffice() is None
    with pytest.raises(PdfConversionError, match="没有安装LibreOffice"):
        docx_to_pdf(b"PK")


def test_failing_libreoffice_reports_its_last_error_line(tmp_path: Path) -> None:
    soffice = fake_soffice(tmp_path, 'echo "Error: source file could not be loaded" >&2; exit 1')
    with pytest.raises(
        PdfConversionError, match="LibreOffice未能生成PDF：Error: source file could not be loaded"
    ):
        docx_to_pdf(b"PK", soffice=soffice)


def test_hanging_libreoffice_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    # The launcher starts a child that would outlive it, like soffice -> soffice.bin.
    soffice = fake_soffice(tmp_path, f"sleep 30 & echo $! > {marker}; wait")
    with pytest.raises(PdfConversionError, match="超时"):
        docx_to_pdf(b"PK", soffice=soffice, timeout=1)
    assert not running(int(marker.read_text()))


def test_conversion_runs_with_its_own_profile_and_font_aliases(tmp_path: Path) -> None:
    record = tmp_path / "args.txt"
    script = (
        f'printf "%s\\n" "$@" > {record}; cat "$FONTCONFIG_FILE" >> {record}; '
        'out=""; prev=""; for a in "$@"; do [ "$prev" = "--outdir" ] && out="$a"; prev="$a"; done; '
        'printf "%%PDF-fake" > "$out/form.pdf"'
    )
    assert docx_to_pdf(b"PK", soffice=fake_soffice(tmp_path, script)) == b"%PDF-fake"
    recorded = record.read_text(encoding="utf-8")
    assert "-env:UserInstallation=file://" in recorded and "--headless" in recorded
    assert "<family>宋体</family>" in recorded and "<family>黑体</family>" in recorded


def _compact(text: str) -> str:
    return re.sub(r"[ \u3000\t]+", "", text)


@pytest.mark.skipif(
    find_soffice() is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice (soffice) or poppler (pdftoppm) is not installed",
)
@pytest.mark.parametrize(
    "rubric_id", ["lianyungang-2016-team", "lianyungang-2016-star", "qinghai-2025-manager"]
)
def test_pdf_layout_keeps_marks_whole_and_repeats_names_on_continued_pages(
    rubric_id: str, tmp_path: Path
) -> None:
    rubric = rubric_engine.load_rubric(rubric_id)
    result = rubric_engine.assess(rubric, [item.allowed_scores[-1] for item in rubric.items], {})
    pdf = render_form_pdf(rubric, result)
    (tmp_path / "form.pdf").write_bytes(pdf)
    # Rendered to PNG, one image per page (kept in tmp_path to look at when this fails).
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(tmp_path / "form.pdf"), str(tmp_path / "page")], check=True
    )
    pages = [_compact(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(sorted(tmp_path.glob("page-*.png"))) == len(pages) >= 2
    whole = "\n".join(pages)
    # No point mark wraps inside: "（13-" at a line's end, "16分）" at the next one's start.
    assert not re.search(r"（[\d-]*\n[\d-]*分）", whole)
    for item in rubric.items:
        printed = [(level.text + (level.printed_points or level.points)) for level in item.levels]
        assert all(re.sub(r"\s", "", text) in re.sub(r"\s", "", whole) for text in printed)
    # Every page that shows a band of an item also shows the item's (and its 评审项目's) name.
    for category in rubric.categories:
        for item in category.items:
            for number, page in enumerate(pages, start=1):
                flat = re.sub(r"\s", "", page)
                if any(re.sub(r"\s", "", level.text)[:10] in flat for level in item.levels):
                    assert re.sub(r"\s", "", item.name)[:8] in flat, (item.id, number)
                    assert category.name in flat, (category.id, number)
