"""The completed self-assessment form: .docx like the official table, chat text, PDF via LibreOffice."""

from __future__ import annotations

from collections.abc import Mapping

from rubric_engine._forms._build import FormFieldError, form_layout, resolve_fields
from rubric_engine._forms._docx import render_docx
from rubric_engine._forms._pagination import apply_fixes, layout_fixes, page_texts
from rubric_engine._forms._pdf import DEFAULT_TIMEOUT_SECONDS, PdfConversionError, docx_to_pdf, find_soffice
from rubric_engine._forms._text import render_text
from rubric_engine._models import AssessmentResult, Rubric

_LAYOUT_PASSES = 4

__all__ = [
    "FormFieldError",
    "PdfConversionError",
    "docx_to_pdf",
    "find_soffice",
    "render_form_docx",
    "render_form_pdf",
    "render_form_text",
    "resolve_fields",
]


def render_form_docx(
    rubric: Rubric, result: AssessmentResult, fields: Mapping[str, str] | None = None
) -> bytes:
    """The official table of ``rubric`` filled with ``result`` as .docx bytes.

    ``fields`` fills the header blanks by printed label or field id (姓名=张三); values are sanitised.
    Raises FormFieldError for a field the form does not have or one computed by the engine (自评总分).
    """
    return render_docx(form_layout(rubric, result, fields))


def render_form_text(
    rubric: Rubric, result: AssessmentResult, fields: Mapping[str, str] | None = None
) -> str:
    """The completed assessment as compact plain text for chat."""
    return render_text(rubric, result, fields)


def render_form_pdf(
    rubric: Rubric,
    result: AssessmentResult,
    fields: Mapping[str, str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> bytes:
    """The completed form as PDF; PdfConversionError (Chinese) when LibreOffice is missing or fails.

    The PDF is read back after each rendering: a point mark LibreOffice wrapped inside ("（13-⏎16分）")
    moves to a line of its own, and an item or 评审项目 continued on a new page repeats its name there
    with "（续）"; then it is rendered again (at most ``_LAYOUT_PASSES`` renderings in all).
    """
    layout = form_layout(rubric, result, fields)
    pdf = docx_to_pdf(render_docx(layout), timeout=timeout)
    for _ in range(_LAYOUT_PASSES - 1):
        fixes = layout_fixes(layout, page_texts(pdf))
        if not fixes:
            break
        layout = apply_fixes(layout, fixes)
        pdf = docx_to_pdf(render_docx(layout), timeout=timeout)
    return pdf
