"""Which level of body a question asks about, and which a sentence speaks of: province, city, county.

A forwarding notice carries two bodies' rules: the city's deadline and contact in its letter, the
province's in the notice it forwards ("交到市质协最迟几号" asks for the city's; "要省里的不要市里的"
for the province's). The level is read from general Chinese administrative words, never from a
notice's names: 省/自治区, 市/市州/州, 县/区, before 质协, 质量协会, 协会 or (in a question) 里.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from knowledge._tokenize import dictionary_counties

# level -> the words that name it before a body or 里 ("省里", "株洲市质量协会").
_LEVELS = {"province": ("自治区", "省"), "city": ("市州", "市", "州"), "county": ("县", "区")}
_LEVEL_OF = {word: level for level, words in _LEVELS.items() for word in words}
_LEVEL_WORDS = "|".join(sorted(_LEVEL_OF, key=len, reverse=True))
_BODY = r"(?:质协|质量协会|质量管理协会|协会)"
# In a rule: the last level word before an association, a few characters of its name between
# ("报送省质量协会", "洛阳市质量技术协会", "各省辖市质量协会" is the cities').
_IN_SENTENCE = re.compile(f"({_LEVEL_WORDS})(?:级)?(?:[^\\W省市县区州]{{0,4}}?)协会")
# In a question, also the colloquial "省里的"; never 级 alone ("省级荣誉", "县级的算不算": an honour's
# level, no body).
_IN_QUESTION = re.compile(f"({_LEVEL_WORDS})(?:里的?|(?:的)?{_BODY})")
_REFUSALS = r"(?:不要|不是|别|非|不找)"
_REFUSED = re.compile(f"{_REFUSALS}$")  # "不要市里的": not that level
_REFUSAL = re.compile(f"{_REFUSALS}(?:{_LEVEL_WORDS})(?:里|级)?的?(?:{_BODY})?的?")


# The body material is sent to: the one a deadline belongs to ("各市质量管理协会请于…报送省推选活动
# 办公室" is the province's deadline, though it names the cities' associations first).
_RECEIVER = re.compile(
    r"(?:报送|上报|报至|送至|送交|交到|交至|寄至|寄到|寄送|提交)(?:至|到|给)?[^，。；,;]{0,8}?"
    f"({_LEVEL_WORDS})" + r"[^，。；,;\s省市县区州]{0,8}?(?:协会|质协|办公室|小组|工作部|中心)"
)


@lru_cache(maxsize=8192)
def sentence_levels(text: str) -> frozenset[str]:
    """The levels of the bodies a sentence speaks of: those it sends material to when it sends any
    ("各市州质量协会…报送省质量协会": the province), else every body it names."""
    receivers = frozenset(_LEVEL_OF[m.group(1)] for m in _RECEIVER.finditer(text))
    return receivers or frozenset(_LEVEL_OF[m.group(1)] for m in _IN_SENTENCE.finditer(text))


def _asked(question: str) -> list[re.Match[str]]:
    """The question's mentions of a body's level, but those it turns down ("不要市里的")."""
    return [
        match
        for match in _IN_QUESTION.finditer(question)
        if not _REFUSED.search(question[max(0, match.start() - 2) : match.start()])
    ]


def asked_levels(question: str) -> frozenset[str]:
    """The levels of body the question asks about; a level it turns down is not one."""
    return frozenset(_LEVEL_OF[match.group(1)] for match in _asked(question))


def asked_body(question: str, places: Sequence[str]) -> str:
    """How the question names the body it asks about ("武汉市质量协会", "市质协"), for a reply that
    says the notices give none for it; "" when it names none."""
    for match in _asked(question):
        before = question[: match.start()]
        place = next((p for p in places if before.endswith(p)), "")
        return place + match.group(0).rstrip("的")
    return ""


def spoken_levels(sentence: str, line_above: str) -> frozenset[str]:
    """The levels a sentence speaks of; a contact line without any, those of the line above it."""
    return sentence_levels(sentence) or sentence_levels(line_above)


def body_fit(asked: frozenset[str], spoken: frozenset[str]) -> float:
    """+1 when the sentence speaks only of the levels asked, -1 when only of others, else 0."""
    if not asked or not spoken:
        return 0.0
    if spoken <= asked:
        return 1.0
    return 0.0 if spoken & asked else -1.0


def refused_spans(question: str) -> list[tuple[int, int]]:
    """Where the question turns a level down ("不要市里的"): words that name what is not asked."""
    return [match.span() for match in _REFUSAL.finditer(question)]


# A district's or county's own body in a rule ("报送朝阳区质量协会").
_COUNTY_BODY = re.compile(r"([\u4e00-\u9fff]{2,4}?[区县])(?:质量管理协会|质量协会|质协|协会|总工会)")


def county_bodies(text: str) -> frozenset[str]:
    """The districts and counties whose bodies a sentence names (朝阳区), not 各区 or 县（区）."""
    names = (_county_name(m.group(1)) for m in _COUNTY_BODY.finditer(text))
    return frozenset(name for name in names if name)


def _county_name(captured: str) -> str | None:
    """The district's name at the end of what the pattern caught from its left ("报送朝阳区" ->
    朝阳区): jieba's county names where one ends there; None for 各区, 本区."""
    if captured[-2] in "各本我全该":
        return None
    counties = dictionary_counties()
    return next((captured[-n:] for n in (5, 4, 3) if captured[-n:] in counties), captured[-3:])
