"""Every accepted way of answering, and the Chinese messages for everything else."""

from __future__ import annotations

import pytest

from rubric_engine import (
    AnswerError,
    AssessmentState,
    Rubric,
    StepKind,
    answer,
    load_rubric,
    next_step,
    start,
)
from rubric_engine._answers import (
    normalise,
    parse_bare_integer,
    parse_choice_number,
    parse_figure,
    parse_ordinal,
    parse_score_with_unit,
    parse_yes_no,
)
from tests.rubric_engine.support import answer_all


def _refused(rubric: Rubric, state: AssessmentState, text: str) -> str:
    outcome = answer(rubric, state, text)
    assert isinstance(outcome, AnswerError), text
    assert outcome.text == text and outcome.step_id == next_step(rubric, state).step_id
    return outcome.message


@pytest.fixture
def star() -> Rubric:
    return load_rubric("lianyungang-2016-star")  # first item: bands 1-6 / 7-8 / 9-10


@pytest.fixture
def enterprise_items() -> tuple[Rubric, AssessmentState]:
    rubric = load_rubric("lianyungang-2016-enterprise")
    return rubric, answer_all(rubric, ["否", "否", "否"])


def _at(rubric: Rubric, state: AssessmentState, item_id: str) -> AssessmentState:
    return AssessmentState.model_validate({**state.model_dump(), "cursor": item_id})


# ------------------------------------------------------------------------------------------------ parsers


def test_normalise_folds_width_case_spaces_and_trailing_punctuation() -> None:
    assert normalise(" ８ 分。") == "8分"
    assert normalise("Ｂ") == "b"


@pytest.mark.parametrize(("text", "value"), [("8", 8), ("８", 8), (" 10 ", 10), ("8分", None), ("八", None)])
def test_parse_bare_integer(text: str, value: int | None) -> None:
    assert parse_bare_integer(text) == value


@pytest.mark.parametrize(
    ("text", "value"), [("8分", 8), ("8 分", 8), ("８分", 8), ("8", None), ("8.5分", None)]
)
def test_parse_score_with_unit(text: str, value: int | None) -> None:
    assert parse_score_with_unit(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("第二档", 2), ("第2档", 2), ("2档", 2), ("第十档", 10), ("第2项", 2), ("B", 2), ("b", 2), ("２", None)],
)
def test_parse_choice_number(text: str, value: int | None) -> None:
    assert parse_choice_number(text) == value


def test_parse_ordinal_does_not_take_bare_numbers() -> None:
    assert parse_ordinal("2") is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("是", True),
        ("有", True),
        ("yes", True),
        ("Y", True),
        ("否", False),
        ("没有", False),
        ("无", False),
        ("no", False),
        ("n", False),
        ("NO", False),
        ("也许", None),
        ("", None),
    ],
)
def test_parse_yes_no(text: str, value: bool | None) -> None:
    assert parse_yes_no(text) is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("92", 92.0),
        ("92.5分", 92.5),
        ("满意度92", 92.0),
        ("用户满意度指数 88.5", 88.5),
        ("９０", 90.0),
        ("很好", None),
        ("85到90", None),
    ],
)
def test_parse_figure(text: str, value: float | None) -> None:
    assert parse_figure(text) == value


# ------------------------------------------------------------------------------------- accepted forms


@pytest.mark.parametrize("text", ["8", "８", "8分", "8 分", "８分", " 8 "])
def test_a_score_in_any_form_scores_the_item_in_one_step(star: Rubric, text: str) -> None:
    assert answer_all(star, [text]).scores == {"moral-character": 8}


@pytest.mark.parametrize("text", ["2", "第二档", "第2档", "B", "b", "Ｂ", "2档"])
def test_a_band_in_any_form_asks_for_the_score_inside_it(star: Rubric, text: str) -> None:
    state = answer_all(star, [text])
    assert state.scores == {} and state.pending is not None and state.pending.level_index == 1
    assert next_step(star, state).allowed_scores == [7, 8]


def test_low_scores_need_the_unit_because_bare_1_to_3_pick_bands(star: Rubric) -> None:
    assert answer_all(star, ["2分"]).scores == {"moral-character": 2}
    assert answer_all(star, ["2"]).pending is not None


def test_within_a_band_a_bare_number_is_a_score_and_another_band_can_be_chosen(star: Rubric) -> None:
    assert answer_all(star, ["第1档", "2"]).scores == {"moral-character": 2}
    state = answer_all(star, ["第1档", "C"])
    assert state.pending is not None and state.pending.level_index == 2


