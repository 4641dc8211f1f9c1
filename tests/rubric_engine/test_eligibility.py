"""Eligibility rules: each rule's boundaries, the unknown case, and that every rule quotes its notice."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

import rubric_engine
from rubric_engine import (
    ApplicantFacts,
    EligibilityError,
    EligibilityProgramme,
    category_for_rubric,
    check_eligibility,
    list_eligibility_programmes,
    load_eligibility,
)

NOTICES = Path(__file__).resolve().parents[2].parent / "shared" / "notices"
LYG = "lianyungang-2016-service-star"
QH = "qinghai-2025"
JS = "jiangsu-2011-service-star"
GD = "guangdong-service-star"


def statuses(
    programme: str, category: str, facts: ApplicantFacts, today: date | None = None
) -> dict[str, str]:
    """rule id -> pass/fail/unknown for the rules of this category."""
    report = check_eligibility(programme, category, facts, today=today)
    return {result.rule_id: result.status for result in report.results}


def status(programme: str, category: str, rule_id: str, facts: ApplicantFacts) -> str:
    return statuses(programme, category, facts)[rule_id]


def result(programme: str, category: str, rule_id: str, facts: ApplicantFacts, today: date | None = None):
    report = check_eligibility(programme, category, facts, today=today)
    (found,) = [r for r in report.results if r.rule_id == rule_id]
    return found


# --- the data ---------------------------------------------------------------------------------------


def test_every_programme_file_loads() -> None:
    assert set(list_eligibility_programmes()) == {LYG, QH, JS, GD}
    for programme in list_eligibility_programmes():
        assert load_eligibility(programme).programme == programme


@pytest.fixture(scope="module")
def notices() -> Path:
    if not (NOTICES / "catalog.yaml").is_file():
        pytest.skip(f"notice corpus not found at {NOTICES}")
    return NOTICES


_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ]+\)")


def _normalised(text: str) -> str:
    """The garbled export cleaned the way the YAML quotes it: pinyin dropped, traditional -> simplified."""
    import opencc

    return opencc.OpenCC("t2s").convert(_PINYIN.sub("", text))


def test_every_rule_quotes_its_notice_and_title(notices: Path) -> None:
    catalog = yaml.safe_load((notices / "catalog.yaml").read_text(encoding="utf-8"))
    titles = {entry["file"]: entry["title"] for entry in catalog["documents"]}
    for programme in list_eligibility_programmes():
        for rule in load_eligibility(programme).rules:
            text = (notices / rule.source.file).read_text(encoding="utf-8")
            assert rule.source.title == titles[rule.source.file], (programme, rule.id)
            assert rule.source.quote in text or rule.source.quote in _normalised(text), (programme, rule.id)


def test_categories_name_existing_forms_of_their_programme_with_the_same_pass_mark() -> None:
    linked = 0
    for programme in list_eligibility_programmes():
        rules = load_eligibility(programme)
        for category in rules.categories:
            if category.rubric is None:
                continue
            linked += 1
            rubric = rubric_engine.load_rubric(category.rubric)
            assert rubric.programme == programme
            assert category_for_rubric(rubric.id) == (programme, category.id)
            for rule in rules.rules_for(category.id):
                if rule.kind == "min_self_assessment":
                    assert rule.minimum == rubric.pass_mark
    assert linked == len(rubric_engine.list_rubrics())
    assert category_for_rubric("no-such-form") is None


def test_a_rule_for_an_undeclared_category_is_rejected() -> None:
    data = yaml.safe_load(
        """
        programme: demo
        name: 示例
        categories: [{id: team, name: 班组}]
        rules:
          - id: deadline
            kind: deadline
            name: 截止
            deadline: 2020-01-01
            submit_to: 协会
            applies_to: [individual]
            source: {file: a.txt, title: 通知, section: 一、, quote: 截止}
        """
    )
    with pytest.raises(ValidationError, match="unknown categories"):
        EligibilityProgramme.model_validate(data)


def test_unknown_programme_and_category_name_what_is_allowed() -> None:
    with pytest.raises(EligibilityError, match=r"没有项目.*lianyungang-2016-service-star"):
        load_eligibility("nowhere-1999")
    with pytest.raises(EligibilityError, match=r"没有申报类别“厨师”.*individual（用户满意服务之星）"):
        check_eligibility(LYG, "厨师", ApplicantFacts())


def test_categories_are_found_by_chinese_name_or_alias() -> None:
    for name in ("individual", "个人", "服务之星", "用户满意服务之星"):
        assert check_eligibility(LYG, name, ApplicantFacts()).category == "individual"


# --- 连云港 ------------------------------------------------------------------------------------------


def test_lianyungang_report_of_exactly_two_years_passes_a_day_older_fails() -> None:
    applied = date(2016, 9, 1)
    at_limit = ApplicantFacts(application_date=applied, report_date=date(2014, 9, 1))
    too_old = ApplicantFacts(application_date=applied, report_date=date(2014, 8, 31))
    for category in ("enterprise", "manager", "team", "individual"):
        assert statuses(LYG, category, at_limit)["report-age"] == "pass"
        assert statuses(LYG, category, too_old)["report-age"] == "fail"
    failed = result(LYG, "individual", "report-age", too_old)
    assert "近2年内" in failed.explanation and "2014年9月1日" in failed.explanation


def test_report_age_uses_today_when_no_application_date_and_unknown_without_either() -> None:
    facts = ApplicantFacts(report_date=date(2014, 9, 1))
    assert statuses(LYG, "team", facts, today=date(2016, 9, 1))["report-age"] == "pass"
    assert statuses(LYG, "team", facts, today=date(2016, 9, 2))["report-age"] == "fail"
    missing_day = result(LYG, "team", "report-age", facts)
    assert missing_day.status == "unknown" and "申报日期" in missing_day.explanation
    missing_report = result(LYG, "team", "report-age", ApplicantFacts(application_date=date(2016, 9, 1)))
    assert missing_report.status == "unknown" and "测评报告日期" in missing_report.explanation


def test_report_dated_after_the_application_is_flagged() -> None:
    facts = ApplicantFacts(application_date=date(2016, 9, 1), report_date=date(2016, 10, 1))
    assert "请核对" in result(LYG, "team", "report-age", facts).explanation


def test_leap_day_application_counts_back_to_28_february() -> None:
    applied = date(2016, 2, 29)
    assert (
        status(
            LYG, "team", "report-age", ApplicantFacts(application_date=applied, report_date=date(2014, 2, 28))
        )
        == "pass"
    )
    assert (
        status(
            LYG, "team", "report-age", ApplicantFacts(application_date=applied, report_date=date(2014, 2, 27))
        )
        == "fail"
    )


def test_lianyungang_third_party_required_for_enterprise_and_manager_only() -> None:
    own_survey = ApplicantFacts(third_party=False)
    assert statuses(LYG, "enterprise", own_survey)["third-party"] == "fail"
    assert statuses(LYG, "manager", own_survey)["third-party"] == "fail"
    assert status(LYG, "manager", "third-party", ApplicantFacts(third_party=True)) == "pass"
    assert status(LYG, "manager", "third-party", ApplicantFacts()) == "unknown"
    # 班组 and 个人 may measure themselves (附件2 填报说明 6).
    assert "third-party" not in statuses(LYG, "team", own_survey)
    assert "third-party" not in statuses(LYG, "individual", own_survey)


@pytest.mark.parametrize(
    ("served", "sample", "expected"),
    [
        (49, 49, "pass"),
        (49, 48, "fail"),
        (50, 50, "pass"),
        (50, 49, "fail"),
        (400, 50, "pass"),
        (400, 49, "fail"),
    ],
)
def test_lianyungang_sample_size(served: int, sample: int, expected: str) -> None:
    facts = ApplicantFacts(served_count=served, sample_size=sample)
    assert statuses(LYG, "individual", facts)["sample-size"] == expected


def test_sample_larger_than_population_and_missing_counts() -> None:
    assert status(LYG, "team", "sample-size", ApplicantFacts(served_count=30, sample_size=31)) == "fail"
    unknown = result(LYG, "team", "sample-size", ApplicantFacts(served_count=30))
    assert unknown.status == "unknown" and "调查样本数" in unknown.explanation


def test_lianyungang_census_explanation_names_the_rule() -> None:
    failed = result(LYG, "team", "sample-size", ApplicantFacts(served_count=49, sample_size=30))
    assert "全数调查" in failed.explanation and "少于50个" in failed.explanation


def test_lianyungang_honours_within_three_years() -> None:
    applied = date(2016, 9, 1)
    at_limit = ApplicantFacts(application_date=applied, honours_dates=(date(2013, 9, 1),))
    too_old = ApplicantFacts(application_date=applied, honours_dates=(date(2013, 8, 31),))
    assert statuses(LYG, "individual", at_limit)["honours"] == "pass"
    failed = result(LYG, "individual", "honours", too_old)
    assert failed.status == "fail" and "不计入" in failed.explanation
    assert (
        status(LYG, "individual", "honours", ApplicantFacts(application_date=applied, honours_dates=()))
        == "fail"
    )
    assert status(LYG, "individual", "honours", ApplicantFacts(application_date=applied)) == "unknown"
    mixed = ApplicantFacts(application_date=applied, honours_dates=(date(2010, 1, 1), date(2015, 5, 1)))
    passed = result(LYG, "individual", "honours", mixed)
    assert passed.status == "pass" and "2010年1月1日" in passed.explanation


def test_lianyungang_self_assessment_pass_mark() -> None:
    assert status(LYG, "team", "self-assessment", ApplicantFacts(self_assessment_total=80)) == "pass"
    assert status(LYG, "team", "self-assessment", ApplicantFacts(self_assessment_total=79.5)) == "fail"
    assert status(LYG, "team", "self-assessment", ApplicantFacts()) == "unknown"


def test_lianyungang_org_code_certificate_for_enterprise_and_manager() -> None:
    assert status(LYG, "enterprise", "org-code-certificate", ApplicantFacts()) == "unknown"
    provided = ApplicantFacts(documents={"org_code_certificate": True})
    missing = ApplicantFacts(documents={"org_code_certificate": False})
    assert statuses(LYG, "manager", provided)["org-code-certificate"] == "pass"
    assert statuses(LYG, "enterprise", missing)["org-code-certificate"] == "fail"
    assert "org-code-certificate" not in statuses(LYG, "individual", missing)


def test_lianyungang_deadline_day_itself_is_in_time() -> None:
    assert status(LYG, "team", "deadline", ApplicantFacts(application_date=date(2016, 9, 10))) == "pass"
    late = result(LYG, "team", "deadline", ApplicantFacts(application_date=date(2016, 9, 11)))
    assert late.status == "fail" and "2016年9月10日" in late.explanation
    assert status(LYG, "team", "deadline", ApplicantFacts()) == "unknown"


def test_lianyungang_fully_compliant_individual_passes_and_one_failure_fails() -> None:
    good = ApplicantFacts(
        application_date=date(2016, 9, 1),
        report_date=date(2016, 6, 1),
        served_count=120,
        sample_size=60,
        honours_dates=(date(2015, 12, 1),),
        self_assessment_total=86,
    )
    report = check_eligibility(LYG, "individual", good)
    assert report.status == "pass" and len(report.results) == 5
    assert all(r.source.file == "lianyungang-2016-service-star.txt" for r in report.results)
    bad = good.model_copy(update={"self_assessment_total": 70})
    assert check_eligibility(LYG, "individual", bad).status == "fail"
    assert [r.rule_id for r in check_eligibility(LYG, "individual", bad).failed] == ["self-assessment"]
    partial = good.model_copy(update={"report_date": None})
    assert check_eligibility(LYG, "individual", partial).status == "unknown"


# --- 青海 --------------------------------------------------------------------------------------------


def test_qinghai_service_star_report_within_one_year() -> None:
    applied = date(2025, 8, 25)
    for category in ("individual", "manager"):
        assert (
            status(
                QH,
                category,
                "report-age",
                ApplicantFacts(application_date=applied, report_date=date(2024, 8, 25)),
            )
            == "pass"
        )
        assert (
            status(
                QH,
                category,
                "report-age",
                ApplicantFacts(application_date=applied, report_date=date(2024, 8, 24)),
            )
            == "fail"
        )


def test_qinghai_deadline_applies_to_service_star_not_to_rating() -> None:
    assert status(QH, "individual", "deadline", ApplicantFacts(application_date=date(2025, 8, 25))) == "pass"
    assert status(QH, "individual", "deadline", ApplicantFacts(application_date=date(2025, 8, 26))) == "fail"
    assert "deadline" not in statuses(QH, "企业类", ApplicantFacts(application_date=date(2025, 8, 26)))


def test_qinghai_rating_survey_on_or_after_2025_01_01() -> None:
    assert status(QH, "服务类", "survey-period", ApplicantFacts(survey_date=date(2025, 1, 1))) == "pass"
    assert status(QH, "服务类", "survey-period", ApplicantFacts(survey_date=date(2024, 12, 31))) == "fail"
    early_report = result(QH, "服务类", "survey-period", ApplicantFacts(report_date=date(2024, 12, 1)))
    assert early_report.status == "fail" and "调查时间必然更早" in early_report.explanation
    assert status(QH, "服务类", "survey-period", ApplicantFacts(report_date=date(2025, 3, 1))) == "unknown"


def test_qinghai_rating_needs_a_third_party_and_service_star_does_not() -> None:
    assert status(QH, "rating-team", "third-party", ApplicantFacts(third_party=False)) == "fail"
    assert "third-party" not in statuses(QH, "individual", ApplicantFacts(third_party=False))


@pytest.mark.parametrize(
    ("total", "listed", "expected"),
    [
        (50, 50, "pass"),
        (50, 49, "fail"),
        (51, 50, "pass"),
        (51, 49, "fail"),
        (300, 100, "pass"),
        (300, 101, "pass"),  # "提供50至100人信息即可": 100 is enough, not a ceiling
        (300, 150, "pass"),
    ],
)
def test_qinghai_respondent_list(total: int, listed: int, expected: str) -> None:
    facts = ApplicantFacts(respondent_total=total, respondents_listed=listed)
    assert statuses(QH, "企业类", facts)["respondent-list"] == expected


def test_qinghai_honours_are_optional_but_only_recent_ones_count() -> None:
    old_only = ApplicantFacts(application_date=date(2025, 8, 1), honours_dates=(date(2020, 1, 1),))
    outcome = result(QH, "individual", "honours", old_only)
    assert outcome.status == "pass" and "不强制" in outcome.explanation and "不计入" in outcome.explanation


def test_qinghai_product_and_project_documents() -> None:
    assert (
        status(QH, "产品类", "product-test-report", ApplicantFacts(documents={"product_test_report": False}))
        == "fail"
    )
    assert "product-test-report" not in statuses(QH, "工程类", ApplicantFacts())
    assert (
        status(QH, "工程类", "project-acceptance", ApplicantFacts(documents={"project_acceptance": True}))
        == "pass"
    )


# --- 江苏 2011 (forwarded by 常州) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("served", "sample", "expected"),
    [
        (49, 49, "pass"),
        (49, 40, "fail"),
        (500, 99, "fail"),
        (500, 100, "pass"),
        (500, 200, "pass"),
        (500, 201, "fail"),
        (80, 80, "pass"),  # 100-200 is impossible with 80 served: a census is accepted
        (80, 60, "fail"),
    ],
)
def test_jiangsu_sample_size(served: int, sample: int, expected: str) -> None:
    facts = ApplicantFacts(served_count=served, sample_size=sample)
    assert statuses(JS, "individual", facts)["sample-size"] == expected


def test_jiangsu_sample_rule_is_for_team_and_individual_third_party_for_the_others() -> None:
    facts = ApplicantFacts(served_count=500, sample_size=10, third_party=False)
    assert set(statuses(JS, "enterprise", facts)) >= {"third-party"}
    assert "sample-size" not in statuses(JS, "enterprise", facts)
    assert statuses(JS, "team", facts)["sample-size"] == "fail"
    assert "third-party" not in statuses(JS, "team", facts)


def test_jiangsu_changzhou_and_province_deadlines() -> None:
    def on(day: date) -> dict[str, str]:
        return statuses(JS, "team", ApplicantFacts(application_date=day))

    assert on(date(2011, 10, 17)) == {
        "sample-size": "unknown",
        "deadline-changzhou": "pass",
        "deadline-province": "pass",
    }
    assert on(date(2011, 10, 18))["deadline-changzhou"] == "fail"
    assert on(date(2011, 10, 31))["deadline-province"] == "pass"
    assert on(date(2011, 11, 1))["deadline-province"] == "fail"
    late = result(JS, "team", "deadline-changzhou", ApplicantFacts(application_date=date(2011, 10, 18)))
    assert "常州市质量协会" in late.explanation


# --- 广东 --------------------------------------------------------------------------------------------


def test_guangdong_requires_the_satisfaction_report() -> None:
    assert statuses(GD, "班组", ApplicantFacts(documents={"satisfaction_report": False})) == {
        "satisfaction-report": "fail"
    }


def test_qinghai_respondent_list_of_150_passes_and_says_100_is_enough() -> None:
    outcome = result(
        QH, "企业类", "respondent-list", ApplicantFacts(respondent_total=300, respondents_listed=150)
    )
    assert outcome.status == "pass"
    assert "即可" in outcome.explanation and "在50至100之间" not in outcome.explanation
