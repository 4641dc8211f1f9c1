"""The assessment engine on the shipped rubrics: flow, vetoes, the pass line, navigation and results."""

from __future__ import annotations

import json

import pytest

from rubric_engine import (
    AnswerError,
    AssessmentState,
    ScoreError,
    StepKind,
    UnknownStepError,
    answer,
    assess,
    back,
    edit,
    load_rubric,
    next_step,
    render_form_text,
    result,
    start,
    summary,
)
from tests.rubric_engine.support import answer_all

# Max on every item, as typed by an applicant: "10分" etc.
STAR_MAX = ["10分", "15分", "15分", "10分", "10分", "20分", "20分"]


# ------------------------------------------------------------------------------------------------ flow


def test_vetoes_are_asked_first_and_explained() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    step = next_step(rubric, start(rubric))
    assert step.kind is StepKind.VETO and step.step_id == "major-accident"
    assert step.question.startswith("【一票否决项 1/3】企业是否存在重大质量、安全、环保责任事故？")
    assert "一票否决" in step.text and "现场调查中发现企业有此情况即一票否决" in step.text
    assert [choice.label for choice in step.choices] == ["是（存在该情况，一票否决）", "否"]
    assert step.progress == "一票否决项 第1/3项 · 申报线80分"


def test_an_item_step_shows_names_numbered_bands_allowed_scores_and_progress() -> None:
    rubric = load_rubric("lianyungang-2016-manager")
    state = answer_all(rubric, ["否", "8分", "9分"])
    step = next_step(rubric, state)
    assert step.kind is StepKind.ITEM and step.step_id == "learning-organisation"
    assert (step.category, step.item) == ("工作创新（40分）", "建立学习型、创新型组织")
    assert step.progress == "第3/7项 · 已得17分 · 申报线80分"
    assert [(c.key, c.letter, c.points) for c in step.choices] == [
        ("1", "A", "1-7分"),
        ("2", "B", "8-12分"),
        ("3", "C", "13-15分"),
    ]
    assert step.choices[1].label.startswith("倡导管理创新、技术创新")
    assert step.allowed_scores == list(range(1, 16))
    assert "1. 倡导学习型组织" in step.text and "（1-7分）" in step.text
    assert step.hint.startswith("请输入1-15之间的整数分数，或选择档次1-3")


def test_a_rubric_without_vetoes_starts_with_its_first_item() -> None:
    rubric = load_rubric("qinghai-2025-star")
    step = next_step(rubric, start(rubric))
    assert (step.kind, step.step_id, step.progress) == (
        StepKind.ITEM,
        "moral-character",
        "第1/7项 · 已得0分 · 申报线80分（暂定）",  # 青海 prints no pass mark: 80 is assumed
    )


def test_a_band_without_a_score_asks_for_the_score_inside_it() -> None:
    rubric = load_rubric("lianyungang-2016-star")
    state = answer_all(rubric, ["第2档"])
    step = next_step(rubric, state)
    assert step.kind is StepKind.SCORE_IN_LEVEL and step.allowed_scores == [7, 8]
    assert "您选择了第2档" in step.question
    state = answer_all(rubric, ["8"], state)
    assert state.scores == {"moral-character": 8}
    assert next_step(rubric, state).step_id == "professionalism"


def test_a_fixed_band_scores_at_once() -> None:
    rubric = load_rubric("lianyungang-2016-manager")
    state = answer_all(rubric, ["否", "8分", "9分", "13分", "第1档"])
    assert state.scores["satisfaction-project"] == 5
    assert next_step(rubric, state).step_id == "organisational-performance"


def test_a_score_typed_directly_is_one_step() -> None:
    rubric = load_rubric("lianyungang-2016-star")
    state = answer_all(rubric, ["9"])
    assert state.scores == {"moral-character": 9} and state.pending is None