def test_single_band_item_takes_bare_scores_and_a_band_number_that_is_no_score(
    enterprise_items: tuple[Rubric, AssessmentState],
) -> None:
    rubric, state = enterprise_items  # 活动发动 2-5分
    assert answer_all(rubric, ["2"], state).scores == {"mobilisation": 2}
    chosen = answer_all(rubric, ["1"], state)  # 1 is not a score here: it is the (only) band
    assert next_step(rubric, chosen).kind is StepKind.SCORE_IN_LEVEL
    assert answer_all(rubric, ["5"], chosen).scores == {"mobilisation": 5}


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("1", 5),
        ("A", 5),
        ("a", 5),
        (">50亿元", 5),
        ("＞50亿元", 5),
        ("5分", 5),
        ("5", 5),
        ("第2项", 4),
        ("2", 4),
        ("4", 4),
        ("4分", 4),
        ("3", 3),
        ("C", 3),
        (">2亿元", 3),
    ],
)
def test_an_option_in_any_form(
    enterprise_items: tuple[Rubric, AssessmentState], text: str, points: int
) -> None:
    rubric, state = enterprise_items
    assert answer_all(rubric, [text], _at(rubric, state, "business-scale")).scores == {
        "business-scale": points
    }


def test_an_option_by_a_unique_part_of_its_wording(enterprise_items: tuple[Rubric, AssessmentState]) -> None:
    rubric, state = enterprise_items
    state = _at(rubric, state, "management-system")
    assert answer_all(rubric, ["单体系"], state).scores == {"management-system": 3}
    assert answer_all(rubric, ["GB/T27922"], state).scores == {"management-system": 5}


@pytest.mark.parametrize(
    ("text", "points", "figure"),
    [
        ("92", 4, 92.0),
        ("92.5分", 4, 92.5),
        ("满意度92", 4, 92.0),
        ("90", 3, 90.0),
        ("85.5", 3, 85.5),
        ("85", 2, 85.0),
        ("80", 0, 80.0),
        ("100", 4, 100.0),
        ("50", 0, 50.0),
        ("满意度45", None, None),  # below 50: asked back, see below
        ("确认45", 0, 45.0),
        ("确认 4", 0, 4.0),
    ],
)
def test_a_figure_gives_the_points_of_the_row_it_strictly_exceeds(
    enterprise_items: tuple[Rubric, AssessmentState], text: str, points: int, figure: float
) -> None:
    rubric, state = enterprise_items
    if points is None:
        assert "低于50" in _refused(rubric, _at(rubric, state, "evaluation-result"), text)
        return
    state = answer_all(rubric, [text], _at(rubric, state, "evaluation-result"))
    assert state.scores == {"evaluation-result": points} and state.figures == {"evaluation-result": figure}


@pytest.mark.parametrize(
    ("text", "points"), [("4", 4), ("4分", 4), ("3", 3), ("2 分", 2), ("０", 0), ("0分", 0)]
)
def test_a_derived_answer_that_reads_as_points_is_points(
    enterprise_items: tuple[Rubric, AssessmentState], text: str, points: int
) -> None:
    """评价结果 is worth at most 4: "4" / "4分" is a score of 4, never an index of 4 (0 points)."""
    rubric, state = enterprise_items
    state = answer_all(rubric, [text], _at(rubric, state, "evaluation-result"))
    assert state.scores == {"evaluation-result": points} and state.figures == {}


@pytest.mark.parametrize("text", ["1", "1分", "2.5", "3.5分"])
def test_derived_points_the_table_does_not_allow_are_refused_with_what_is_allowed(
    enterprise_items: tuple[Rubric, AssessmentState], text: str
) -> None:
    rubric, state = enterprise_items
    message = _refused(rubric, _at(rubric, state, "evaluation-result"), text)
    assert "不是本项的分值，本项得分只能是4、3、2、0分。" in message


@pytest.mark.parametrize("text", ["45", "满意度45", "7", "指数4", "49.9"])
def test_an_index_below_50_is_asked_back(enterprise_items: tuple[Rubric, AssessmentState], text: str) -> None:
    rubric, state = enterprise_items
    message = _refused(rubric, _at(rubric, state, "evaluation-result"), text)
    assert (
        "低于50，请核对" in message and "请回复“确认" in message and "本项得分只能是4、3、2、0分" in message
    )


