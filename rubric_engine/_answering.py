"""Applying a reply to the current step: which reading of the text applies, and the error when none does."""

from __future__ import annotations

from rubric_engine import _answers
from rubric_engine._models import AnswerError, AssessmentState, Item, ItemKind, PendingLevel, Rubric, Veto
from rubric_engine._state import _checked, _current_step_id, _set_item_score, _set_veto
from rubric_engine._steps import _LETTERS, _item_hint, _score_in_level_hint


def answer(rubric: Rubric, state: AssessmentState, text: str) -> AssessmentState | AnswerError:
    """Apply one reply to the current step: a new state, or an error saying exactly what is allowed."""
    state = _checked(rubric, state)
    step_id = _current_step_id(rubric, state)
    if step_id is None:
        return AnswerError(
            message="自评已全部完成。如需修改，请返回上一项或指定要修改的项目。", step_id=None, text=text
        )
    if any(veto.id == step_id for veto in rubric.vetoes):
        return _answer_veto(rubric, state, rubric.veto(step_id), text)
    item = rubric.item(step_id)
    if state.pending is not None:
        return _answer_score_in_level(rubric, state, item, state.pending.level_index, text)
    if item.kind is ItemKind.OPTIONS:
        return _answer_option(rubric, state, item, text)
    if item.kind is ItemKind.DERIVED:
        return _answer_derived(rubric, state, item, text)
    return _answer_banded(rubric, state, item, text)


def _error(step_id: str, text: str, problem: str, hint: str) -> AnswerError:
    return AnswerError(message=f"{problem}{hint}。", step_id=step_id, text=text)


def _unrecognised(text: str) -> str:
    shown = text.strip()
    return f"无法识别“{shown}”。" if shown else "没有收到回答。"


def _answer_veto(
    rubric: Rubric, state: AssessmentState, veto: Veto, text: str
) -> AssessmentState | AnswerError:
    value = _answers.parse_yes_no(text)
    if value is None:
        choice = _answers.parse_bare_integer(text)
        value = {1: True, 2: False}.get(choice) if choice is not None else None
    if value is None:
        return _error(
            veto.id, text, _unrecognised(text), "请回答“是”或“否”（也可回复 有/没有、yes/no、y/n，或选1/2）"
        )
    return _set_veto(rubric, state, veto, value)


def _choose_level(rubric: Rubric, state: AssessmentState, item: Item, level_index: int) -> AssessmentState:
    level = item.levels[level_index]
    if level.is_fixed:
        return _set_item_score(rubric, state, item, level.min_points)
    return state.model_copy(update={"pending": PendingLevel(item_id=item.id, level_index=level_index)})


def _answer_banded(
    rubric: Rubric, state: AssessmentState, item: Item, text: str
) -> AssessmentState | AnswerError:
    hint = _item_hint(rubric, item)
    count = len(item.levels)
    explicit_choice = _answers.parse_choice_number(text)
    if explicit_choice is not None:
        if 1 <= explicit_choice <= count:
            return _choose_level(rubric, state, item, explicit_choice - 1)
        return _error(item.id, text, f"没有“{text.strip()}”这个档次，本项档次为1-{count}。", hint)
    if _answers.looks_like_decimal_score(text):
        return _error(item.id, text, "分数须为整数。", hint)
    score = _answers.parse_score_with_unit(text)
    bare = _answers.parse_bare_integer(text)
    if score is None and bare is not None:
        # A bare number is a band number when the bands are shown as a numbered list (2+ bands), else a score.
        if count > 1 and 1 <= bare <= count:
            return _choose_level(rubric, state, item, bare - 1)
        if bare in item.allowed_scores or not 1 <= bare <= count:
            score = bare
        else:
            return _choose_level(rubric, state, item, bare - 1)
    if score is None:
        return _error(item.id, text, _unrecognised(text), hint)
    if score not in item.allowed_scores:
        return _error(item.id, text, f"{score}分不是本项允许的分值。", hint)
    return _set_item_score(rubric, state, item, score)


