"""Properties over random answer sequences on every shipped rubric (hypothesis).

A small reference model records what each accepted answer should leave in the state; after every action
(answer in any accepted form, a rejected answer, back, edit) the engine must agree with it, the total must
be the sum of the items and lie within 0-100, and replaying the same actions must give identical bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from rubric_engine import (
    AnswerError,
    AssessmentState,
    ItemKind,
    Rubric,
    StepKind,
    answer,
    assess,
    back,
    edit,
    list_rubrics,
    load_rubric,
    next_step,
    result,
    start,
)

RUBRICS = {rubric_id: load_rubric(rubric_id) for rubric_id in list_rubrics()}
YES = ["是", "有", "yes", "y", "Y", "1"]
NO = ["否", "没有", "无", "no", "n", "2"]
# Texts no step accepts: no number a figure could come from, no band/option/yes/no.
JUNK = ["", "abc", "999", "？？", "第99档", "也许吧"]


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


@dataclass
class Expected:
    """What the state must hold: the reference model of accepted answers."""

    scores: dict[str, int] = field(default_factory=dict)
    vetoes: dict[str, bool] = field(default_factory=dict)

    def item(self, rubric: Rubric, item_id: str, score: int) -> None:
        self.scores[item_id] = score
        veto = rubric.item(item_id).veto
        if veto is not None:
            self.vetoes[veto] = score == 0

    def veto(self, rubric: Rubric, veto_id: str, triggered: bool) -> None:
        self.vetoes[veto_id] = triggered
        item_id = rubric.veto(veto_id).item
        if item_id is not None:
            if triggered:
                self.scores[item_id] = 0
            elif self.scores.get(item_id) == 0:
                del self.scores[item_id]


def _valid_answer(
    data: st.DataObject, rubric: Rubric, state: AssessmentState
) -> tuple[list[str], str, int | bool]:
    """One valid way to answer the current step: the texts to send, the step id, the value to record."""
    step = next_step(rubric, state)
    assert step.step_id is not None
    if step.kind is StepKind.VETO:
        triggered = data.draw(st.booleans())
        return [data.draw(st.sampled_from(YES if triggered else NO))], step.step_id, triggered
    item = rubric.item(step.step_id)
    if item.kind is ItemKind.DERIVED:
        assert item.figure is not None and item.figure.confirm_below is not None
        figure = data.draw(st.integers(0, 1000)) / 10
        if figure >= item.figure.confirm_below:
            text = data.draw(st.sampled_from([f"{figure:g}", f"满意度{figure:g}", f"{figure:g}分"]))
        elif data.draw(st.booleans()):
            text = f"确认{figure:g}"  # a low index is asked back; confirmed, it is the index
        else:
            points = data.draw(st.sampled_from(item.allowed_scores))  # a small number is the score
            return [data.draw(st.sampled_from([str(points), f"{points}分"]))], item.id, points
        return [text], item.id, item.points_for_figure(figure)[0]
    if item.kind is ItemKind.OPTIONS:
        index = data.draw(st.integers(0, len(item.levels) - 1))
        level = item.levels[index]
        letter = "ABCDEFGH"[index]
        forms = [str(index + 1), letter, letter.lower(), level.text, f"{level.min_points}分"]
        return [data.draw(st.sampled_from(forms))], item.id, level.min_points
    score = data.draw(st.sampled_from(item.allowed_scores))
    count = len(item.levels)
    forms: list[list[str]] = [[f"{score}分"], [f"{score} 分"], [_full_width(f"{score}分")]]
    if score > count or (count == 1 and score in item.allowed_scores):
        forms.append([str(score)])
    level_index = item.level_index_of(score)
    if level_index is not None and not (item.veto is not None and score == 0):
        band = data.draw(st.sampled_from([f"第{level_index + 1}档", "ABCDEFGH"[level_index]]))
        level = item.levels[level_index]
        forms.append([band] if level.is_fixed else [band, str(score)])
    return data.draw(st.sampled_from(forms)), item.id, score


def _replay(rubric: Rubric, log: list[tuple[str, str]]) -> AssessmentState:
    state = start(rubric)
    for action, argument in log:
        if action == "text":
            outcome = answer(rubric, state, argument)
            state = state if isinstance(outcome, AnswerError) else outcome
        elif action == "back":
            state = back(rubric, state)
        else:
            state = edit(rubric, state, argument)
    return state


def _check_totals(rubric: Rubric, state: AssessmentState, expected: Expected) -> None:
    # the state keeps its dicts in the rubric's order, so compare as ordered lists
    assert list(state.scores.items()) == [
        (i.id, expected.scores[i.id]) for i in rubric.items if i.id in expected.scores
    ]
    assert list(state.vetoes.items()) == [
        (v.id, expected.vetoes[v.id]) for v in rubric.vetoes if v.id in expected.vetoes
    ]
    outcome = result(rubric, state)
    assert outcome.total == sum(expected.scores.values()) == sum(c.score for c in outcome.categories)
    assert 0 <= outcome.total <= outcome.max_total == 100
    for item_result, item in zip(outcome.items, rubric.items, strict=True):
        assert item_result.score is None or item_result.score in item.allowed_scores
    triggered = any(expected.vetoes.values())
    assert outcome.eligible == (outcome.complete and not triggered and outcome.total >= rubric.pass_mark)


@settings(max_examples=80, deadline=None)
@given(rubric_id=st.sampled_from(sorted(RUBRICS)), data=st.data())
def test_any_sequence_of_answers_backs_and_edits_keeps_every_answer_exactly_once(
    rubric_id: str, data: st.DataObject
) -> None:
    rubric = RUBRICS[rubric_id]
    step_ids = [veto.id for veto in rubric.vetoes] + [item.id for item in rubric.items]
    state, expected, log = start(rubric), Expected(), []
    actions = data.draw(st.lists(st.sampled_from(["answer"] * 4 + ["back", "edit", "junk"]), max_size=45))
    for action in actions:
        before = state
        if action == "answer" and next_step(rubric, state).kind is not StepKind.DONE:
            texts, step_id, value = _valid_answer(data, rubric, state)
            for text in texts:
                outcome = answer(rubric, state, text)
                assert not isinstance(outcome, AnswerError), (text, outcome.message)
                state = outcome
                log.append(("text", text))
            if isinstance(value, bool):
                expected.veto(rubric, step_id, value)
            else:
                expected.item(rubric, step_id, value)
        elif action == "back":
            state = back(rubric, state)
            log.append(("back", ""))
            assert (state.scores, state.vetoes) == (before.scores, before.vetoes)
        elif action == "edit":
            target = data.draw(st.sampled_from(step_ids))
            state = edit(rubric, state, target)
            log.append(("edit", target))
            assert next_step(rubric, state).step_id == target
            assert (state.scores, state.vetoes) == (before.scores, before.vetoes)
        elif action == "junk":
            text = data.draw(st.sampled_from(JUNK))
            outcome = answer(rubric, state, text)
            assert isinstance(outcome, AnswerError) and outcome.message
            log.append(("text", text))
        _check_totals(rubric, state, expected)
    replayed = _replay(rubric, log)
    assert replayed.model_dump_json() == state.model_dump_json()
    assert result(rubric, replayed).model_dump_json() == result(rubric, state).model_dump_json()


@settings(max_examples=60, deadline=None)
@given(rubric_id=st.sampled_from(sorted(RUBRICS)), data=st.data())
def test_completing_in_order_agrees_with_assess(rubric_id: str, data: st.DataObject) -> None:
    rubric = RUBRICS[rubric_id]
    state, expected = start(rubric), Expected()
    while next_step(rubric, state).kind is not StepKind.DONE:
        texts, step_id, value = _valid_answer(data, rubric, state)
        for text in texts:
            outcome = answer(rubric, state, text)
            assert not isinstance(outcome, AnswerError), (text, outcome.message)
            state = outcome
        if isinstance(value, bool):
            expected.veto(rubric, step_id, value)
        else:
            expected.item(rubric, step_id, value)
    _check_totals(rubric, state, expected)
    interactive = result(rubric, state)
    assert interactive.complete
    batch = assess(rubric, [state.scores[item.id] for item in rubric.items], state.vetoes)
    assert (batch.total, batch.eligible) == (interactive.total, interactive.eligible)
    assert batch.reasons == interactive.reasons
    assert batch.categories == interactive.categories and batch.vetoes == interactive.vetoes


@settings(max_examples=60, deadline=None)
@given(rubric_id=st.sampled_from(sorted(RUBRICS)), data=st.data())
def test_assess_total_is_the_sum_of_valid_scores_and_is_stable(rubric_id: str, data: st.DataObject) -> None:
    rubric = RUBRICS[rubric_id]
    scores = [data.draw(st.sampled_from(item.allowed_scores)) for item in rubric.items]
    vetoes = {veto.id: data.draw(st.booleans()) for veto in rubric.vetoes if veto.item is None}
    first = assess(rubric, scores, vetoes)
    assert first.total == sum(scores) and 0 <= first.total <= 100
    assert [item.score for item in first.items] == scores
    assert first.model_dump_json() == assess(rubric, list(scores), dict(vetoes)).model_dump_json()
    vetoed = any(vetoes.values()) or any(
        score == 0 for score, item in zip(scores, rubric.items, strict=True) if item.veto
    )
    assert first.eligible == (not vetoed and first.total >= 80)