@pytest.mark.parametrize(("text", "points"), [("A", 4), ("b", 3), ("第3档", 2), ("D", 0)])
def test_a_derived_row_can_be_chosen_without_the_figure(
    enterprise_items: tuple[Rubric, AssessmentState], text: str, points: int
) -> None:
    rubric, state = enterprise_items
    state = answer_all(rubric, [text], _at(rubric, state, "evaluation-result"))
    assert state.scores == {"evaluation-result": points} and state.figures == {}


@pytest.mark.parametrize(
    ("text", "triggered"),
    [
        ("是", True),
        ("有", True),
        ("yes", True),
        ("y", True),
        ("1", True),
        ("否", False),
        ("没有", False),
        ("no", False),
        ("n", False),
        ("2", False),
        ("无。", False),
    ],
)
def test_yes_no_in_any_form_answers_a_veto(text: str, triggered: bool) -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    assert answer_all(rubric, [text]).vetoes == {"major-accident": triggered}


# ------------------------------------------------------------------------------------------------ rejections

STAR_HINT = "请输入1-10之间的整数分数，或选择档次1-3（也可回复A-C或“第N档”）；1-3分请带“分”字，如“1分”。"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("11", "11分不是本项允许的分值。" + STAR_HINT),
        ("0分", "0分不是本项允许的分值。" + STAR_HINT),
        ("abc", "无法识别“abc”。" + STAR_HINT),
        ("", "没有收到回答。" + STAR_HINT),
        ("8.5", "分数须为整数。" + STAR_HINT),
        ("第5档", "没有“第5档”这个档次，本项档次为1-3。" + STAR_HINT),
        ("是", "无法识别“是”。" + STAR_HINT),
    ],
)
def test_a_banded_item_rejects_with_what_is_allowed(star: Rubric, text: str, message: str) -> None:
    assert _refused(star, start(star), text) == message


def test_a_score_outside_the_chosen_band_is_rejected(star: Rubric) -> None:
    state = answer_all(star, ["2"])
    assert _refused(star, state, "9") == (
        "9分不在第2档（7-8分）内。请输入7-8之间的整数分数（第2档）；如需改选档次，请回复“第N档”或字母A-C。"
    )


def test_the_veto_item_explains_zero() -> None:
    rubric = load_rubric("lianyungang-2016-manager")
    state = _at(rubric, answer_all(rubric, ["否"]), "organisational-performance")
    assert _refused(rubric, state, "2分") == (
        "2分不是本项允许的分值。请输入0或3-10之间的整数分数，或选择档次1-3（也可回复A-C或“第N档”）；"
        "3分请带“分”字，如“3分”。0分表示近三年内所在组织发生过重大质量、安全事故，即一票否决。"
    )


def test_a_veto_question_rejects_anything_but_yes_or_no() -> None:
    rubric = load_rubric("lianyungang-2016-enterprise")
    assert _refused(rubric, start(rubric), "也许") == (
        "无法识别“也许”。请回答“是”或“否”（也可回复 有/没有、yes/no、y/n，或选1/2）。"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("6", "没有第6项，也没有6分的选项。"),
        ("2分", "2分不是本项允许的分值。"),
        ("D", "没有“D”这个选项，本项选项为1-3。"),
        ("多体系认证", "“多体系认证”同时符合多个选项。"),
        ("ISO", "无法识别“ISO”。"),
    ],
)
def test_an_options_item_rejects_with_what_is_allowed(
    enterprise_items: tuple[Rubric, AssessmentState], text: str, problem: str
) -> None:
    rubric, state = enterprise_items
    message = _refused(rubric, _at(rubric, state, "management-system"), text)
    assert message == problem + "请选择1-3（或A-C），也可输入对应分数（5分、4分、3分）或选项文字。"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("很好", "无法识别“很好”。"),
        ("101", "用户满意度指数101超出范围。"),
        ("E", "没有“E”这一行，本项可选A-D。"),
    ],
)
def test_a_derived_item_rejects_with_what_is_allowed(
    enterprise_items: tuple[Rubric, AssessmentState], text: str, problem: str
) -> None:
    rubric, state = enterprise_items
    message = _refused(rubric, _at(rubric, state, "evaluation-result"), text)
    assert message == problem + (
        "请输入用户满意度指数（0-100之间的数字，如92或92.5）；不掌握具体数值时，也可回复字母A-D选择对应一行。"
    )


def test_a_rejected_answer_leaves_the_state_unchanged(star: Rubric) -> None:
    state = answer_all(star, ["8"])
    before = state.model_dump_json()
    _refused(star, state, "99")
    assert state.model_dump_json() == before