def _answer_score_in_level(
    rubric: Rubric, state: AssessmentState, item: Item, level_index: int, text: str
) -> AssessmentState | AnswerError:
    level = item.levels[level_index]
    hint = _score_in_level_hint(item, level_index)
    explicit_choice = _answers.parse_choice_number(text)
    if explicit_choice is not None:
        if 1 <= explicit_choice <= len(item.levels):
            return _choose_level(rubric, state, item, explicit_choice - 1)
        return _error(item.id, text, f"没有“{text.strip()}”这个档次，本项档次为1-{len(item.levels)}。", hint)
    if _answers.looks_like_decimal_score(text):
        return _error(item.id, text, "分数须为整数。", hint)
    score = _answers.parse_score_with_unit(text)
    if score is None:
        score = _answers.parse_bare_integer(text)
    if score is None:
        return _error(item.id, text, _unrecognised(text), hint)
    if not level.min_points <= score <= level.max_points:
        return _error(item.id, text, f"{score}分不在第{level_index + 1}档（{level.range_text}）内。", hint)
    return _set_item_score(rubric, state, item, score)


def _answer_option(
    rubric: Rubric, state: AssessmentState, item: Item, text: str
) -> AssessmentState | AnswerError:
    hint = _item_hint(rubric, item)
    count = len(item.levels)
    by_points = {level.min_points: index for index, level in enumerate(item.levels)}
    index: int | None = None
    explicit_choice = _answers.parse_choice_number(text)
    score = _answers.parse_score_with_unit(text)
    bare = _answers.parse_bare_integer(text)
    if explicit_choice is not None:
        if not 1 <= explicit_choice <= count:
            return _error(item.id, text, f"没有“{text.strip()}”这个选项，本项选项为1-{count}。", hint)
        index = explicit_choice - 1
    elif score is not None:
        if score not in by_points:
            return _error(item.id, text, f"{score}分不是本项允许的分值。", hint)
        index = by_points[score]
    elif bare is not None:
        if 1 <= bare <= count:
            index = bare - 1  # the numbered list wins, as shown
        elif bare in by_points:
            index = by_points[bare]
        else:
            return _error(item.id, text, f"没有第{bare}项，也没有{bare}分的选项。", hint)
    else:
        exact = [i for i, level in enumerate(item.levels) if _answers.matches_text(text, level.text)]
        partial = [i for i, level in enumerate(item.levels) if _answers.contained_in(text, level.text)]
        if len(exact) == 1:
            index = exact[0]
        elif len(partial) == 1:
            index = partial[0]
        elif len(partial) > 1:
            return _error(item.id, text, f"“{text.strip()}”同时符合多个选项。", hint)
        else:
            return _error(item.id, text, _unrecognised(text), hint)
    return _set_item_score(rubric, state, item, item.levels[index].min_points)


def _answer_derived(
    rubric: Rubric, state: AssessmentState, item: Item, text: str
) -> AssessmentState | AnswerError:
    assert item.figure is not None
    hint = _item_hint(rubric, item)
    letter = _answers.parse_letter(text)
    ordinal = _answers.parse_ordinal(text)
    row = letter if letter is not None else ordinal
    if row is not None:
        if 1 <= row <= len(item.levels):
            return _set_item_score(rubric, state, item, item.levels[row - 1].min_points)
        if row == len(item.levels) + 1:
            return _set_item_score(rubric, state, item, item.figure.below_points)
        last = _LETTERS[len(item.levels)]
        return _error(item.id, text, f"没有“{text.strip()}”这一行，本项可选A-{last}。", hint)
    figure = _answers.parse_figure(text)
    if figure is None:
        return _error(item.id, text, _unrecognised(text), hint)
    confirmed = _answers.is_confirmation(text)
    points_list = "、".join(str(points) for points in reversed(item.allowed_scores))
    if figure <= item.cap and not confirmed and not _answers.mentions_figure(text, item.figure.name):
        # "4" / "4分" on a 4-point item reads as the score, not as a satisfaction index of 4.
        if figure.is_integer() and int(figure) in item.allowed_scores:
            return _set_item_score(rubric, state, item, int(figure))
        return _error(item.id, text, f"{figure:g}分不是本项的分值，本项得分只能是{points_list}分。", hint)
    if not item.figure.minimum <= figure <= item.figure.maximum:
        return _error(item.id, text, f"{item.figure.name}{figure:g}超出范围。", hint)
    floor = item.figure.confirm_below
    if floor is not None and figure < floor and not confirmed:
        return _error(
            item.id,
            text,
            f"{item.figure.name}{figure:g}低于{floor:g}，请核对：如确为{figure:g}，请回复“确认{figure:g}”"
            f"（将得{item.points_for_figure(figure)[0]}分）；如果{figure:g}是本项得分，本项得分只能是{points_list}分。",
            hint,
        )
    points, _ = item.points_for_figure(figure)
    return _set_item_score(rubric, state, item, points, figure=figure)
