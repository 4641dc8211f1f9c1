"""The rubric data model (one official self-assessment table) and the engine's state, step and result models.

A rubric is data: a YAML file under ``rubrics/`` is validated by :class:`Rubric`. The validators prove what
the official table promises (caps add up to 100, bands ordered and inside their item's cap, point marks
well formed), so a literal transcription of an inconsistent table is rejected with a precise message and
the shipped YAML has to record how it resolved each inconsistency (``source_notes``).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# A point mark as printed on the forms: "（1-6分）", "（5分）" in the 评分标准 cells, "2-5分" / "5分" in the
# 分值 column of 附件3-1. Brackets must be balanced and "分" present; anything else is a transcription defect.
_POINTS_MARK = re.compile(r"^(?:（(?P<a>\d+)(?:-(?P<b>\d+))?分）|(?P<c>\d+)(?:-(?P<d>\d+))?分)$")
# A cap mark after a category/group/item name: "（10分）" or, as 附件3-1 prints "服务体系(25分)", "(25分)".
_CAP_MARK = re.compile(r"^(?:（(?P<a>\d+)分）|\((?P<b>\d+)分\))$")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

RUBRIC_TOTAL = 100


def describe_pass_mark(pass_mark: int, assumed: bool, *, short: bool = False) -> str:
    """How the pass mark is shown: as fact when the notice prints it, as provisional when it was assumed.

    ``"申报线80分"``; assumed: ``"申报线80分（通知未明确，按80分暂定，请向协会确认）"``, or with ``short``
    (progress lines) ``"申报线80分（暂定）"``.
    """
    label = f"申报线{pass_mark}分"
    if not assumed:
        return label
    return f"{label}（暂定）" if short else f"{label}（通知未明确，按{pass_mark}分暂定，请向协会确认）"


def parse_points_mark(mark: str) -> tuple[int, int]:
    """``"（7-8分）"`` -> (7, 8); ``"5分"`` -> (5, 5). Raises ValueError saying what is wrong."""
    match = _POINTS_MARK.match(mark)
    if match is None:
        raise ValueError(f"分值标注「{mark}」格式不完整：{_describe_mark_defect(mark)}")
    low = int(match.group("a") or match.group("c"))
    high_text = match.group("b") or match.group("d")
    high = int(high_text) if high_text else low
    if high < low:
        raise ValueError(f"分值标注「{mark}」的区间上限小于下限")
    return low, high


def parse_cap_mark(mark: str) -> int:
    """``"（10分）"`` -> 10. Raises ValueError naming what is wrong with the mark."""
    match = _CAP_MARK.match(mark)
    if match is None:
        raise ValueError(f"满分标注「{mark}」格式不完整：{_describe_mark_defect(mark)}")
    return int(match.group("a") or match.group("b"))


def _describe_mark_defect(mark: str) -> str:
    problems: list[str] = []
    if "分" not in mark:
        problems.append("缺少“分”字")
    opening = mark.count("（") + mark.count("(")
    closing = mark.count("）") + mark.count(")")
    if opening > closing:
        problems.append("缺少右括号")
    elif closing > opening:
        problems.append("缺少左括号")
    if not problems:
        problems.append("应写作“（N分）”或“（N-M分）”")
    return "，".join(problems)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceNote(_Frozen):
    """Where the YAML deviates from, or comments on, the printed table: the literal text, what we use, why."""

    literal: str = Field(min_length=1)  # exactly as printed in the notice (a fragment)
    resolution: str = Field(min_length=1)  # what the rubric uses ("保留原文" when nothing is changed)
    reason: str = Field(min_length=1)


class Source(_Frozen):
    file: str  # the notice file name in the corpus, e.g. "lianyungang-2016-service-star.txt"
    appendix: str  # e.g. "附件3-2"


class HeaderField(_Frozen):
    """A blank in the form's header, e.g. 姓名 / 单位 / 岗位 / 自评总分."""

    id: str
    label: str  # exactly as printed, without a trailing colon
    fill: Literal["total"] | None = None  # "total": the engine's total goes here (自评总分 / 自评得分)


