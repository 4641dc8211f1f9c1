"""The eligibility interview: which facts a programme's rules need, how to ask for them, and how to read
the replies. Pure data and parsing; the dialogue asks the questions one by one and the ``check`` command
takes the same facts as ``KEY=VALUE``, so both apply the same rules with the same citations.

The questions follow from the rules' kinds (a report-age rule needs the report's date, a sample-size rule
the population and the sample), so a new programme's rules file brings its interview with it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from rubric_engine import _answers
from rubric_engine._eligibility import (
    ApplicantFacts,
    DocumentRule,
    EligibilityReport,
    HonoursRule,
    MinSelfAssessmentRule,
    NoMajorIncidentRule,
    ReportAgeRule,
    SampleSizeRule,
    SurveyNotBeforeRule,
    ThirdPartyRule,
    load_eligibility,
)

FactKind = Literal["date", "dates", "count", "yes_no", "score"]

# Replies meaning "I don't know": the rules needing the fact then say 待确认 (unknown).
SKIP_WORDS = frozenset({"跳过", "不清楚", "不知道", "不确定", "不了解", "待定", "skip", "?", "？"})
_NONE_WORDS = frozenset({"没有", "无", "没", "没有荣誉", "暂无", "none", "no"})
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COUNT = re.compile(r"^(\d+)\s*(?:个|人|名|份|户|家|位)?$")
_SCORE = re.compile(r"^(\d+(?:\.\d+)?)\s*分?$")


class FactError(ValueError):
    """A reply that does not read as the fact asked for (message in Chinese, saying what to type)."""


class FactQuestion(BaseModel):
    """One fact to ask for. ``key`` is also the ``KEY`` of ``applicant-bot check --answer KEY=VALUE``."""

    model_config = ConfigDict(frozen=True)

    key: str
    kind: FactKind
    prompt: str
    hint: str
    rule_ids: tuple[str, ...]


_HINTS: dict[FactKind, str] = {
    "date": "请输入日期，如2025-06-30或2025年6月30日",
    "dates": "请输入获得日期，多个用逗号分隔，如2024-05-01，2023-12-20；没有请回复“没有”",
    "count": "请输入一个整数，如120",
    "yes_no": "请回答“是”或“否”",
    "score": "请输入自评总分，如86",
}


def fact_questions(programme: str, category: str) -> list[FactQuestion]:
    """The facts the rules of ``category`` need, in the rules' order, each asked once."""
    rules = load_eligibility(programme)
    questions: dict[str, FactQuestion] = {}

    def ask(key: str, kind: FactKind, prompt: str, rule_id: str) -> None:
        if key in questions:
            known = questions[key]
            questions[key] = known.model_copy(update={"rule_ids": (*known.rule_ids, rule_id)})
        else:
            questions[key] = FactQuestion(
                key=key, kind=kind, prompt=prompt, hint=_HINTS[kind], rule_ids=(rule_id,)
            )

    for rule in rules.rules_for(category):
        if isinstance(rule, ReportAgeRule):
            ask("report_date", "date", "您的用户满意度测评报告是哪一天出具的？", rule.id)
        elif isinstance(rule, SurveyNotBeforeRule):
            ask("survey_date", "date", "用户满意度调查是哪一天开展的？", rule.id)
        elif isinstance(rule, ThirdPartyRule):
            ask("third_party", "yes_no", "满意度测评是否由具有满意度调查资质的第三方机构完成？", rule.id)
        elif isinstance(rule, SampleSizeRule):
            ask(rule.population_fact, "count", f"{rule.population_label}有多少？", rule.id)
            ask(rule.sample_fact, "count", f"{rule.sample_label}是多少？", rule.id)
        elif isinstance(rule, HonoursRule):
            ask("honours_dates", "dates", "您获得的相关荣誉（奖项）分别是哪一天获得的？", rule.id)
        elif isinstance(rule, MinSelfAssessmentRule):
            ask("self_assessment_total", "score", "您的自评总分是多少分？", rule.id)
        elif isinstance(rule, DocumentRule):
            ask(f"documents.{rule.document}", "yes_no", f"能否提供{rule.document_name}？", rule.id)
        elif isinstance(rule, NoMajorIncidentRule):
            window = f"近{rule.within_years}年内，" if rule.within_years else ""
            ask("major_incident", "yes_no", f"{window}是否发生过{rule.condition}？", rule.id)
        # deadline rules need no fact: they are judged on the application date, today by default
    return list(questions.values())