def test_completed_assessment_reports_done_and_refuses_further_answers() -> None:
    rubric = load_rubric("lianyungang-2016-star")
    state = answer_all(rubric, STAR_MAX)
    step = next_step(rubric, state)
    assert step.kind is StepKind.DONE and step.step_id is None
    assert "自评已完成：总分100分（满分100分），可以申报。" in step.text
    refused = answer(rubric, state, "5")
    assert isinstance(refused, AnswerError) and "自评已全部完成" in refused.message


# ------------------------------------------------------------------------------------------------ totals


def test_enterprise_answers_give_the_total_computed_by_hand() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    texts = ["否", "否", "否"]
    texts += ["4", "3"]  # 活动组织 4+3=7
    texts += ["5分", ">10亿元", "4", "质量、环境、职业健康安全等多体系认证"]  # 企业实力 5+4+4+4=17
    texts += ["5", "4", "5", "4", "5", "4", "3"]  # 服务水平 5+4+5+4+5+4+3=30
    texts += ["7", "3", "4", "3", "4"]  # 执行情况 7+3+4+3+4=21
    texts += ["满意度88", "2分", "3"]  # 用户满意度评价 3+2+3=8 (88 exceeds 85: 3分)
    outcome = result(rubric, answer_all(rubric, texts))
    assert [category.score for category in outcome.categories] == [7, 17, 30, 21, 8]
    assert outcome.categories[1].group_scores == {"scale": 9, "quality-strength": 8}
    assert (outcome.total, outcome.max_total, outcome.complete, outcome.eligible) == (83, 100, True, True)
    evaluation = next(item for item in outcome.items if item.id == "evaluation-result")
    assert (evaluation.score, evaluation.figure, evaluation.level_index) == (3, 88.0, 1)
    assert evaluation.level_label == "用户满意度指数超过85分"
    management = next(item for item in outcome.items if item.id == "management-system")
    assert (management.score, management.level_index) == (4, 1)


def test_manager_answers_give_the_total_computed_by_hand() -> None:
    rubric = load_rubric("qinghai-2025-manager")
    # 8 + 9 + 13 + 5 + 5 + 20 + 12 = 72
    state = answer_all(rubric, ["否", "2", "8", "9", "13", "1", "5", "20", "12"])
    outcome = result(rubric, state)
    assert [category.score for category in outcome.categories] == [8, 9, 23, 32]
    assert outcome.total == 72 and not outcome.eligible
    caution = rubric.item("satisfaction-project").levels[0].caution
    assert outcome.reasons == [
        "自评总分72分，低于申报线80分（通知未明确，按80分暂定，请向协会确认），差8分。",
        "未触发一票否决项。",
        f"“{rubric.item('satisfaction-project').name}”选了第1档（5分）。{caution}",
    ]


@pytest.mark.parametrize(
    ("scores", "eligible"),
    [([8, 12, 13, 9, 10, 17, 10], False), ([8, 12, 13, 9, 10, 17, 11], True)],
)
def test_79_is_below_the_line_and_80_is_on_it(scores: list[int], eligible: bool) -> None:
    outcome = assess(load_rubric("lianyungang-2016-star"), scores, {})
    assert outcome.total == sum(scores) and outcome.eligible is eligible
    expected = "自评总分80分，达到申报线80分。" if eligible else "自评总分79分，低于申报线80分（差1分）。"
    assert expected in outcome.reasons


def test_minimum_and_maximum_of_every_form() -> None:
    for rubric_id, minimum in [
        ("lianyungang-2016-enterprise", 4 + 11 + 12 + 9 + 2),  # by hand from the 分值 column (评价结果 0)
        ("lianyungang-2016-star", 1 + 1 + 1 + 1 + 1 + 1 + 1),
        ("lianyungang-2016-manager", 1 + 1 + 1 + 5 + 3 + 1 + 1),
    ]:
        rubric = load_rubric(rubric_id)
        lowest = [
            next(score for score in item.allowed_scores if score > 0 or not item.veto)
            for item in rubric.items
        ]
        assert assess(rubric, lowest, {}).total == minimum
        assert assess(rubric, [max(item.allowed_scores) for item in rubric.items], {}).total == 100