class Level(_Frozen):
    """One band (banded item), one option (options item) or one threshold row (derived item)."""

    text: str = Field(min_length=1)  # the wording as printed, without the point mark
    points: str  # the point mark as printed: "（1-6分）", "（5分）", "2-5分", "4分"
    # printed text after the point mark, e.g. "（注：该项目为一票否决，得分为0时不得申报）"
    remark: str | None = None
    above: float | None = None  # derived items only: the figure must be strictly greater than this
    # Told to the applicant who chooses this band: a reading of an inconsistent table (see source_notes).
    caution: str | None = None
    # The mark exactly as the notice prints it, when ``points`` resolves a defective one ("（8-11分）"):
    # the printed form shows this, and the resolution in a note under the table.
    printed_points: str | None = None
    source_notes: list[SourceNote] = Field(default_factory=list)

    @field_validator("points")
    @classmethod
    def _points_well_formed(cls, value: str) -> str:
        parse_points_mark(value)
        return value

    @model_validator(mode="after")
    def _printed_points_are_explained(self) -> Level:
        if self.printed_points is not None and not any(
            self.printed_points in note.literal for note in self.source_notes
        ):
            raise ValueError(
                f"档次「{self.text}」的printed_points「{self.printed_points}」须在source_notes中说明"
            )
        return self

    @property
    def min_points(self) -> int:
        return parse_points_mark(self.points)[0]

    @property
    def max_points(self) -> int:
        return parse_points_mark(self.points)[1]

    @property
    def is_fixed(self) -> bool:
        """A fixed band, e.g. "（5分）": choosing it gives exactly these points."""
        return self.min_points == self.max_points

    @property
    def range_text(self) -> str:
        """ "1-6分" or "5分", for prompts and messages."""
        low, high = self.min_points, self.max_points
        return f"{low}分" if low == high else f"{low}-{high}分"


class ItemKind(StrEnum):
    BANDED = "banded"  # choose a band, then a score inside it (bands may be fixed, e.g. "（5分）")
    OPTIONS = "options"  # choose one option worth fixed points (业务规模 >50亿元 5分 ...)
    DERIVED = "derived"  # points follow from a figure the applicant gives (用户满意度指数 超过90 -> 4分)


class DerivedFigure(_Frozen):
    """The figure a derived item asks for, and the points when it exceeds no threshold."""

    name: str  # e.g. "用户满意度指数"
    unit: str = ""  # e.g. "分"
    minimum: float
    maximum: float
    below_points: int = 0  # points when the figure exceeds no threshold (not printed: see the item's notes)
    below_text: str  # e.g. "用户满意度指数不超过80分"
    # A figure below this is asked back before it is used (an index of 4 is far more likely a score of 4).
    confirm_below: float | None = None


