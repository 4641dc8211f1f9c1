"""Which programme(s) a question is about, and whether it names a place or year the corpus lacks.

The programmes come from the catalog (one entry per notice file). Each gets the places it is
*about* (the place named in its title and the most specific unit of its region: 连云港 for the
Lianyungang notice, 江苏 and 常州 for the Jiangsu notice forwarded by Changzhou) and the province
that merely *contains* it (江苏 for Lianyungang). A question naming 连云港 means the Lianyungang
programme; naming 江苏 means the programme about Jiangsu, not every programme inside Jiangsu; naming
苏州 (a Jiangsu city no programme is about) means the provincial Jiangsu programme, whose awards are
open to Suzhou applicants. A place or year that no programme covers (北京, 2030年) is *uncovered*:
the answer must then come from a passage that itself mentions it, else the question is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge._awards import awards_in_title
from knowledge._models import Catalog, DocumentMeta
from knowledge._numerals import YEAR_DIGITS, to_int
from knowledge._tokenize import dictionary_counties

REGIONS_PATH = Path(__file__).parent / "data" / "regions.yaml"

# "连质协〔2016〕21号" -> 连质协; "苏经信科技[2011]682号" -> 苏经信科技.
DOC_PREFIX_PATTERN = re.compile(r"^\s*([\u4e00-\u9fff]{2,})\s*[〔\[［(（【]")
# A four-digit year, not part of a longer number, a range's second half ("2008-2009") or an amount
# ("2000字", "2012万元").
YEAR_PATTERN = re.compile(
    r"(?<![\d.\-/－~～])(19[5-9]\d|20\d\d)(?![\d.%％]|\s*[字个元万千百分人名份号米倍项次天])\s*(年度|年)?"
)
# One administrative unit of a catalog region: "江苏省" / "海安市" / "玉树州" / "内蒙古自治区".
ADMIN_UNIT_PATTERN = re.compile(r"(?P<name>.+?)(?:特别行政区|自治区|自治州|自治县|地区|省|市|州|盟|县|区|旗)")
# 二〇一六年 / 二○一一年 / 二oo九年: a year written digit by digit (see knowledge/_numerals.py).
CHINESE_YEAR_PATTERN = re.compile(rf"(?<![{YEAR_DIGITS}A-Za-z])([{YEAR_DIGITS}]{{4}})\s*(年度|年)")
# General Chinese honours and titles that carry a place word: 全国五一劳动奖章, 浙江省劳动模范,
# 江苏省三八红旗手, 全国青年文明号. A place written straight before one (级 and up to four characters
# between) names the honour, not a programme or a region the question is about.
HONOUR_AFTER_PLACE = re.compile(
    r"(?:省|市|区|县)?级?[\u4e00-\u9fff]{0,4}?"
    r"(?:劳动奖章|劳动模范|劳模|红旗手|文明号|文明岗|先锋号|先进个人|先进集体|先进工作者|荣誉称号|奖章|标兵)"
)
# A year the applicant won or held something in ("2020年度已经评上", "2022年评上过", "2019年获得"):
# the asker's history, not the edition asked about, so never scope (general Chinese verbs).
PAST_HONOUR_AFTER_YEAR = re.compile(
    r"[\u4e00-\u9fff]{0,3}?(?:已经|已|曾经|曾)?(?:评上|获得|获评|荣获|被评为|评为|拿到|拿过|得过|获过|评过|入选)"
)
# A year of the asker's own story ("2014年底在苏州注册的", "2016年到连云港开了分公司"): when the
# company was founded or the asker started, never an edition (general Chinese verbs).
STORY_AFTER_YEAR = re.compile(
    r"[\u4e00-\u9fff]{0,5}?(?:注册|成立|开业|入职|参加工作|毕业|出生|开了|组建|上岗|建成|投产|调入|调到)"
)
# An issuing body: its place, its trade, its kind (福建省 电力 行业协会).
_ISSUER_SEPARATOR = re.compile(r"[、，,;；\s]+")
_ISSUER_KIND = re.compile(r"(?:行业)?(?:协会|学会|商会|联合会)$")
# 州 last: "扬州市水务" is 扬州市's, not 扬州's 市水务; "广州电力" is 广州's.
_ISSUER_PLACE = re.compile(r"^[\u4e00-\u9fff]{1,10}?(?:特别行政区|自治区|自治州|省|市|盟|县|区|旗)")
_ISSUER_PREFECTURE = re.compile(r"^[\u4e00-\u9fff]{1,10}?州")
RELATIVE_YEARS = {"今年": 0, "本年度": 0, "明年": 1, "去年": -1, "前年": -2, "后年": 2}


class ProvinceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    full: str
    cities: list[str] = Field(default_factory=list)


class RegionTable(BaseModel):
    """Provinces and their cities, from ``data/regions.yaml``."""

    model_config = ConfigDict(extra="forbid")

    provinces: list[ProvinceEntry]
    ambiguous: list[str] = Field(default_factory=list)
    suffixes: list[str] = Field(default_factory=list)
    # Words for the whole country (全国): a scope like a place, covered only by a national programme.
    national: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_are_unique(self) -> RegionTable:
        seen: dict[str, str] = {}
        for province in self.provinces:
            # A city may share its own province's name (吉林), nothing else may repeat.
            for name in _unique([province.name, *province.cities]):
                if name in seen:
                    raise ValueError(f"地名重复：{name}（{seen[name]} 与 {province.name}）")
                seen[name] = province.name
        unknown = [name for name in self.ambiguous if name not in seen]
        if unknown:
            raise ValueError(f"ambiguous 中的地名不在省市表里：{unknown}")
        return self

    @classmethod
    def load(cls, path: Path = REGIONS_PATH) -> RegionTable:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))

    def including(self, places: Mapping[str, str]) -> RegionTable:
        """This table plus the corpus's own places ({name: province}), so a place a programme is about
        (a county-level city such as 海安, a 州 such as 玉树) is always recognised in a question, even
        where the national table lacks it or lists it as ambiguous."""
        key = tuple(sorted(places.items()))
        cache: dict[tuple[tuple[str, str], ...], RegionTable] = self.__dict__.setdefault("_including", {})
        if key not in cache:
            provinces = [entry.model_copy(deep=True) for entry in self.provinces]
            by_name = {entry.name: entry for entry in provinces}
            known = {name for entry in provinces for name in (entry.name, *entry.cities)}
            for name, province in places.items():
                if name in known:
                    continue
                if province in by_name:
                    by_name[province].cities.append(name)
                else:
                    provinces.append(ProvinceEntry(name=name, full=name))
                known.add(name)
            cache[key] = RegionTable(
                provinces=provinces,
                ambiguous=[name for name in self.ambiguous if name not in places],
                suffixes=self.suffixes,
                national=self.national,
            )
        return cache[key]

    def province_of(self, name: str) -> str | None:
        """The province a place belongs to (a province belongs to itself)."""
        return self._index()[0].get(name)

    def is_province(self, name: str) -> bool:
        return name in self._index()[1]

    def find_national(self, text: str) -> list[tuple[str, int]]:
        """The words for the whole country in `text` (全国), with where they start."""
        found: list[tuple[str, int]] = []
        for name in sorted(self.national, key=len, reverse=True):
            position = text.find(name)
            if position >= 0 and not any(s <= position < s + len(n) for n, s in found):
                found.append((name, position))
        return found

    def find(self, text: str) -> list[PlaceMention]:
        """Places named in `text`, left to right, longest name first (连云港 before 云港)."""
        province_of, provinces, pattern = self._index()
        ambiguous = set(self.ambiguous)
        found: list[PlaceMention] = []
        for match in pattern.finditer(text):
            name, suffix = match.group("name"), match.group("suffix") or ""
            if name in ambiguous and not suffix:
                continue
            found.append(
                PlaceMention(
                    name=name,
                    province=province_of[name],
                    is_province=name in provinces,
                    surface=match.group(0),
                    start=match.start(),
                    end=match.end(),
                )
            )
        return found

    def _index(self) -> tuple[dict[str, str], frozenset[str], re.Pattern[str]]:
        cached = self.__dict__.get("_cached_index")
        if cached is None:
            province_of: dict[str, str] = {}
            for province in self.provinces:
                province_of[province.name] = province.name
                for city in province.cities:
                    province_of.setdefault(city, province.name)
            names = sorted(province_of, key=len, reverse=True)
            suffixes = sorted(self.suffixes, key=len, reverse=True)
            pattern = re.compile(
                "(?P<name>"
                + "|".join(map(re.escape, names))
                + ")"
                + "(?P<suffix>"
                + "|".join(map(re.escape, suffixes))
                + ")?"
            )
            cached = (province_of, frozenset(p.name for p in self.provinces), pattern)
            self.__dict__["_cached_index"] = cached
        return cached


class PlaceMention(BaseModel):
    name: str  # short name: 连云港
    province: str  # its province: 江苏 (a province is its own)
    is_province: bool
    surface: str  # as written: 连云港市
    start: int
    end: int


class YearMention(BaseModel):
    year: int
    surface: str
    start: int
    end: int
    relative: bool = False  # 今年, 明年: the applicant means "the current notice", not a year


class Programme(BaseModel):
    """One award programme of the corpus, as the scope resolver and the answers label it."""

    id: str
    label: str  # short, for answers: 连云港2016
    title: str
    issuer: str | None = None
    year: int | None = None  # of the award: 2008 for a notice published in 2009 about the 2008 award
    published_years: list[int] = Field(default_factory=list)  # when its notices were published
    places: list[str] = Field(default_factory=list)  # what it is about: [连云港] / [江苏, 常州]
    provinces: list[str] = Field(default_factory=list)  # containing provinces not in `places`: [江苏]
    awards: list[str] = Field(default_factory=list)  # 用户满意服务之星...
    doc_prefixes: list[str] = Field(default_factory=list)  # 连质协, 苏经信科技
    files: list[str] = Field(default_factory=list)

    @property
    def display(self) -> str:
        """As applicants name it in the programme list: place, year and award (连云港2016年用户满意服务之星;
        广东用户满意服务明星 when the notices give no year)."""
        if not self.awards:
            return self.label
        return f"{self.label}{'年' if self.year else ''}{'、'.join(self.awards)}"


class Mention(BaseModel):
    """A place or year named in the question that no programme of the corpus covers."""

    kind: Literal["place", "year", "national"]
    text: str  # as it must appear in a supporting passage: 北京 / 2026


class Scope(BaseModel):
    """What the question is about, as far as the corpus is concerned."""

    programmes: list[str] = Field(default_factory=list)  # ids to search; empty: the whole corpus
    how: Literal["requested", "named", "open"] = "open"
    places: list[str] = Field(default_factory=list)  # every place named, short names
    years: list[int] = Field(default_factory=list)  # every year named
    uncovered: list[Mention] = Field(default_factory=list)
    # Where the question names places, years, document numbers: not key terms (uncovered ones are
    # added back as bare names: 上海, 2006).
    mention_spans: list[tuple[int, int]] = Field(default_factory=list)
    # Districts and counties named that neither the region table nor a programme knows ("海淀区的
    # 单位"): the applicant's own, whose body a district's notice (朝阳区's) does not speak for.
    counties: list[str] = Field(default_factory=list)

    @property
    def out_of_corpus(self) -> bool:
        return bool(self.uncovered)


@lru_cache(maxsize=1)
def default_regions() -> RegionTable:
    return RegionTable.load()


def programmes_from_catalog(catalog: Catalog, regions: RegionTable | None = None) -> list[Programme]:
    """One `Programme` per programme id of the catalog (files sharing an id are merged)."""
    regions = regions or default_regions()
    merged: dict[str, Programme] = {}
    for doc in catalog.documents:
        if not doc.programme:
            continue
        programme = _programme_from_document(doc, regions)
        if doc.programme in merged:
            merged[doc.programme] = _merge(merged[doc.programme], programme)
        else:
            merged[doc.programme] = programme
    return list(merged.values())


def _programme_from_document(doc: DocumentMeta, regions: RegionTable) -> Programme:
    title_places = _unique(place.name for place in regions.find(doc.title))
    region_places = _region_places(doc.region or "", regions)
    places = _unique([*title_places, *region_places[-1:]])
    # "北京市朝阳区": the district of 北京, not 辽宁's city of that name; a region that starts with its
    # province says which province its places are in.
    enclosing = region_places[0] if region_places and regions.is_province(region_places[0]) else None
    all_places = [*title_places, *region_places]
    named = [enclosing] if enclosing else [regions.province_of(p) or p for p in all_places]
    provinces = [name for name in _unique(named) if name not in places]
    year = doc.year
    label_place = places[0] if places else (doc.programme or doc.file)
    awards = awards_in_title(doc.title)
    prefix = DOC_PREFIX_PATTERN.match(doc.doc_number or "")
    return Programme(
        id=doc.programme or doc.file,
        label=f"{label_place}{year}" if year else label_place,
        title=doc.title,
        issuer=doc.issuer,
        year=year,
        published_years=[doc.published_year] if doc.published_year else [],
        places=places,
        provinces=provinces,
        awards=awards,
        doc_prefixes=[prefix.group(1)] if prefix else [],
        files=[doc.file],
    )


def _region_places(region: str, regions: RegionTable) -> list[str]:
    """ "江苏省连云港市" -> [江苏, 连云港]: province first, most specific last. A unit the national table
    does not know ("江苏省海安市", "青海省玉树州") is named by itself without its suffix (海安, 玉树)."""
    names: list[str] = []
    for unit in ADMIN_UNIT_PATTERN.finditer(region):
        known = regions.find(unit.group(0))
        names.extend(place.name for place in known) if known else names.append(unit.group("name"))
    if not names:
        names = [place.name for place in regions.find(region)]
    names.extend(name for name, _ in regions.find_national(region))  # a national programme
    return _unique(names)


def with_programme_places(regions: RegionTable, programmes: Sequence[Programme]) -> RegionTable:
    """`regions` extended with every place a programme of the corpus is about."""
    extra: dict[str, str] = {}
    for programme in programmes:
        province = programme.provinces[0] if programme.provinces else None
        for place in programme.places:
            extra.setdefault(place, regions.province_of(place) or province or place)
    return regions.including(extra)


def _merge(first: Programme, second: Programme) -> Programme:
    return first.model_copy(
        update={
            "places": _unique([*first.places, *second.places]),
            "provinces": [
                p
                for p in _unique([*first.provinces, *second.provinces])
                if p not in first.places and p not in second.places
            ],
            "awards": _unique([*first.awards, *second.awards]),
            "doc_prefixes": _unique([*first.doc_prefixes, *second.doc_prefixes]),
            "files": [*first.files, *second.files],
            "year": first.year or second.year,
            "published_years": sorted({*first.published_years, *second.published_years}),
            "issuer": first.issuer or second.issuer,
        }
    )


def find_years(text: str, today: date | None = None) -> list[YearMention]:
    """Years named in the text: 2016年, 2016, 二〇一六年, 今年 (relative to `today`)."""
    found = [
        YearMention(year=int(m.group(1)), surface=m.group(0), start=m.start(), end=m.end())
        for m in YEAR_PATTERN.finditer(text)
    ]
    for m in CHINESE_YEAR_PATTERN.finditer(text):
        year = to_int(m.group(1))
        if year is not None:
            found.append(YearMention(year=year, surface=m.group(0), start=m.start(), end=m.end()))
    if today is not None:
        for word, offset in RELATIVE_YEARS.items():
            for m in re.finditer(word, text):
                found.append(
                    YearMention(
                        year=today.year + offset, surface=word, start=m.start(), end=m.end(), relative=True
                    )
                )
    return sorted(found, key=lambda mention: mention.start)


def resolve_scope(
    question_normalised: str,
    programmes: Sequence[Programme],
    requested: str | None = None,
    *,
    regions: RegionTable | None = None,
    today: date | None = None,
) -> Scope:
    """The programme(s) the question is about, and what it names that the corpus does not cover.

    `requested` (the caller's explicit programme id) wins over anything the question names; places
    and years no programme covers are still reported, so that the answer must be supported by a
    passage that mentions them.
    """
    regions = with_programme_places(regions or default_regions(), programmes)
    text = question_normalised
    found = [p for p in regions.find(text) if not _names_an_honour(text, p.end)]
    # every place named (not in an honour's name), before a city's own province is dropped below
    places = found
    years = find_years(text, today)
    known = {p.id: p for p in programmes}
    spans: list[tuple[int, int]] = []

    named_anywhere = [m for place in found for m in _programmes_for_place(place, programmes)]
    # A city beats its own province: "江苏连云港" is about 连云港.
    named_cities = {p.province for p in places if not p.is_province}
    places = [p for p in places if not (p.is_province and p.name in named_cities)]

    candidates: list[Programme] = []
    uncovered: list[Mention] = []
    for place in places:
        matched = _programmes_for_place(place, programmes)
        if matched:
            spans.append((place.start, place.end))
            candidates.extend(m for m in matched if m not in candidates)
        else:
            spans.append((place.start, place.end))
            uncovered.append(Mention(kind="place", text=place.name))

    if candidates:
        # "公司注册在湖南，能报广东的吗": with a programme's place named, another place is where the
        # applicant stands, not a programme the notices lack; the answer is 广东's rule.
        uncovered = [m for m in uncovered if m.kind != "place"]

    # "全国…的截止日期": no provincial notice answers for the national programme.
    for name, position in regions.find_national(text):
        if _names_an_honour(text, position + len(name)):
            continue  # "获得过全国五一劳动奖章": an honour, not the national programme
        spans.append((position, position + len(name)))
        national = [p for p in programmes if name in p.places]
        candidates.extend(p for p in national if p not in candidates)
        if not national:
            uncovered.append(Mention(kind="national", text=name))

    for prefix_programme in programmes:
        for prefix in prefix_programme.doc_prefixes:
            position = text.find(prefix)
            if position >= 0:
                spans.append((position, position + len(prefix)))
                if prefix_programme not in candidates:
                    candidates.append(prefix_programme)

    for programme_id, pattern in _issuer_patterns(tuple((p.id, p.issuer or "") for p in programmes)):
        if match := pattern.search(text):  # "电力协会那个服务明星班组": the programme its issuer runs
            spans.append(match.span())
            if known[programme_id] not in candidates:
                candidates.append(known[programme_id])

    named_place = bool(candidates)
    # "今年/明年" names no edition the applicant could know: the notices answer with their own year
    # (and flag a passed deadline); only a written year can be outside the corpus.
    spans.extend(
        (mention.start, mention.end) for mention in years if mention.relative or _past_honour(text, mention)
    )
    years = [mention for mention in years if not mention.relative and not _past_honour(text, mention)]
    if years:
        pool = candidates if named_place else [p for p in programmes if p.year is not None]
        matched_years: list[Programme] = []
        for mention in years:
            # "2009年发的通知" names the notice published in 2009 about the 2008 award.
            matched = [
                p
                for p in pool
                if p.year == mention.year
                or mention.year in p.published_years
                or (named_place and p.year is None)
            ]
            if not matched and named_place:
                # "连云港2016跟江苏省2011的": the province set aside for its city is named with a
                # year of its own.
                matched = [
                    p for p in named_anywhere if p.year == mention.year or mention.year in p.published_years
                ]
            if matched:
                spans.append((mention.start, mention.end))
                matched_years.extend(m for m in matched if m not in matched_years)
            else:
                spans.append((mention.start, mention.end))
                uncovered.append(Mention(kind="year", text=str(mention.year)))
        if matched_years:
            candidates = matched_years

    place_names = _unique(p.name for p in found)
    counties = [c for c in named_counties(text) if not any(c.startswith(p.name) for p in found)]
    year_values = _unique(str(m.year) for m in years)
    if requested and requested in known:
        # The caller's choice wins; only what no programme covers at all is still reported.
        uncovered = [m for m in uncovered if not _covered_anywhere(m, programmes)]
        return Scope(
            programmes=[requested],
            how="requested",
            places=place_names,
            years=[int(y) for y in year_values],
            uncovered=_unique_mentions(uncovered),
            mention_spans=spans,
            counties=counties,
        )
    return Scope(
        programmes=[p.id for p in candidates],
        how="named" if candidates else "open",
        places=place_names,
        years=[int(y) for y in year_values],
        uncovered=_unique_mentions(uncovered),
        mention_spans=spans,
        counties=counties,
    )


_COUNTY_END = re.compile(r"[区县]")


def named_counties(text: str) -> list[str]:
    """The districts and counties of jieba's dictionary that the text names, the longest name
    ending at each 区/县 ("海淀区的单位" -> [海淀区])."""
    if not _COUNTY_END.search(text):
        return []  # no need to load the dictionary's places
    counties = dictionary_counties()
    found: list[str] = []
    for match in _COUNTY_END.finditer(text):
        end = match.end()
        for length in (5, 4, 3):
            word = text[max(0, end - length) : end]
            if len(word) == length and word in counties:
                found.append(word)
                break
    return _unique(found)


@lru_cache(maxsize=8)
def _issuer_patterns(issuers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """What applicants call a programme by its issuing body's trade (福建省电力行业协会 -> 电力协会,
    电力行业, 电力; 深圳燃气), for the bodies only one programme's issuers have. The quality
    associations (质量协会, 质量管理协会) issue most programmes: their name tells none apart."""
    programmes_of: dict[str, set[str]] = {}
    for programme_id, issuer in issuers:
        for body in _ISSUER_SEPARATOR.split(issuer):
            kind = _ISSUER_KIND.search(body)
            if kind is None:
                continue
            named = body[: kind.start()]
            place = _ISSUER_PLACE if _ISSUER_PLACE.match(named) else _ISSUER_PREFECTURE
            trade = place.sub("", named)
            if len(trade) >= 2 and "质量" not in trade:
                programmes_of.setdefault(trade, set()).add(programme_id)
    return tuple(
        (programme_id, re.compile(f"{re.escape(trade)}(?:行业)?(?:协会|学会|商会|联合会)?"))
        for trade, ids in programmes_of.items()
        if len(ids) == 1
        for programme_id in ids
    )


def _past_honour(text: str, mention: YearMention) -> bool:
    """The year is the asker's history: an honour won then, or the company founded then."""
    return any(pattern.match(text, mention.end) for pattern in (PAST_HONOUR_AFTER_YEAR, STORY_AFTER_YEAR))