# ------------------------------------------------------------------------------------------------ vetoes


@pytest.mark.parametrize("veto_index", [0, 1, 2])
def test_each_enterprise_veto_makes_a_full_score_ineligible(veto_index: int) -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    answers = ["否", "否", "否"]
    answers[veto_index] = "是"
    full = [str(max(item.allowed_scores)) + "分" for item in rubric.items]
    full[rubric.items.index(rubric.item("evaluation-result"))] = "95"
    outcome = result(rubric, answer_all(rubric, answers + full))
    assert outcome.total == 100 and outcome.complete and not outcome.eligible
    veto = rubric.vetoes[veto_index]
    assert [v.triggered for v in outcome.vetoes] == [i == veto_index for i in range(3)]
    assert f"触发一票否决：{veto.condition}，不得申报。" in outcome.reasons


def test_manager_accident_answered_yes_scores_the_item_zero_and_skips_it() -> None:
    rubric = load_rubric("lianyungang-2016-manager")
    state = answer_all(rubric, ["是", "10分", "10分", "15分", "15分"])
    assert state.scores["organisational-performance"] == 0
    assert next_step(rubric, state).step_id == "organisation-recognition"
    assert "已触发一票否决" in (next_step(rubric, state).warning or "")
    outcome = result(rubric, answer_all(rubric, ["25分", "15分"], state))
    assert outcome.total == 90 and not outcome.eligible
    item = next(item for item in outcome.items if item.id == "organisational-performance")
    assert (item.score, item.vetoed, item.level_index) == (0, True, None)
    assert item.level_label == "一票否决：近三年内所在组织发生过重大质量、安全事故"
    assert "触发一票否决：近三年内所在组织发生过重大质量、安全事故，不得申报。" in outcome.reasons


def test_manager_zero_on_the_item_triggers_the_veto_and_three_clears_it() -> None:
    rubric = load_rubric("qinghai-2025-manager")
    state = answer_all(rubric, ["否", "10分", "10分", "15分", "15分", "0"])
    assert state.vetoes == {"organisation-accident": True} and state.scores["organisational-performance"] == 0
    state = answer_all(rubric, ["3分"], edit(rubric, state, "organisational-performance"))
    assert (
        state.vetoes == {"organisation-accident": False} and state.scores["organisational-performance"] == 3
    )


def test_revoking_the_accident_asks_the_item_again() -> None:
    rubric = load_rubric("lianyungang-2016-manager")
    state = answer_all(rubric, ["是"])
    state = answer_all(rubric, ["否"], edit(rubric, state, "organisation-accident"))
    assert "organisational-performance" not in state.scores
    done = answer_all(rubric, ["10分"] * 2 + ["15分"] * 2 + ["10分", "25分", "15分"], state)
    assert result(rubric, done).eligible


# ------------------------------------------------------------------------------------------------ navigation


def test_back_undoes_a_chosen_band_first_then_steps_back_keeping_answers() -> None:
    rubric = load_rubric("lianyungang-2016-star")
    state = answer_all(rubric, ["8分", "第2档"])
    assert next_step(rubric, state).kind is StepKind.SCORE_IN_LEVEL
    state = back(rubric, state)
    assert next_step(rubric, state).kind is StepKind.ITEM and state.scores == {"moral-character": 8}
    state = back(rubric, state)
    step = next_step(rubric, state)
    assert step.step_id == "moral-character" and step.current == "当前：8分 · 第2档（7-8分）"
    assert state.scores == {"moral-character": 8}
    state = answer_all(rubric, ["9"], state)
    assert state.scores == {"moral-character": 9}
    assert next_step(rubric, state).step_id == "professionalism"


