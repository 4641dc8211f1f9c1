"""A weighted total the notice defines, worked out for the applicant's own figures.

Notices combine scores by a formula ("综合得分=材料评审得分×30%+现场评审得分×50%+第三方满意度测评得分
×20%"), and applicants ask what theirs comes to ("材料评审62分 现场90分 满意度测评85分 能评上吗"). The
formula's terms are matched to the figures the question gives by their names (the characters they
share), one figure to each term; only when every term has a figure is the total worked out. The
words are general Chinese notation (=, ×, %, +), not about one notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORMULA = re.compile(r"(?P<total>[\u4e00-\u9fff]{2,10})\s*[=＝]\s*(?P<terms>[^。；;\n]+)")
_TERM = re.compile(
    r"(?P<label>[\u4e00-\u9fffA-Za-z（）()]{2,24}?)\s*[×xX*]\s*(?P<weight>\d+(?:\.\d+)?)\s*(?P<percent>[%％])?"
)
# "材料评审62分", "现场90", "第三方测量84分": a name, a filler verb, the figure.
_FIGURE = re.compile(
    r"(?P<label>[\u4e00-\u9fff]{2,12}?)(?:得分|得了|打了|拿了|是|为|有|得)?\s*(?P<value>\d+(?:\.\d+)?)\s*分?"
)
_SCORE_SUFFIX = re.compile(r"(?:得分|分数|分)$")
_MIN_SHARED = 2  # characters a term's name and a figure's must share


@dataclass(frozen=True)
class WeightedTotal:
    total_name: str  # 综合得分
    parts: tuple[tuple[float, float], ...]  # (the applicant's figure, its weight as a fraction)
    weights_written: tuple[str, ...]  # the weights as the notice writes them ("30%")

    @property
    def value(self) -> float:
        return sum(figure * weight for figure, weight in self.parts)

    def worked(self) -> str:
        """综合得分＝62×30%＋90×50%＋85×20%＝80.6分"""
        terms = "＋".join(
            f"{_number(f)}×{w}" for (f, _), w in zip(self.parts, self.weights_written, strict=True)
        )
        return f"{self.total_name}＝{terms}＝{_number(round(self.value, 2))}分"


def weighted_total(question: str, sentence: str) -> WeightedTotal | None:
    """The total `sentence`'s formula gives for the figures `question` names, or None when the
    sentence has no weighted formula or a term has no figure of its own."""
    formula = _FORMULA.search(sentence)
    if formula is None:
        return None
    terms = [
        (
            _SCORE_SUFFIX.sub("", m.group("label")) or m.group("label"),
            m.group("weight"),
            bool(m.group("percent")),
        )
        for m in _TERM.finditer(formula.group("terms"))
    ]
    if len(terms) < 2:
        return None
    figures = [(m.group("label"), float(m.group("value"))) for m in _FIGURE.finditer(question)]
    assigned: dict[int, float] = {}
    used: set[int] = set()
    # Best-sharing pairs first, each term and each figure used once.
    pairs = sorted(
        (
            (_shared(label, name), t, f)
            for t, (label, _, _) in enumerate(terms)
            for f, (name, _) in enumerate(figures)
        ),
        reverse=True,
    )
    for shared, t, f in pairs:
        if shared < _MIN_SHARED or t in assigned or f in used:
            continue
        assigned[t] = figures[f][1]
        used.add(f)
    if len(assigned) < len(terms):
        return None
    parts = tuple(
        (assigned[t], float(weight) / 100.0 if percent else float(weight))
        for t, (_, weight, percent) in enumerate(terms)
    )
    written = tuple(f"{weight}%" if percent else weight for _, weight, percent in terms)
    return WeightedTotal(formula.group("total"), parts, written)


def _shared(a: str, b: str) -> int:
    """The length of the longest run of characters both names hold (材料评审 in 材料评审得分)."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
