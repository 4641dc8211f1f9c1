"""Eligibility rules beyond the self-assessment score, per programme, as data.

Each programme has one YAML file in ``rubric_engine/eligibility/``: its award categories and its rules
(satisfaction-report age, third-party survey, sample size, honours, self-assessment pass mark, required
documents, deadlines), every rule quoting the notice sentence it comes from. ``check_eligibility``
applies the rules of one category to an applicant's facts and says, per rule, pass / fail / unknown
(unknown when the fact it needs was not given), in Chinese, with the source. Pure: no clock (the caller
passes ``today``), no I/O besides reading the packaged YAML.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "ApplicantFacts",
    "EligibilityError",
    "EligibilityProgramme",
    "EligibilityReport",
    "EligibilityRule",
    "RuleResult",
    "RuleSource",
    "category_for_rubric",
    "check_eligibility",
    "list_eligibility_programmes",
    "load_eligibility",
]

RuleStatus = Literal["pass", "fail", "unknown"]
_STATUS_LABELS: dict[str, str] = {"pass": "符合", "fail": "不符合", "unknown": "待确认"}


class EligibilityError(ValueError):
    """An unknown programme or category, or a rules file that does not validate (message in Chinese)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSource(_Frozen):
    """Where a rule is written: the notice file, its title, the section and the sentence itself."""

    file: str
    title: str
    section: str
    quote: str

    def cite(self) -> str:
        return f"《{self.title}》{self.section}：“{self.quote}”"