def test_back_at_the_first_step_stays_there_and_from_done_goes_to_the_last_item() -> None:
    rubric = load_rubric("lianyungang-2016-star")
    first = back(rubric, start(rubric))
    assert next_step(rubric, first).step_id == "moral-character"
    done = answer_all(rubric, STAR_MAX)
    assert next_step(rubric, back(rubric, done)).step_id == "service-model-recognition"


def test_edit_keeps_the_old_value_until_a_valid_new_one_is_given() -> None:
    rubric = load_rubric("lianyungang-2016-star")
    state = edit(rubric, answer_all(rubric, STAR_MAX), "professionalism")
    assert next_step(rubric, state).current == "当前：15分 · 第3档（13-15分）"
    refused = answer(rubric, state, "16")
    assert isinstance(refused, AnswerError)
    assert result(rubric, state).total == 100
    state = answer_all(rubric, ["第1档"], state)
    assert result(rubric, state).total == 100  # a band chosen, no score yet: old value still counts
    state = answer_all(rubric, ["6"], state)
    outcome = result(rubric, state)
    assert outcome.total == 91 and outcome.eligible
    assert next_step(rubric, state).kind is StepKind.DONE


def test_edit_of_an_unknown_id_lists_the_valid_ones() -> None:
    rubric = load_rubric("lianyungang-2016-team")
    with pytest.raises(UnknownStepError, match="可修改的有：teamwork、professionalism"):
        edit(rubric, start(rubric), "nonexistent")


# ------------------------------------------------------------------------------------------------ results


def test_an_incomplete_assessment_is_not_eligible_and_says_what_is_missing() -> None:
    rubric = load_rubric("lianyungang-2016-team")
    outcome = result(rubric, answer_all(rubric, ["10分", "15分"]))
    assert (outcome.complete, outcome.eligible, outcome.total) == (False, False, 25)
    assert outcome.reasons[0].startswith("自评尚未完成：还有5项未评分（服务严守规范工作扎实有效、")
    assert "目前已得25分，低于申报线80分（差55分）。" in outcome.reasons


def test_summary_lists_categories_items_and_gaps() -> None:
    rubric = load_rubric("lianyungang-2016-manager")
    text = summary(rubric, answer_all(rubric, ["否", "8分"]))
    assert "连云港市用户满意服务杰出管理者自评标准（已评1/7项）" in text
    assert "  · 近三年内，您所在组织是否发生过重大质量、安全事故？ 否" in text
    assert "政治坚定（10分）：小计8分" in text and "  · 立场坚定，社会责任感强：8分 · 第2档（7-8分）" in text
    assert "  · 作风务实，文明严谨：未评分" in text
    assert "总分：8/100分 · 申报线80分" in text


def test_the_same_answers_give_byte_identical_results_and_states() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    texts = (
        ["否"] * 3
        + ["5分"] * 2
        + ["5", "1", "5", "1"]
        + ["5分"] * 7
        + ["8", "4", "4", "4", "5", "92", "3", "3"]
    )
    first, second = answer_all(rubric, texts), answer_all(rubric, texts)
    assert first.model_dump_json() == second.model_dump_json()
    assert result(rubric, first).model_dump_json() == result(rubric, second).model_dump_json()
    # the same final answers reached by another path (an edit) serialise the same way
    detour = answer_all(rubric, ["4分"], edit(rubric, first, "mobilisation"))
    detour = answer_all(rubric, ["5分"], edit(rubric, detour, "mobilisation"))
    assert detour.model_dump_json() == first.model_dump_json()


def test_state_round_trips_through_json() -> None:
    rubric = load_rubric("lianyungang-2016-manager")
    state = answer_all(rubric, ["否", "8分", "第3档"])
    restored = AssessmentState.model_validate(json.loads(json.dumps(state.model_dump(mode="json"))))
    assert restored == state and next_step(rubric, restored) == next_step(rubric, state)


