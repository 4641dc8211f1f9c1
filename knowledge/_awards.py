"""Award names, in one place: what a programme awards, read from its notice's title.

A programme's awards come from its title, not from a list: the name in quotes
(“连云港市用户满意服务之星” -> 用户满意服务之星), else the title's core between its year and place
and the words that frame a notice (关于开展…工作的通知). `GENERIC_AWARD_PATTERN` is the one pattern
for award names that questions use without naming a programme: it is about the award programmes of
Chinese quality associations in general (programmes' own names come from their titles).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Domain vocabulary (quality-association awards in general, not one corpus): the user-satisfaction
# award names applicants write in questions. Group 2 / 4 is the short form they also use alone.
GENERIC_AWARD_PATTERN = re.compile(
    r"(用户满意)?(服务之星|服务明星)(称号|活动|创建活动|评选)?|用户满意(等级评价)|用户满意服务|用户满意"
)
# Quoted names in a title: “…” / "…"; 《…》 holds a forwarded notice's own title.
_QUOTED = re.compile(r"[“\"]([^”\"]{3,40})[”\"]")
_FORWARDED = re.compile(r"《([^》]{6,80})》")
# General Chinese notice framing around an award name.
_FRAME_HEAD = re.compile(r"^(?:关于)?(?:转发)?(?:组织)?(?:开展|申报|推荐|推选|创建|评选)*")
_FRAME_TAIL = re.compile(
    r"(?:创建|推荐|推选|评选|(?<!等级)评价|申报)?(?:活动|工作)?(?:的)?"
    r"(?:通知|办法|细则|申报材料|管理办法|实施方案)?$"
)
_YEAR = re.compile(r"(?:19|20)\d\d\s*年度?")
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")
# An administrative place at the start of a name: 宁波市, 四川省, 苏州工业园区, 广西壮族自治区.
_LEADING_PLACE = re.compile(
    r"^[\u4e00-\u9fff]{2,10}?(?:自治区|特别行政区|省|市|自治州|州|盟|县|区|旗)(?=用户|质量|服务|优秀|标杆)"
)
_SPLIT = re.compile(r"及|和|与|、")


def awards_in_title(title: str) -> list[str]:
    """The award names a notice's title gives: “宁波市用户满意服务之星” -> [用户满意服务之星];
    "2025年青海省用户满意等级评价及用户满意服务之星申报材料" -> [用户满意等级评价, 用户满意服务之星]."""
    forwarded = _FORWARDED.search(title)
    if forwarded:
        return awards_in_title(forwarded.group(1))
    cores = [m.group(1) for m in _QUOTED.finditer(title)]
    if not cores:
        year = _YEAR.search(title)
        cores = [_FRAME_HEAD.sub("", title[year.end() :] if year else title)]
    names: list[str] = []
    for core in cores:
        core = _FRAME_TAIL.sub("", _BRACKETED.sub("", _YEAR.sub("", core))).strip()
        for part in _SPLIT.split(core):
            name = _FRAME_TAIL.sub("", _LEADING_PLACE.sub("", part.strip()))
            if len(name) >= 4 and name not in names:
                names.append(name)
    generic = [_short_form(m) for m in GENERIC_AWARD_PATTERN.finditer(title)]
    return _longest(names or generic)


def _short_form(match: re.Match[str]) -> str:
    return match.group(0) if not match.group(3) else match.group(0)[: -len(match.group(3))]


def _longest(names: Iterable[str]) -> list[str]:
    unique = list(dict.fromkeys(names))
    return [a for a in unique if not any(a != b and a in b for b in unique)]