class _RuleBase(_Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    applies_to: tuple[str, ...] = Field(min_length=1)
    source: RuleSource
    # Where the notice is ambiguous or inconsistent: the reading we chose and why.
    source_note: str | None = None


class ReportAgeRule(_RuleBase):
    """The satisfaction report must be dated within ``within_years`` before the application."""

    kind: Literal["report_age"]
    within_years: int = Field(gt=0)


class SurveyNotBeforeRule(_RuleBase):
    """The survey must have been carried out on or after ``earliest``."""

    kind: Literal["survey_not_before"]
    earliest: date


class ThirdPartyRule(_RuleBase):
    """The satisfaction survey must come from a qualified third party (not the applicant's own)."""

    kind: Literal["third_party_survey"]


class SampleSizeRule(_RuleBase):
    """Census when the population is small, otherwise a sample (or respondent list) within a range."""

    kind: Literal["sample_size"]
    population_fact: Literal["served_count", "respondent_total"] = "served_count"
    sample_fact: Literal["sample_size", "respondents_listed"] = "sample_size"
    population_label: str = "年内服务对象数"
    sample_label: str = "调查样本数"
    census_up_to: int = Field(ge=0, description="population <= this: everyone must be surveyed/listed")
    census_condition: str  # the notice's own wording of that condition, e.g. 服务对象少于50个
    minimum: int = Field(gt=0)
    maximum: int | None = None  # more than this fails (连云港: 样本数在50-200之间)
    # "提供50至100人信息即可": this many is enough, more is not a defect (never with ``maximum``).
    enough_at: int | None = None

    @model_validator(mode="after")
    def _range_is_ordered(self) -> SampleSizeRule:
        for bound in (self.maximum, self.enough_at):
            if bound is not None and bound < self.minimum:
                raise ValueError(f"{self.id}: upper bound {bound} < minimum {self.minimum}")
        if self.maximum is not None and self.enough_at is not None:
            raise ValueError(f"{self.id}: maximum and enough_at exclude each other")
        return self


class HonoursRule(_RuleBase):
    """Honour certificates count only when obtained within ``within_years``; ``required``: at least one."""

    kind: Literal["honours_recency"]
    within_years: int = Field(gt=0)
    required: bool


class MinSelfAssessmentRule(_RuleBase):
    kind: Literal["min_self_assessment"]
    minimum: float = Field(gt=0)


class DocumentRule(_RuleBase):
    """A document (copy) that must be part of the application, keyed in ``ApplicantFacts.documents``."""

    kind: Literal["document"]
    document: str = Field(pattern=r"^[a-z0-9_]+$")
    document_name: str


class NoMajorIncidentRule(_RuleBase):
    """No major quality or safety incident (the forms' 一票否决) within ``within_years``."""

    kind: Literal["no_major_incident"]
    within_years: int | None = Field(default=None, gt=0)  # None: the notice sets no period
    condition: str  # the incident in the notice's words, e.g. 重大质量、安全事故


class DeadlineRule(_RuleBase):
    """Materials must reach ``submit_to`` on or before ``deadline`` (the day itself counts)."""

    kind: Literal["deadline"]
    deadline: date
    submit_to: str


EligibilityRule = Annotated[
    ReportAgeRule
    | SurveyNotBeforeRule
    | ThirdPartyRule
    | SampleSizeRule
    | HonoursRule
    | MinSelfAssessmentRule
    | DocumentRule
    | NoMajorIncidentRule
    | DeadlineRule,
    Field(discriminator="kind"),
]


class ProgrammeCategory(_Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    aliases: tuple[str, ...] = ()
    # The official self-assessment form (rubric id) of this category, when the programme has one.
    rubric: str | None = None


class EligibilityProgramme(_Frozen):
    programme: str
    name: str
    categories: tuple[ProgrammeCategory, ...] = Field(min_length=1)
    rules: tuple[EligibilityRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_are_consistent(self) -> EligibilityProgramme:
        category_ids = [category.id for category in self.categories]
        if len(set(category_ids)) != len(category_ids):
            raise ValueError(f"{self.programme}: duplicate category ids {category_ids}")
        rule_ids = [rule.id for rule in self.rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError(f"{self.programme}: duplicate rule ids {rule_ids}")
        for rule in self.rules:
            unknown = set(rule.applies_to) - set(category_ids)
            if unknown:
                raise ValueError(
                    f"{self.programme}/{rule.id}: applies_to names unknown categories {sorted(unknown)}"
                )
        names: dict[str, str] = {}
        for category in self.categories:
            for name in (category.id, category.name, *category.aliases):
                if names.setdefault(name, category.id) != category.id:
                    raise ValueError(f"{self.programme}: '{name}' names two categories")
        return self

    def category(self, name: str) -> ProgrammeCategory:
        """The category with this id, Chinese name or alias; EligibilityError (Chinese) otherwise."""
        wanted = name.strip()
        for category in self.categories:
            if wanted in (category.id, category.name, *category.aliases):
                return category
        allowed = "、".join(f"{category.id}（{category.name}）" for category in self.categories)
        raise EligibilityError(f"{self.name}没有申报类别“{wanted}”，可选：{allowed}")

    def rules_for(self, category: str) -> tuple[EligibilityRule, ...]:
        category_id = self.category(category).id
        return tuple(rule for rule in self.rules if category_id in rule.applies_to)


class ApplicantFacts(_Frozen):
    """What the applicant told us. ``None`` means not given: the rules needing it answer 'unknown'."""

    application_date: date | None = None
    report_date: date | None = None
    survey_date: date | None = None
    third_party: bool | None = None
    served_count: int | None = Field(default=None, ge=0)
    sample_size: int | None = Field(default=None, ge=0)
    respondent_total: int | None = Field(default=None, ge=0)
    respondents_listed: int | None = Field(default=None, ge=0)
    honours_dates: tuple[date, ...] | None = None
    self_assessment_total: float | None = Field(default=None, ge=0)
    # Document key (as in the rules, e.g. "org_code_certificate") -> provided or not.
    documents: dict[str, bool] = Field(default_factory=dict)
    major_incident: bool | None = None  # a major quality/safety incident within the rule's years


class RuleResult(_Frozen):
    rule_id: str
    name: str
    status: RuleStatus
    explanation: str
    source: RuleSource

    @property
    def status_label(self) -> str:
        return _STATUS_LABELS[self.status]


class EligibilityReport(_Frozen):
    programme: str
    programme_name: str
    category: str
    category_name: str
    results: tuple[RuleResult, ...]

    @property
    def status(self) -> RuleStatus:
        """fail if any rule fails, else unknown if any is unknown, else pass."""
        statuses = {result.status for result in self.results}
        if "fail" in statuses:
            return "fail"
        return "unknown" if "unknown" in statuses else "pass"

    @property
    def failed(self) -> tuple[RuleResult, ...]:
        return tuple(result for result in self.results if result.status == "fail")

    @property
    def unknown(self) -> tuple[RuleResult, ...]:
        return tuple(result for result in self.results if result.status == "unknown")


# --- loading -----------------------------------------------------------------------------------------


def _eligibility_dir() -> Traversable:
    return resources.files("rubric_engine").joinpath("eligibility")


def list_eligibility_programmes() -> tuple[str, ...]:
    """Ids of the programmes that have an eligibility rules file, sorted."""
    return tuple(
        sorted(
            entry.name.removesuffix(".yaml")
            for entry in _eligibility_dir().iterdir()
            if entry.name.endswith(".yaml")
        )
    )


@cache
def load_eligibility(programme: str) -> EligibilityProgramme:
    """The validated rules of one programme; EligibilityError (Chinese) for an unknown id or a bad file."""
    available = list_eligibility_programmes()
    if programme not in available:
        raise EligibilityError(f"没有项目“{programme}”的申报条件，可选：{'、'.join(available)}")
    text = _eligibility_dir().joinpath(f"{programme}.yaml").read_text(encoding="utf-8")
    try:
        loaded = EligibilityProgramme.model_validate(yaml.safe_load(text))
    except ValidationError as error:
        raise EligibilityError(f"申报条件文件 {programme}.yaml 格式错误：{error}") from error
    if loaded.programme != programme:
        raise EligibilityError(f"申报条件文件 {programme}.yaml 中的 programme 写成了 {loaded.programme}")
    return loaded


def category_for_rubric(rubric_id: str) -> tuple[str, str] | None:
    """(programme, category id) whose official self-assessment form is ``rubric_id``, if any."""
    for programme in list_eligibility_programmes():
        for category in load_eligibility(programme).categories:
            if category.rubric == rubric_id:
                return programme, category.id
    return None


# --- checking ----------------------------------------------------------------------------------------


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February falls back to the 28th)."""
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def _fmt(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class _Reference:
    """The day the application is judged on: the application date if given, else today."""

    def __init__(self, facts: ApplicantFacts, today: date | None) -> None:
        self.day = facts.application_date or today
        self.label = "申报日期" if facts.application_date else "今天"

    def missing(self) -> str:
        return "未提供申报日期，无法判断"


def _result(rule: _RuleBase, status: RuleStatus, explanation: str) -> RuleResult:
    return RuleResult(
        rule_id=rule.id, name=rule.name, status=status, explanation=explanation, source=rule.source
    )


def _check_report_age(rule: ReportAgeRule, facts: ApplicantFacts, ref: _Reference) -> RuleResult:
    need = f"需提供近{rule.within_years}年内的用户满意度测评报告"
    if facts.report_date is None:
        return _result(rule, "unknown", f"未提供满意度测评报告日期，无法判断；{need}。")
    if ref.day is None:
        return _result(rule, "unknown", f"{ref.missing()}；{need}。")
    earliest = years_before(ref.day, rule.within_years)
    report = _fmt(facts.report_date)
    if facts.report_date > ref.day:
        return _result(rule, "fail", f"测评报告日期{report}晚于{ref.label}{_fmt(ref.day)}，请核对报告日期。")
    if facts.report_date < earliest:
        return _result(
            rule, "fail", f"测评报告日期{report}早于{_fmt(earliest)}，已超过{rule.within_years}年；{need}。"
        )
    return _result(
        rule,
        "pass",
        f"测评报告日期{report}在{ref.label}{_fmt(ref.day)}前{rule.within_years}年内（不早于{_fmt(earliest)}）。",
    )


def _check_survey_not_before(rule: SurveyNotBeforeRule, facts: ApplicantFacts, ref: _Reference) -> RuleResult:
    earliest = _fmt(rule.earliest)
    if facts.survey_date is not None:
        if facts.survey_date < rule.earliest:
            return _result(
                rule,
                "fail",
                f"调查时间{_fmt(facts.survey_date)}早于{earliest}，需在{earliest}之后重新开展调查。",
            )
        return _result(rule, "pass", f"调查时间{_fmt(facts.survey_date)}不早于{earliest}。")
    # A report written before the earliest day proves the survey was earlier still.
    if facts.report_date is not None and facts.report_date < rule.earliest:
        return _result(
            rule,
            "fail",
            f"测评报告日期{_fmt(facts.report_date)}早于{earliest}，调查时间必然更早；需在{earliest}之后开展调查。",
        )
    return _result(rule, "unknown", f"未提供调查时间，无法判断；调查须在{earliest}之后开展。")


def _check_third_party(rule: ThirdPartyRule, facts: ApplicantFacts, ref: _Reference) -> RuleResult:
    if facts.third_party is None:
        return _result(
            rule,
            "unknown",
            "未说明满意度测评是否由第三方机构完成；本类别须由具有满意度调查资质的第三方测评。",
        )
    if not facts.third_party:
        return _result(
            rule,
            "fail",
            "满意度测评不是第三方完成；本类别须由具有满意度调查资质的第三方提供测评报告，不能自行测评。",
        )
    return _result(rule, "pass", "满意度测评由第三方机构完成（请附第三方的资质证明）。")


def _check_sample_size(rule: SampleSizeRule, facts: ApplicantFacts, ref: _Reference) -> RuleResult:
    population: int | None = getattr(facts, rule.population_fact)
    sample: int | None = getattr(facts, rule.sample_fact)
    pop_label, sample_label = rule.population_label, rule.sample_label
    if rule.maximum is not None:
        wanted_range = f"在{rule.minimum}至{rule.maximum}之间"
    elif rule.enough_at is not None:
        wanted_range = f"不少于{rule.minimum}（提供{rule.minimum}至{rule.enough_at}人即可，多列不算不符）"
    else:
        wanted_range = f"不少于{rule.minimum}"
    need = f"{rule.census_condition}的须全数调查，否则{sample_label}{wanted_range}"
    if population is None or sample is None:
        missing = "、".join(
            label for label, value in ((pop_label, population), (sample_label, sample)) if value is None
        )
        return _result(rule, "unknown", f"未提供{missing}，无法判断；要求：{need}。")
    if sample > population:
        return _result(rule, "fail", f"{sample_label}{sample}多于{pop_label}{population}，请核对。")
    if population <= rule.census_up_to:
        census = f"{pop_label}{population}，属于“{rule.census_condition}”，须全数调查"
        if sample == population:
            return _result(rule, "pass", f"{census}：{sample_label}{sample}，已全数调查。")
        return _result(rule, "fail", f"{census}，但{sample_label}只有{sample}。")
    if population < rule.minimum:
        # The notice's range cannot be reached with so few people: a census is the closest reading.
        if sample == population:
            return _result(
                rule,
                "pass",
                f"{pop_label}{population}少于通知要求的{sample_label}下限{rule.minimum}，已全数调查（{sample}），"
                "这是能做到的最大样本。",
            )
        return _result(
            rule,
            "fail",
            f"{pop_label}{population}少于通知要求的{sample_label}下限{rule.minimum}，应全数调查，但只有{sample}。",
        )
    if sample < rule.minimum or (rule.maximum is not None and sample > rule.maximum):
        return _result(
            rule, "fail", f"{pop_label}{population}，{sample_label}{sample}不符合要求：应{wanted_range}。"
        )
    return _result(
        rule, "pass", f"{pop_label}{population}，{sample_label}{sample}，{wanted_range}，符合要求。"
    )


def _check_honours(rule: HonoursRule, facts: ApplicantFacts, ref: _Reference) -> RuleResult:
    window = f"近{rule.within_years}年内"
    if facts.honours_dates is None:
        need = f"须提供{window}获得的荣誉复印件" if rule.required else f"只有{window}获得的荣誉可作为证实材料"
        return _result(rule, "unknown", f"未提供荣誉获得日期，无法判断；{need}。")
    if ref.day is None:
        return _result(rule, "unknown", f"{ref.missing()}荣誉是否在{window}。")
    earliest = years_before(ref.day, rule.within_years)
    recent = [day for day in facts.honours_dates if earliest <= day <= ref.day]
    old = sorted(day for day in facts.honours_dates if day < earliest)
    future = sorted(day for day in facts.honours_dates if day > ref.day)
    notes = []
    if old:
        notes.append(f"{'、'.join(_fmt(day) for day in old)}获得的荣誉早于{_fmt(earliest)}，不计入")
    if future:
        notes.append(f"{'、'.join(_fmt(day) for day in future)}晚于{ref.label}，请核对")
    note = ("；" + "；".join(notes)) if notes else ""
    if recent:
        return _result(rule, "pass", f"有{len(recent)}项荣誉在{window}（不早于{_fmt(earliest)}）{note}。")
    if rule.required:
        return _result(
            rule,
            "fail",
            f"没有{window}（{_fmt(earliest)}以后）获得的荣誉，须提供{window}的荣誉复印件{note}。",
        )
    return _result(
        rule,
        "pass",
        f"没有{window}获得的荣誉；本项目不强制要求荣誉，但只有{window}的荣誉可作为证实材料{note}。",
    )


def _check_min_self_assessment(
    rule: MinSelfAssessmentRule, facts: ApplicantFacts, ref: _Reference
) -> RuleResult:
    minimum = f"{rule.minimum:g}"
    if facts.self_assessment_total is None:
        return _result(rule, "unknown", f"未提供自评总分；自评{minimum}分及以上方可申报。")
    total = f"{facts.self_assessment_total:g}"
    if facts.self_assessment_total < rule.minimum:
        return _result(rule, "fail", f"自评总分{total}分，低于{minimum}分；自评{minimum}分及以上方可申报。")
    return _result(rule, "pass", f"自评总分{total}分，达到{minimum}分。")


def _check_document(rule: DocumentRule, facts: ApplicantFacts, ref: _Reference) -> RuleResult:
    provided = facts.documents.get(rule.document)
    if provided is None:
        return _result(rule, "unknown", f"未说明是否提供{rule.document_name}；本类别必须提供。")
    if not provided:
        return _result(rule, "fail", f"未提供{rule.document_name}；本类别必须提供。")
    return _result(rule, "pass", f"已提供{rule.document_name}。")


def _check_no_major_incident(rule: NoMajorIncidentRule, facts: ApplicantFacts, ref: _Reference) -> RuleResult:
    window = f"近{rule.within_years}年内" if rule.within_years else ""
    if facts.major_incident is None:
        return _result(
            rule, "unknown", f"未说明{window}是否发生过{rule.condition}；发生过即一票否决，不得申报。"
        )
    if facts.major_incident:
        return _result(rule, "fail", f"{window}发生过{rule.condition}，按规定一票否决，不得申报。")
    return _result(rule, "pass", f"{window}未发生{rule.condition}。")


def _check_deadline(rule: DeadlineRule, facts: ApplicantFacts, ref: _Reference) -> RuleResult:
    deadline = _fmt(rule.deadline)
    if ref.day is None:
        return _result(
            rule, "unknown", f"{ref.missing()}；材料须于{deadline}前（含当天）报送{rule.submit_to}。"
        )
    if ref.day > rule.deadline:
        return _result(
            rule, "fail", f"{ref.label}{_fmt(ref.day)}已过截止日期{deadline}（材料报送{rule.submit_to}）。"
        )
    days_left = (rule.deadline - ref.day).days
    left = "当天就是截止日" if days_left == 0 else f"距截止还有{days_left}天"
    return _result(
        rule, "pass", f"{ref.label}{_fmt(ref.day)}未过截止日期{deadline}（{left}；报送{rule.submit_to}）。"
    )


_CHECKS: dict[str, Callable[[Any, ApplicantFacts, _Reference], RuleResult]] = {
    "report_age": _check_report_age,
    "survey_not_before": _check_survey_not_before,
    "third_party_survey": _check_third_party,
    "sample_size": _check_sample_size,
    "honours_recency": _check_honours,
    "min_self_assessment": _check_min_self_assessment,
    "document": _check_document,
    "no_major_incident": _check_no_major_incident,
    "deadline": _check_deadline,
}


def check_eligibility(
    programme: str, category: str, facts: ApplicantFacts, *, today: date | None = None
) -> EligibilityReport:
    """Apply the programme's rules for ``category`` (id, Chinese name or alias) to ``facts``.

    ``today`` stands in for the application date when the facts have none (the module never reads
    the clock). Raises EligibilityError for an unknown programme or category.
    """
    rules = load_eligibility(programme)
    chosen = rules.category(category)
    ref = _Reference(facts, today)
    results = tuple(_CHECKS[rule.kind](rule, facts, ref) for rule in rules.rules_for(chosen.id))
    return EligibilityReport(
        programme=rules.programme,
        programme_name=rules.name,
        category=chosen.id,
        category_name=chosen.name,
        results=results,
    )