def test_a_state_from_another_rubric_is_refused() -> None:
    star, team = load_rubric("lianyungang-2016-star"), load_rubric("lianyungang-2016-team")
    with pytest.raises(ValueError, match="状态属于自评表lianyungang-2016-star"):
        next_step(team, start(star))


# ------------------------------------------------------------------------------------------------ assess


def test_assess_matches_the_interactive_result() -> None:
    rubric = load_rubric("lianyungang-2016-manager")
    interactive = result(rubric, answer_all(rubric, ["否", "8分", "9分", "13分", "5", "5", "20分", "12分"]))
    batch = assess(rubric, [8, 9, 13, 5, 5, 20, 12], {"organisation-accident": False})
    assert batch.model_dump_json() == interactive.model_dump_json()
    assert assess(rubric, [8, 9, 13, 5, 5, 20, 12], {}).model_dump_json() == interactive.model_dump_json()


def test_assess_takes_points_for_derived_items_and_floats_that_are_whole() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    scores: list[int | float] = [max(item.allowed_scores) for item in rubric.items]
    scores[rubric.items.index(rubric.item("evaluation-result"))] = 0.0
    answered = {veto.id: False for veto in rubric.vetoes}
    outcome = assess(rubric, scores, answered)
    assert outcome.total == 96 and outcome.eligible
    assert [v.triggered for v in outcome.vetoes] == [False, False, False]


def test_assess_leaves_vetoes_it_was_not_told_about_unanswered() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    scores = [max(item.allowed_scores) for item in rubric.items]
    outcome = assess(rubric, scores, {"major-accident": False})
    assert [v.triggered for v in outcome.vetoes] == [False, None, None]
    assert outcome.total == 100 and not outcome.complete and not outcome.eligible
    assert (
        "还有2个一票否决问题未回答（企业在苏境内注册未满3年；特殊行业无相应资质），回答前不能判断能否申报。"
        in outcome.reasons
    )


def test_assess_errors_name_the_item_value_and_allowed_scores() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    good = [max(item.allowed_scores) for item in rubric.items]
    with pytest.raises(ScoreError, match="共有21个评分细项，收到20个分数"):
        assess(rubric, good[:-1], {})
    bad = list(good)
    bad[0] = 1
    with pytest.raises(ScoreError, match="第1项「活动发动」的分数1不被允许；允许的分值：2-5") as caught:
        assess(rubric, bad, {})
    assert (caught.value.item_id, caught.value.value, caught.value.allowed) == (
        "mobilisation",
        1,
        (2, 3, 4, 5),
    )
    bad[0] = 3.5
    with pytest.raises(ScoreError, match=r"须为整数，收到3\.5"):
        assess(rubric, bad, {})
    bad[0] = True
    with pytest.raises(ScoreError, match="须为数字"):
        assess(rubric, bad, {})
    derived = list(good)
    derived[rubric.items.index(rubric.item("evaluation-result"))] = 1
    with pytest.raises(ScoreError, match="允许的分值：0或2-4"):
        assess(rubric, derived, {})
    with pytest.raises(ScoreError, match="没有一票否决项“fire”；可用的有：major-accident"):
        assess(rubric, good, {"fire": True})


def test_assess_veto_carried_by_an_item_must_agree_with_its_score() -> None:
    rubric = load_rubric("qinghai-2025-manager")
    with pytest.raises(ScoreError, match="该项只能为0分，收到8") as caught:
        assess(rubric, [10, 10, 15, 15, 8, 25, 15], {"organisation-accident": True})
    assert caught.value.allowed == (0,)
    with pytest.raises(ScoreError, match="允许的分值：3-10"):
        assess(rubric, [10, 10, 15, 15, 0, 25, 15], {"organisation-accident": False})
    with pytest.raises(ScoreError, match="允许的分值：0或3-10"):
        assess(rubric, [10, 10, 15, 15, 2, 25, 15], {})
    vetoed = assess(rubric, [10, 10, 15, 15, 0, 25, 15], {})
    assert vetoed.vetoes[0].triggered and not vetoed.eligible and vetoed.total == 90