class Item(_Frozen):
    """One scored line (评审细项) of the table."""

    id: str
    name: str = Field(min_length=1)  # without the cap mark; cell line breaks removed
    cap: int = Field(gt=0)  # the item's maximum
    cap_text: str | None = None  # the cap mark as printed after the name, e.g. "（10分）"
    kind: ItemKind = ItemKind.BANDED
    group: str | None = None  # id of the category's group (附件3-1's 企业规模（10分） etc.)
    levels: list[Level] = Field(min_length=1)
    veto: str | None = None  # id of the rubric veto this item carries: 0 points <-> veto triggered
    figure: DerivedFigure | None = None  # derived items only
    source_notes: list[SourceNote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        where = f"细项「{self.name}」({self.id})"
        problems: list[str] = []
        if self.cap_text is not None:
            printed_cap = parse_cap_mark_for(where, self.cap_text)
            if printed_cap != self.cap:
                problems.append(f"标明{printed_cap}分，但cap为{self.cap}分")
        for level in self.levels:
            if level.max_points > self.cap:
                problems.append(f"分值「{level.points}」超出该项满分{self.cap}分")
        top = max(level.max_points for level in self.levels)
        if top < self.cap:
            problems.append(f"满分为{self.cap}分，但各档最高只到{top}分")
        texts = [level.text for level in self.levels]
        if len(set(texts)) != len(texts):
            problems.append("有重复的档次/选项文字")
        if self.kind is ItemKind.BANDED:
            problems.extend(self._band_problems())
        elif self.kind is ItemKind.OPTIONS:
            problems.extend(self._option_problems())
        else:
            problems.extend(self._derived_problems())
        if self.kind is not ItemKind.DERIVED and (
            self.figure is not None or any(level.above is not None for level in self.levels)
        ):
            problems.append("不是derived项，不能有figure或above")
        if self.veto is not None and self.kind is not ItemKind.BANDED:
            problems.append("只有banded项可以带一票否决")
        if problems:
            raise ValueError(f"{where}：{'；'.join(problems)}")
        return self

    def _band_problems(self) -> list[str]:
        problems: list[str] = []
        previous: Level | None = None
        for level in self.levels:
            if level.min_points < 1:
                problems.append(f"档次「{level.points}」含0分（0分只能来自一票否决）")
            if previous is not None:
                if level.min_points <= previous.max_points:
                    problems.append(f"档次「{previous.points}」与「{level.points}」重叠或顺序颠倒")
                elif level.min_points != previous.max_points + 1:
                    problems.append(f"档次「{previous.points}」与「{level.points}」之间有空缺分值")
            previous = level
        return problems

    def _option_problems(self) -> list[str]:
        problems = [
            f"选项「{level.text}」的分值「{level.points}」是区间，单选项只能是固定分值"
            for level in self.levels
            if not level.is_fixed
        ]
        points = [level.min_points for level in self.levels]
        if len(set(points)) != len(points):
            problems.append(f"选项分值重复：{points}")
        elif points != sorted(points, reverse=True) and points != sorted(points):
            problems.append(f"选项分值未按顺序排列：{points}")
        return problems

    def _derived_problems(self) -> list[str]:
        if self.figure is None:
            return ["derived项必须给出figure"]
        problems: list[str] = []
        previous: Level | None = None
        for level in self.levels:
            if not level.is_fixed or level.above is None:
                problems.append(f"每一行都必须是固定分值并给出above阈值：「{level.text}」")
                continue
            if not self.figure.minimum <= level.above < self.figure.maximum:
                problems.append(f"阈值{level.above}不在{self.figure.name}的取值范围内")
            if (
                previous is not None
                and previous.above is not None
                and not (level.above < previous.above and level.min_points < previous.min_points)
            ):
                problems.append(f"阈值和分值必须从高到低排列：「{previous.text}」「{level.text}」")
            previous = level
        if self.figure.below_points >= min(level.min_points for level in self.levels):
            problems.append("below_points必须低于各行分值")
        return problems

    @property
    def max_points(self) -> int:
        return self.cap

    @cached_property
    def allowed_scores(self) -> tuple[int, ...]:
        """Every score the official table allows for this item, ascending."""
        scores: set[int] = set()
        for level in self.levels:
            scores.update(range(level.min_points, level.max_points + 1))
        if self.veto is not None:
            scores.add(0)  # "得分为0时不得申报": 0 exists only as the veto
        if self.figure is not None:
            scores.add(self.figure.below_points)
        return tuple(sorted(scores))

    def level_index_of(self, score: int) -> int | None:
        """The band/option/threshold row that ``score`` belongs to (bands never overlap), else None."""
        for index, level in enumerate(self.levels):
            if level.min_points <= score <= level.max_points:
                return index
        return None

    def points_for_figure(self, figure: float) -> tuple[int, int | None]:
        """Derived items: (points, row index or None). "超过" is strictly greater: 90 exceeds 85, not 90."""
        for index, level in enumerate(self.levels):
            if level.above is not None and figure > level.above:
                return level.min_points, index
        assert self.figure is not None
        return self.figure.below_points, None


def parse_cap_mark_for(where: str, mark: str) -> int:
    try:
        return parse_cap_mark(mark)
    except ValueError as error:
        raise ValueError(f"{where}：{error}") from None


class Group(_Frozen):
    """A sub-heading inside a category with its own cap (附件3-1: 企业规模（10分）, 服务文化（10分） ...)."""

    id: str
    name: str
    cap: int = Field(gt=0)
    cap_text: str | None = None
    source_notes: list[SourceNote] = Field(default_factory=list)


class Category(_Frozen):
    """One 评审项目 / 项目 of the table, e.g. 政治坚定（10分）."""

    id: str
    name: str  # without the cap mark
    cap: int = Field(gt=0)
    cap_text: str | None = None  # e.g. "（10分）"
    printed_cap_text: str | None = None  # as the notice prints it, when cap_text resolves it ("（15分）")
    groups: list[Group] = Field(default_factory=list)
    items: list[Item] = Field(min_length=1)
    source_notes: list[SourceNote] = Field(default_factory=list)

    @model_validator(mode="after")
    def _caps_add_up(self) -> Category:
        where = f"评审项目「{self.name}」({self.id})"
        if self.cap_text is not None and parse_cap_mark_for(where, self.cap_text) != self.cap:
            raise ValueError(f"{where}标明{parse_cap_mark(self.cap_text)}分，但cap为{self.cap}分")
        item_sum = sum(item.cap for item in self.items)
        if item_sum != self.cap:
            raise ValueError(
                f"{where}标明满分{self.cap}分，但其细项满分合计为{item_sum}分"
                f"（{' + '.join(f'{item.name}{item.cap}' for item in self.items)}）"
            )
        group_ids = [group.id for group in self.groups]
        for group in self.groups:
            gwhere = f"{where}下的「{group.name}」"
            if group.cap_text is not None and parse_cap_mark_for(gwhere, group.cap_text) != group.cap:
                raise ValueError(f"{gwhere}标明{parse_cap_mark(group.cap_text)}分，但cap为{group.cap}分")
            members = [index for index, item in enumerate(self.items) if item.group == group.id]
            if not members:
                raise ValueError(f"{gwhere}没有细项")
            if members != list(range(members[0], members[-1] + 1)):
                raise ValueError(f"{gwhere}的细项必须相邻")
            group_sum = sum(self.items[index].cap for index in members)
            if group_sum != group.cap:
                raise ValueError(f"{gwhere}标明满分{group.cap}分，但其细项满分合计为{group_sum}分")
        for item in self.items:
            if item.group is not None and item.group not in group_ids:
                raise ValueError(f"{where}的细项{item.id}引用了不存在的分组{item.group}")
        return self


class Veto(_Frozen):
    """A 一票否决 condition, asked as a yes/no question: answering yes (the condition holds) triggers it."""

    id: str
    printed: str  # where the form states it, verbatim (the 注 line, or the band with its 注)
    condition: str  # the triggering condition in words, e.g. "存在重大质量、安全、环保责任事故"
    question: str  # e.g. "企业是否存在重大质量、安全、环保责任事故？"
    explanation: str  # why it is asked first and what "是" means
    item: str | None = None  # id of the item that carries this veto (0 points <-> triggered)


class Rubric(_Frozen):
    """One official self-assessment table (自评标准 / 自评表)."""

    id: str
    programme: str  # catalog programme id, e.g. "lianyungang-2016-service-star"
    appendix: str  # "附件3-1"
    title: str  # exactly as printed
    source: Source
    subject: str | None = None  # the 评审对象 line's text after "评审对象："
    header_fields: list[HeaderField]
    columns: list[str]  # column headings as printed
    pass_mark: int = Field(gt=0)
    # "printed": the notice states the pass mark; "assumed": it does not and ``pass_mark`` is our assumption
    # (a rubric-level source note says where it comes from). Every place that shows it says so.
    pass_mark_source: Literal["printed", "assumed"] = "printed"
    total: int = RUBRIC_TOTAL
    total_row_label: str | None = None  # a printed total row in the table body, e.g. 附件3-1 "总得分"
    categories: list[Category] = Field(min_length=1)
    vetoes: list[Veto] = Field(default_factory=list)
    note: str | None = None  # printed note under the table (附件3-1's 一票否决 note)
    footer: list[str] = Field(default_factory=list)  # 审核意见 / 盖章 lines as printed
    source_notes: list[SourceNote] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"rubric id「{value}」必须是小写字母、数字和连字符")
        return value

    @model_validator(mode="after")
    def _whole_table(self) -> Rubric:
        ids: list[str] = []
        for category in self.categories:
            ids.append(category.id)
            ids.extend(group.id for group in category.groups)
            ids.extend(item.id for item in category.items)
        ids.extend(veto.id for veto in self.vetoes)
        for identifier in ids:
            if not _ID.match(identifier):
                raise ValueError(f"id「{identifier}」必须是小写字母、数字和连字符")
        duplicates = sorted({identifier for identifier in ids if ids.count(identifier) > 1})
        if duplicates:
            raise ValueError(f"表「{self.title}」中id重复：{', '.join(duplicates)}")
        category_sum = sum(category.cap for category in self.categories)
        if category_sum != self.total or self.total != RUBRIC_TOTAL:
            raise ValueError(
                f"表「{self.title}」各评审项目满分合计为{category_sum}分，应为{RUBRIC_TOTAL}分"
                f"（{' + '.join(f'{category.name}{category.cap}' for category in self.categories)}）"
            )
        if self.pass_mark > self.total:
            raise ValueError(f"申报线{self.pass_mark}分高于满分{self.total}分")
        items = {item.id: item for category in self.categories for item in category.items}
        for veto in self.vetoes:
            if veto.item is not None:
                if veto.item not in items:
                    raise ValueError(f"一票否决项{veto.id}引用了不存在的细项{veto.item}")
                if items[veto.item].veto != veto.id:
                    raise ValueError(f"一票否决项{veto.id}与细项{veto.item}的veto字段不一致")
        veto_ids = {veto.id for veto in self.vetoes}
        for item in items.values():
            if item.veto is not None and item.veto not in veto_ids:
                raise ValueError(f"细项{item.id}引用了不存在的一票否决项{item.veto}")
        if sum(1 for field in self.header_fields if field.fill == "total") > 1:
            raise ValueError("表头最多只能有一个自评总分栏")
        return self

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """All scored items in the official order."""
        return tuple(item for category in self.categories for item in category.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def category_of(self, item_id: str) -> Category:
        for category in self.categories:
            if any(item.id == item_id for item in category.items):
                return category
        raise KeyError(item_id)

    def veto(self, veto_id: str) -> Veto:
        for veto in self.vetoes:
            if veto.id == veto_id:
                return veto
        raise KeyError(veto_id)

    @property
    def max_total(self) -> int:
        return sum(category.cap for category in self.categories)

    @property
    def pass_mark_assumed(self) -> bool:
        """True when the notice prints no pass mark and ``pass_mark`` is assumed (青海 2025)."""
        return self.pass_mark_source == "assumed"

    @property
    def pass_mark_label(self) -> str:
        """``"申报线80分"``, or ``"申报线80分（通知未明确，按80分暂定，请向协会确认）"`` when assumed."""
        return describe_pass_mark(self.pass_mark, self.pass_mark_assumed)

    @property
    def pass_mark_short_label(self) -> str:
        """For progress lines: ``"申报线80分"``, or ``"申报线80分（暂定）"`` when assumed."""
        return describe_pass_mark(self.pass_mark, self.pass_mark_assumed, short=True)


# --------------------------------------------------------------------------------------------------
# Engine data: state (plain JSON through model_dump(mode="json")), steps, answers' errors, results.


class PendingLevel(_Frozen):
    """A band chosen without a score: the next answer is a score inside it."""

    item_id: str
    level_index: int  # 0-based index into item.levels


class AssessmentState(_Frozen):
    """Everything answered so far. Plain data: ``state.model_dump(mode="json")`` / ``model_validate``."""

    rubric_id: str
    vetoes: dict[str, bool] = Field(default_factory=dict)  # veto id -> condition holds (triggered)
    scores: dict[str, int] = Field(default_factory=dict)  # item id -> points, in the rubric's order
    figures: dict[str, float] = Field(default_factory=dict)  # derived item id -> the figure given
    pending: PendingLevel | None = None
    cursor: str | None = None  # a step revisited through back/edit; None = the first unanswered step


class StepKind(StrEnum):
    VETO = "veto"  # a yes/no 一票否决 question
    ITEM = "item"  # score an item: choose a band/option, type a score, or give a figure
    SCORE_IN_LEVEL = "score_in_level"  # a band spanning several points was chosen: the score inside it
    DONE = "done"  # everything answered


class Choice(_Frozen):
    """A numbered choice shown to the user (a band, an option, a threshold row, 是/否)."""

    key: str  # what the user can reply: "1", "2", ...
    letter: str | None = None  # "A", "B", ... (bands/options)
    label: str  # the wording as printed
    points: str | None = None  # "1-6分", "5分"
    remark: str | None = None  # printed after the points, e.g. "（注：该项目为一票否决，得分为0时不得申报）"
    caution: str | None = None  # what choosing it means where the table is inconsistent (Level.caution)
    min_points: int | None = None
    max_points: int | None = None


class Step(_Frozen):
    """What to ask next, with everything a channel needs to show it."""

    kind: StepKind
    rubric_id: str
    step_id: str | None  # veto id or item id; None when done
    category: str | None = None
    group: str | None = None
    item: str | None = None
    question: str  # the Chinese prompt
    choices: list[Choice] = Field(default_factory=list)
    allowed_scores: list[int] = Field(default_factory=list)
    hint: str  # exactly what may be typed
    progress: str  # e.g. "第3/7项 · 已得62分 · 申报线80分"
    number: int  # 1-based position among steps of this kind (vetoes / items)
    count: int  # how many steps of this kind
    current: str | None = None  # the answer already given, when revisiting
    warning: str | None = None  # e.g. a triggered veto
    text: str  # the full message: question, numbered choices, hint, progress


class AnswerError(_Frozen):
    """An answer the current step cannot accept; ``message`` says what is allowed (in Chinese)."""

    message: str
    step_id: str | None
    text: str  # what the user typed


class ScoreError(ValueError):
    """A score list given to ``assess`` that the official table does not allow."""

    def __init__(self, message: str, item_id: str | None, value: object, allowed: tuple[int, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.item_id = item_id
        self.value = value
        self.allowed = allowed


class ItemResult(_Frozen):
    id: str
    name: str
    category_id: str
    group_id: str | None
    score: int | None  # None: not answered
    max: int
    level_index: int | None  # 0-based index into item.levels of the band/option/row the score falls in
    level_label: str | None  # "第2档（7-8分）", "2-5分" (one band), option/row text, or "一票否决：…"
    figure: float | None = None  # derived items: the figure given (None in ``assess``, which takes points)
    vetoed: bool = False  # the item scored 0 because its veto is triggered
    caution: str | None = None  # the chosen band's Level.caution, also in AssessmentResult.reasons


class CategoryResult(_Frozen):
    id: str
    name: str
    score: int  # subtotal of answered items
    max: int
    group_scores: dict[str, int] = Field(default_factory=dict)  # group id -> subtotal


class VetoResult(_Frozen):
    id: str
    question: str
    condition: str
    triggered: bool | None  # None: not answered


class AssessmentResult(_Frozen):
    rubric_id: str
    programme: str
    title: str
    complete: bool
    total: int
    max_total: int
    pass_mark: int
    pass_mark_assumed: bool = False  # the notice prints no pass mark: ``pass_mark`` is provisional
    categories: list[CategoryResult]
    items: list[ItemResult]
    vetoes: list[VetoResult]
    eligible: bool  # complete, total >= pass mark and no veto triggered
    reasons: list[str]  # Chinese sentences saying why

    @property
    def pass_mark_label(self) -> str:
        """As :attr:`Rubric.pass_mark_label`: provisional wording when the pass mark is assumed."""
        return describe_pass_mark(self.pass_mark, self.pass_mark_assumed)