def _names_an_honour(text: str, place_end: int) -> bool:
    return HONOUR_AFTER_PLACE.match(text, place_end) is not None


def _programmes_for_place(place: PlaceMention, programmes: Sequence[Programme]) -> list[Programme]:
    about = [p for p in programmes if place.name in p.places]
    if about:
        return about
    if not place.is_province:
        # A city no programme is about: the programme about its province covers it.
        return [p for p in programmes if place.province in p.places]
    # A province no programme is about, but that contains a programme's city.
    return [p for p in programmes if place.name in p.provinces]


def _covered_anywhere(mention: Mention, programmes: Sequence[Programme]) -> bool:
    if mention.kind in ("place", "national"):
        return any(mention.text in p.places or mention.text in p.provinces for p in programmes)
    return any(str(p.year) == mention.text or mention.text in map(str, p.published_years) for p in programmes)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_mentions(mentions: Iterable[Mention]) -> list[Mention]:
    seen: dict[tuple[str, str], Mention] = {}
    for mention in mentions:
        seen.setdefault((mention.kind, mention.text), mention)
    return list(seen.values())


def describe_programmes(programmes: Sequence[Programme]) -> str:
    """ "连云港2016年用户满意服务之星、青海2025年…": what the notices cover, for refusals."""
    return "、".join(p.display for p in programmes)
