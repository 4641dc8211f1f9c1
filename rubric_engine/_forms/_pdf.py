"""Convert a completed form (.docx bytes) to PDF with LibreOffice, when it is installed.

Each conversion runs ``soffice --headless --convert-to pdf`` in its own temporary directory with its own
profile (``-env:UserInstallation``), so concurrent conversions and a user's open LibreOffice do not
collide, under a timeout. A fontconfig file made for the run maps 宋体/黑体 to the CJK fonts found on
the machine (Noto CJK on Linux servers), so the PDF shows serif body text and a sans-serif title as
Word would with SimSun/SimHei.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PdfConversionError", "docx_to_pdf", "find_soffice"]

DEFAULT_TIMEOUT_SECONDS = 120.0
_CANDIDATES = ("soffice", "libreoffice")
# Families we alias the Chinese font names to, best first; fontconfig skips the ones not installed.
_SERIF_CJK = ("SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN", "Noto Sans CJK SC")
_SANS_CJK = ("SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Noto Serif CJK SC")


class PdfConversionError(RuntimeError):
    """LibreOffice is missing, failed or timed out; the message (Chinese) says what to do."""


def find_soffice() -> str | None:
    """Path of the LibreOffice executable on PATH (``soffice``, else ``libreoffice``), or None."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _alias(family: str, preferred: tuple[str, ...]) -> str:
    prefer = "".join(f"<family>{name}</family>" for name in preferred)
    return f'<alias binding="strong"><family>{family}</family><prefer>{prefer}</prefer></alias>'


def _fontconfig_file(directory: Path) -> Path:
    aliases = "".join(
        [
            _alias("宋体", _SERIF_CJK),
            _alias("SimSun", _SERIF_CJK),
            _alias("黑体", _SANS_CJK),
            _alias("SimHei", _SANS_CJK),
        ]
    )
    system = os.environ.get("FONTCONFIG_FILE", "/etc/fonts/fonts.conf")
    include = f'<include ignore_missing="yes">{system}</include>' if Path(system).is_file() else ""
    path = directory / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig>{include}{aliases}</fontconfig>",
        encoding="utf-8",
    )
    return path


def docx_to_pdf(
    docx: bytes, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, soffice: str | None = None
) -> bytes:
    """The PDF rendering of ``docx``. Raises PdfConversionError (Chinese message) when it cannot."""
    executable = soffice or find_soffice()
    if executable is None:
        raise PdfConversionError(
            "无法生成PDF：本机没有安装LibreOffice（找不到soffice命令）。"
            "请安装LibreOffice（如 apt-get install libreoffice-writer fonts-noto-cjk）后重试，"
            "或直接使用生成的.docx文件打印。"
        )
    with tempfile.TemporaryDirectory(prefix="applicant-bot-pdf-") as temp:
        work = Path(temp)
        source = work / "form.docx"
        source.write_bytes(docx)
        profile = work / "profile"
        environment = {**os.environ, "HOME": str(work), "FONTCONFIG_FILE": str(_fontconfig_file(work))}
        command = [
            executable,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            # A session of its own, so a timeout can stop soffice.bin as well as the launcher.
            process = subprocess.Popen(
                command,
                cwd=work,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as error:
            raise PdfConversionError(f"无法启动LibreOffice（{executable}）：{error}") from error
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfConversionError(
                f"生成PDF超时（LibreOffice超过{timeout:g}秒未完成），请稍后重试。"
            ) from error
        target = work / "form.pdf"
        if process.returncode != 0 or not target.is_file():
            detail = (stderr or stdout).decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail else f"退出码{process.returncode}"
            raise PdfConversionError(f"LibreOffice未能生成PDF：{reason}")
        return target.read_bytes()