# ------------------------------------------------------------------------------------------------ readings


@pytest.mark.parametrize("rubric_id", ["lianyungang-2016-manager", "qinghai-2025-manager"])
def test_the_5_point_band_that_alone_requires_a_national_title_is_flagged_when_chosen(rubric_id: str) -> None:
    """推进满意工程: only the 5-point band asks for the national title; the applicant is told the reading."""
    rubric = load_rubric(rubric_id)
    state = answer_all(rubric, ["否", "8分", "9分", "13分"])
    step = next_step(rubric, state)
    assert step.step_id == "satisfaction-project"
    first, *others = step.choices
    assert first.points == "5分" and first.caution is not None and "请向协会确认" in first.caution
    assert all(choice.caution is None for choice in others)
    assert first.caution in step.text
    chosen = result(rubric, answer_all(rubric, ["1"], state))
    outcome = next(item for item in chosen.items if item.id == "satisfaction-project")
    assert outcome.score == 5 and outcome.caution == first.caution
    assert any("第1档（5分）" in reason and first.caution in reason for reason in chosen.reasons)
    higher = result(rubric, answer_all(rubric, ["2", "7"], state))
    assert not any(first.caution in reason for reason in higher.reasons)
    # The inconsistency is recorded against the printed band.
    (note,) = rubric.item("satisfaction-project").levels[0].source_notes
    assert note.literal.endswith("称号（5分）") and "只有最低" in note.reason


QINGHAI_ASSUMED = "申报线80分（通知未明确，按80分暂定，请向协会确认）"


@pytest.mark.parametrize("rubric_id", ["qinghai-2025-manager", "qinghai-2025-star"])
def test_an_assumed_pass_mark_is_never_shown_as_fact(rubric_id: str) -> None:
    """青海 prints no pass mark: steps, reasons, the summary and the text form all say 80 is provisional."""
    rubric = load_rubric(rubric_id)
    assert rubric.pass_mark_assumed and rubric.pass_mark_label == QINGHAI_ASSUMED
    assert rubric.pass_mark_short_label == "申报线80分（暂定）"
    scores = [item.allowed_scores[-1] for item in rubric.items]
    outcome = assess(rubric, scores)
    assert outcome.eligible and outcome.pass_mark_assumed and outcome.pass_mark_label == QINGHAI_ASSUMED
    assert f"自评总分100分，达到{QINGHAI_ASSUMED}。" in outcome.reasons
    assert "符合自评申报条件，可以申报（按暂定的申报线，请向协会确认）。" in outcome.reasons
    state = start(rubric)
    while (step := next_step(rubric, state)).kind is not StepKind.DONE:
        assert step.progress.endswith("申报线80分（暂定）")
        state = answer_all(
            rubric, ["否" if step.kind is StepKind.VETO else f"{step.allowed_scores[-1]}分"], state
        )
    assert "按暂定的申报线可以申报" in step.text and step.progress.endswith("申报线80分（暂定）")
    assert QINGHAI_ASSUMED in summary(rubric, state)
    text = render_form_text(rubric, result(rubric, state))
    assert f"，{QINGHAI_ASSUMED}" in text and "结论：按暂定的申报线可以申报" in text


def test_a_printed_pass_mark_is_shown_plainly() -> None:
    rubric = load_rubric("lianyungang-2016-star")
    assert not rubric.pass_mark_assumed and rubric.pass_mark_label == "申报线80分"
    outcome = assess(rubric, [item.allowed_scores[-1] for item in rubric.items])
    assert not outcome.pass_mark_assumed and "符合自评申报条件，可以申报。" in outcome.reasons
