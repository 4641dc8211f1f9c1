"""Applicant-provided text made safe for a form: no control, format-override or XML-invalid characters.

python-docx escapes ``<``/``&`` itself (lxml), so markup in a value stays literal text; what lxml
cannot store (NUL, most C0 controls, lone surrogates, U+FFFE/U+FFFF) would raise or corrupt the file,
and bidi overrides could make a printed name read differently from what was typed. Those go.
"""

from __future__ import annotations

import re

__all__ = ["clean_text"]

# C0/C1 controls, bidi embeddings/overrides/isolates, BOM/zero-width no-break, noncharacters, surrogates.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]"
)
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029\x85]+")
_SPACES = re.compile(r" {2,}")


def clean_text(value: str, *, max_length: int = 200, single_line: bool = True) -> str:
    """``value`` with unsafe characters removed, runs of spaces collapsed and line breaks folded.

    No Unicode normalisation: NFC would turn CJK compatibility ideographs in a name into other code points.

    Longer values are cut at ``max_length`` characters (a name or unit never needs more; a form cell
    would overflow).
    """
    text = value
    if single_line:
        text = _LINE_BREAKS.sub(" ", text)
    text = _UNSAFE.sub("", text)
    # Characters outside the Basic Multilingual Plane are kept: rare CJK names (e.g. 𠮷) live in plane 2.
    text = _SPACES.sub(" ", text).strip()
    return text[:max_length]
