"""Yes or no first, when the quoted rule settles it (precision first: otherwise no verdict).

A verdict is given only when the question asks for permission ("能/可以…吗") or obligation
("要不要/需要…吗"), and one clause of the quoted sentence holds exactly one modal of the matching
kind ("不得/不可/可以/允许" or "须/必须/无需/不需要") and covers every key term of the question. The
modal words are general Chinese, not about one corpus. Measured over every question set before it was
switched on (see README, "Yes or no first").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Verdict = Literal["可以。", "不可以。", "需要。", "不需要。"]

# How the question asks: permission or obligation.
_ASKS_PERMISSION = re.compile(
    r"能不能|可不可以|可以不|行不行|能否|可否|允许|(?:可以|能|可)[\u4e00-\u9fff]{0,12}[吗么]"
)
_ASKS_OBLIGATION = re.compile(
    r"要不要|需不需要|用不用|是否(?:需要|要|必须|须)|(?:需要|必须|须|得|要)[\u4e00-\u9fff]{0,12}[吗么]"
)
# A question that is itself negative ("不交可以吗", "没评上能报吗") turns the rule's yes into no.
_NEGATIVE_QUESTION = re.compile(r"(?<![能可要需用行是])不(?![不能可要需用行是])|没有?|未")
# The modals of a rule, each with what it answers.
_FORBIDS = re.compile(r"不得|不可以|不可|不能|不允许|不予|禁止|严禁|不接受")
_ALLOWS = re.compile(r"(?<![不无])(?:可以|允许)")
_REQUIRES = re.compile(r"(?<![无不])(?:必须|须|应当)")
_EXEMPTS = re.compile(r"无需|无须|不需要|不必|不用")
_CLAUSE_END = re.compile(r"[，,；;。！？!?：:\n]")


def yes_no_verdict(question: str, key_terms: Sequence[str], sentence: str) -> Verdict | None:
    """ "不可以。" for "2020年评上了还能报吗" and "…本年度不得以同一类别重复申报。"; None unless
    the rule settles it."""
    asked = _ASKS_PERMISSION.sub("", _ASKS_OBLIGATION.sub("", question))  # "能不能" is not a negation
    if not key_terms or _NEGATIVE_QUESTION.search(asked):
        return None
    permission = bool(_ASKS_PERMISSION.search(question))
    obligation = bool(_ASKS_OBLIGATION.search(question))
    if permission == obligation:
        return None  # neither, or both ("能不能不交，要不要补"): no single verdict
    verdicts: set[Verdict] = set()
    for clause in _CLAUSE_END.split(sentence):
        if not all(term in clause for term in key_terms):
            continue
        if permission:
            forbids, allows = bool(_FORBIDS.search(clause)), bool(_ALLOWS.search(clause))
            if forbids != allows:
                verdicts.add("不可以。" if forbids else "可以。")
        else:
            requires, exempts = bool(_REQUIRES.search(clause)), bool(_EXEMPTS.search(clause))
            if requires != exempts:
                verdicts.add("需要。" if requires else "不需要。")
    return verdicts.pop() if len(verdicts) == 1 else None