def is_skip(text: str) -> bool:
    return _answers.normalise(text) in SKIP_WORDS


def parse_fact(question: FactQuestion, text: str) -> Any:
    """The reply as a JSON-able value (None for "不清楚"); FactError says what to type instead."""
    if is_skip(text):
        return None
    cleaned = _answers.normalise(text)
    if question.kind == "yes_no":
        value = _answers.parse_yes_no(text)
        if value is None:
            raise FactError(f"无法识别“{text.strip()}”。{question.hint}，不清楚可回复“跳过”。")
        return value
    if question.kind == "date":
        days = _dates(cleaned)
        if len(days) != 1:
            raise FactError(f"无法识别“{text.strip()}”中的日期。{question.hint}，不清楚可回复“跳过”。")
        return days[0].isoformat()
    if question.kind == "dates":
        if cleaned in _NONE_WORDS:
            return []
        days = _dates(cleaned)
        if not days:
            raise FactError(f"无法识别“{text.strip()}”中的日期。{question.hint}。")
        return [day.isoformat() for day in days]
    if question.kind == "count":
        match = _COUNT.match(cleaned)
        if match is None:
            raise FactError(f"无法识别“{text.strip()}”。{question.hint}，不清楚可回复“跳过”。")
        return int(match.group(1))
    match = _SCORE.match(cleaned)
    if match is None or not 0 <= float(match.group(1)) <= 100:
        raise FactError(f"无法识别“{text.strip()}”。{question.hint}（0-100分），不清楚可回复“跳过”。")
    return float(match.group(1))


def _dates(text: str) -> list[date]:
    found: list[date] = []
    for match in _DATE.finditer(text):
        year, month, day = (int(part) for part in match.groups())
        try:
            found.append(date(year, month, day))
        except ValueError as error:
            raise FactError(f"“{match.group(0)}”不是有效的日期。") from error
    return found


def facts_from_answers(answers: dict[str, Any]) -> ApplicantFacts:
    """The applicant's facts from the interview's answers (keys of ``fact_questions``; None = unknown)."""
    values: dict[str, Any] = {}
    documents: dict[str, bool] = {}
    for key, value in answers.items():
        if value is None:
            continue
        if key.startswith("documents."):
            documents[key.removeprefix("documents.")] = bool(value)
        elif key == "honours_dates":
            values[key] = tuple(date.fromisoformat(day) for day in value)
        elif key in ("report_date", "survey_date", "application_date"):
            values[key] = date.fromisoformat(value)
        else:
            values[key] = value
    return ApplicantFacts(**values, documents=documents)


_STATUS_ICONS = {"pass": "✅", "fail": "❌", "unknown": "❔"}


def render_eligibility_text(report: EligibilityReport) -> str:
    """The report as chat text: a verdict, then every rule with its status, why, and where it is written."""
    lines = [f"申报条件自查结果（{report.programme_name} · {report.category_name}）："]
    for number, result in enumerate(report.results, start=1):
        icon = _STATUS_ICONS[result.status]
        lines.append(f"{number}. {icon} {result.name}：{result.status_label}。{result.explanation}")
        lines.append(f"   依据：{result.source.cite()}")
    if report.status == "fail":
        names = "、".join(result.name for result in report.failed)
        lines.append(f"结论：有{len(report.failed)}项不符合（{names}），按通知规定暂不能申报。")
    elif report.status == "unknown":
        names = "、".join(result.name for result in report.unknown)
        lines.append(
            f"结论：其余各项符合，{len(report.unknown)}项待确认（{names}），补齐信息后可再自查一次。"
        )
    else:
        lines.append("结论：以上各项均符合申报条件。")
    lines.append("以上根据您提供的信息和通知原文判断，最终以协会审核为准。")
    return "\n".join(lines)
