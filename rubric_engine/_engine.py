"""The assessment engine: pure functions over (rubric, state). No I/O, no clock, no randomness.

Order of questions: the rubric's 一票否决 questions first, then every item in the official order. A state
records answers by id (never by position), so going back or editing replaces an answer and can neither lose
nor double-count one. ``cursor`` points at a step revisited through ``back``/``edit``; otherwise the current
step is the first unanswered one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rubric_engine import _answers
from rubric_engine._models import (
    AnswerError,
    AssessmentResult,
    AssessmentState,
    CategoryResult,
    Choice,
    Item,
    ItemKind,
    ItemResult,
    PendingLevel,
    Rubric,
    ScoreError,
    Step,
    StepKind,
    Veto,
    VetoResult,
)

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class UnknownStepError(ValueError):
    """``edit`` was given an id that is neither an item nor a veto of the rubric."""


# ------------------------------------------------------------------------------------------------ state


def start(rubric: Rubric) -> AssessmentState:
    """A fresh assessment: nothing answered."""
    return AssessmentState(rubric_id=rubric.id)


def _step_ids(rubric: Rubric) -> list[str]:
    return [veto.id for veto in rubric.vetoes] + [item.id for item in rubric.items]


def _is_answered(rubric: Rubric, state: AssessmentState, step_id: str) -> bool:
    if any(veto.id == step_id for veto in rubric.vetoes):
        return step_id in state.vetoes
    return step_id in state.scores


def _current_step_id(rubric: Rubric, state: AssessmentState) -> str | None:
    if state.pending is not None:
        return state.pending.item_id
    if state.cursor is not None:
        return state.cursor
    for step_id in _step_ids(rubric):
        if not _is_answered(rubric, state, step_id):
            return step_id
    return None


def _checked(rubric: Rubric, state: AssessmentState) -> AssessmentState:
    """Refuse a state that belongs to another rubric or holds answers this rubric does not allow."""
    if state.rubric_id != rubric.id:
        raise ValueError(f"状态属于自评表{state.rubric_id}，不是{rubric.id}")
    items = {item.id: item for item in rubric.items}
    for item_id, score in state.scores.items():
        if item_id not in items or score not in items[item_id].allowed_scores:
            raise ValueError(f"状态中的细项{item_id}={score}与自评表{rubric.id}不符")
    veto_ids = {veto.id for veto in rubric.vetoes}
    if not set(state.vetoes) <= veto_ids or not set(state.figures) <= set(items):
        raise ValueError(f"状态中的否决项或数值与自评表{rubric.id}不符")
    if state.cursor is not None and state.cursor not in items and state.cursor not in veto_ids:
        raise ValueError(f"状态中的当前步骤{state.cursor}不在自评表{rubric.id}中")
    if state.pending is not None and (
        state.pending.item_id not in items
        or not 0 <= state.pending.level_index < len(items[state.pending.item_id].levels)
    ):
        raise ValueError(f"状态中的待定档次与自评表{rubric.id}不符")
    return state


def _updated(
    rubric: Rubric,
    state: AssessmentState,
    *,
    scores: dict[str, int],
    vetoes: dict[str, bool],
    figures: dict[str, float],
) -> AssessmentState:
    """The state after an accepted answer; dicts in rubric order, so equal answers serialise equally."""
    item_order = [item.id for item in rubric.items]
    veto_order = [veto.id for veto in rubric.vetoes]
    return AssessmentState(
        rubric_id=state.rubric_id,
        vetoes={key: vetoes[key] for key in veto_order if key in vetoes},
        scores={key: scores[key] for key in item_order if key in scores},
        figures={key: figures[key] for key in item_order if key in figures},
        pending=None,
        cursor=None,
    )


def _set_item_score(
    rubric: Rubric, state: AssessmentState, item: Item, score: int, figure: float | None = None
) -> AssessmentState:
    scores, vetoes, figures = dict(state.scores), dict(state.vetoes), dict(state.figures)
    scores[item.id] = score
    figures.pop(item.id, None)
    if figure is not None:
        figures[item.id] = figure
    if item.veto is not None:
        # The item carries the veto: 0 points means the accident happened ("得分为0时不得申报").
        vetoes[item.veto] = score == 0
    return _updated(rubric, state, scores=scores, vetoes=vetoes, figures=figures)


def _set_veto(rubric: Rubric, state: AssessmentState, veto: Veto, triggered: bool) -> AssessmentState:
    scores, vetoes, figures = dict(state.scores), dict(state.vetoes), dict(state.figures)
    vetoes[veto.id] = triggered
    if veto.item is not None:
        if triggered:
            scores[veto.item] = 0
        elif scores.get(veto.item) == 0:
            del scores[veto.item]  # the 0 only stood for the veto; the item must now be scored
    return _updated(rubric, state, scores=scores, vetoes=vetoes, figures=figures)


# ------------------------------------------------------------------------------------------------ steps


def _score_ranges(scores: Sequence[int]) -> str:
    """(0, 3, 4, ..., 10) -> "0或3-10"; (1..10) -> "1-10"."""
    runs: list[tuple[int, int]] = []
    for score in scores:
        if runs and score == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], score)
        else:
            runs.append((score, score))
    return "或".join(f"{low}-{high}" if low != high else f"{low}" for low, high in runs)


def _total(state: AssessmentState) -> int:
    return sum(state.scores.values())


def _item_hint(rubric: Rubric, item: Item) -> str:
    count = len(item.levels)
    letters = f"A-{_LETTERS[count - 1]}" if count > 1 else "A"
    if item.kind is ItemKind.DERIVED:
        assert item.figure is not None
        return (
            f"请输入{item.figure.name}（{item.figure.minimum:g}-{item.figure.maximum:g}之间的数字，如92或92.5）；"
            f"不掌握具体数值时，也可回复字母{_LETTERS[0]}-{_LETTERS[count]}选择对应一行"
        )
    if item.kind is ItemKind.OPTIONS:
        points = "、".join(level.range_text for level in item.levels)
        return f"请选择1-{count}（或{letters}），也可输入对应分数（{points}）或选项文字"
    hint = f"请输入{_score_ranges(item.allowed_scores)}之间的整数分数"
    if count > 1:
        hint += f"，或选择档次1-{count}（也可回复{letters}或“第N档”）"
        clashing = [score for score in item.allowed_scores if 1 <= score <= count]
        if clashing:
            hint += f"；{_score_ranges(clashing)}分请带“分”字，如“{clashing[0]}分”"
    if item.veto is not None:
        veto = rubric.veto(item.veto)
        hint += f"。0分表示{veto.condition}，即一票否决"
    return hint


def _level_choices(item: Item) -> list[Choice]:
    choices = [
        Choice(
            key=_LETTERS[index] if item.kind is ItemKind.DERIVED else str(index + 1),
            letter=_LETTERS[index],
            label=level.text,
            points=level.range_text,
            remark=level.remark,
            min_points=level.min_points,
            max_points=level.max_points,
        )
        for index, level in enumerate(item.levels)
    ]
    if item.figure is not None:
        below = item.figure.below_points
        letter = _LETTERS[len(item.levels)]
        choices.append(
            Choice(
                key=letter,
                letter=letter,
                label=item.figure.below_text,
                points=f"{below}分",
                min_points=below,
                max_points=below,
            )
        )
    return choices


def _item_label(rubric: Rubric, item: Item) -> tuple[str, str | None, str]:
    category = rubric.category_of(item.id)
    group = next((g for g in category.groups if g.id == item.group), None)
    category_label = f"{category.name}（{category.cap}分）"
    group_label = f"{group.name}（{group.cap}分）" if group else None
    return category_label, group_label, f"{item.name}（满分{item.cap}分）"


def _describe_score(rubric: Rubric, state: AssessmentState, item: Item) -> str:
    score = state.scores[item.id]
    label = _level_label(rubric, state, item, score)
    figure = state.figures.get(item.id)
    shown = f"{score}分" + (f" · {label}" if label else "")
    if figure is not None and item.figure is not None:
        shown += f"，{item.figure.name}{figure:g}"
    return shown


def _level_label(rubric: Rubric, state: AssessmentState, item: Item, score: int) -> str | None:
    index = _level_index(state, item, score)
    if item.veto is not None and score == 0:
        return f"一票否决：{rubric.veto(item.veto).condition}"
    if item.kind is ItemKind.DERIVED:
        if index is None:
            return item.figure.below_text if item.figure else None
        return item.levels[index].text
    if index is None:
        return None
    if item.kind is ItemKind.OPTIONS:
        return item.levels[index].text
    if len(item.levels) == 1:
        return item.levels[0].range_text  # 附件3-1: one 评分内容 per item, no bands to number
    return f"第{index + 1}档（{item.levels[index].range_text}）"


def _level_index(state: AssessmentState, item: Item, score: int) -> int | None:
    figure = state.figures.get(item.id)
    if item.kind is ItemKind.DERIVED and figure is not None:
        return item.points_for_figure(figure)[1]
    if item.veto is not None and score == 0:
        return None
    return item.level_index_of(score)


def _veto_warning(rubric: Rubric, state: AssessmentState) -> str | None:
    triggered = [veto for veto in rubric.vetoes if state.vetoes.get(veto.id)]
    if not triggered:
        return None
    conditions = "；".join(veto.condition for veto in triggered)
    return f"注意：已触发一票否决（{conditions}），按规定不得申报；您可以继续完成自评，或修改该项回答。"


def _render(step_lines: list[str | None]) -> str:
    return "\n".join(line for line in step_lines if line)


def next_step(rubric: Rubric, state: AssessmentState) -> Step:
    """What to ask now: a veto question, an item, the score inside a chosen band, or done."""
    state = _checked(rubric, state)
    step_id = _current_step_id(rubric, state)
    warning = _veto_warning(rubric, state)
    if step_id is None:
        return _done_step(rubric, state, warning)
    veto_ids = [veto.id for veto in rubric.vetoes]
    if step_id in veto_ids:
        return _veto_step(rubric, state, rubric.veto(step_id), veto_ids.index(step_id) + 1, warning)
    item = rubric.item(step_id)
    if state.pending is not None:
        return _score_in_level_step(rubric, state, item, state.pending.level_index, warning)
    return _item_step(rubric, state, item, warning)


def _veto_step(rubric: Rubric, state: AssessmentState, veto: Veto, number: int, warning: str | None) -> Step:
    count = len(rubric.vetoes)
    progress = f"一票否决项 第{number}/{count}项 · 申报线{rubric.pass_mark}分"
    question = f"【一票否决项 {number}/{count}】{veto.question}\n{veto.explanation}"
    choices = [Choice(key="1", label="是（存在该情况，一票否决）"), Choice(key="2", label="否")]
    hint = "请回答“是”或“否”（也可回复 有/没有、yes/no、y/n，或选1/2）"
    current = None
    if veto.id in state.vetoes:
        current = "当前回答：是（触发一票否决）" if state.vetoes[veto.id] else "当前回答：否"
    return Step(
        kind=StepKind.VETO,
        rubric_id=rubric.id,
        step_id=veto.id,
        question=question,
        choices=choices,
        hint=hint,
        progress=progress,
        number=number,
        count=count,
        current=current,
        warning=warning,
        text=_render([progress, question, *(f"{c.key}. {c.label}" for c in choices), current, warning, hint]),
    )


def _item_step(rubric: Rubric, state: AssessmentState, item: Item, warning: str | None) -> Step:
    number = [i.id for i in rubric.items].index(item.id) + 1
    count = len(rubric.items)
    category, group, name = _item_label(rubric, item)
    progress = f"第{number}/{count}项 · 已得{_total(state)}分 · 申报线{rubric.pass_mark}分"
    path = " › ".join(part for part in (category, group, name) if part)
    if item.kind is ItemKind.DERIVED:
        assert item.figure is not None
        question = f"{path}\n请输入{item.figure.name}，系统按下表折算得分："
    elif item.kind is ItemKind.OPTIONS:
        question = f"{path}\n请选择符合实际的一项："
    elif len(item.levels) > 1:
        question = f"{path}\n请选择符合实际的档次，或直接输入分数："
    else:
        question = f"{path}\n评分内容：{item.levels[0].text}（{item.levels[0].range_text}）\n请输入得分："
    choices = _level_choices(item) if len(item.levels) > 1 or item.kind is not ItemKind.BANDED else []
    current = f"当前：{_describe_score(rubric, state, item)}" if item.id in state.scores else None
    hint = _item_hint(rubric, item)
    lines = [f"{c.key}. {c.label}（{c.points}）{c.remark or ''}" for c in choices]
    return Step(
        kind=StepKind.ITEM,
        rubric_id=rubric.id,
        step_id=item.id,
        category=category,
        group=group,
        item=item.name,
        question=question,
        choices=choices,
        allowed_scores=list(item.allowed_scores),
        hint=hint,
        progress=progress,
        number=number,
        count=count,
        current=current,
        warning=warning,
        text=_render([progress, question, *lines, current, warning, hint]),
    )


def _score_in_level_step(
    rubric: Rubric, state: AssessmentState, item: Item, level_index: int, warning: str | None
) -> Step:
    level = item.levels[level_index]
    number = [i.id for i in rubric.items].index(item.id) + 1
    count = len(rubric.items)
    category, group, name = _item_label(rubric, item)
    progress = f"第{number}/{count}项 · 已得{_total(state)}分 · 申报线{rubric.pass_mark}分"
    question = (
        f"{' › '.join(p for p in (category, group, name) if p)}\n"
        f"您选择了第{level_index + 1}档：{level.text}（{level.range_text}）\n"
        f"请在{level.min_points}-{level.max_points}分之间给出分数："
    )
    hint = _score_in_level_hint(item, level_index)
    return Step(
        kind=StepKind.SCORE_IN_LEVEL,
        rubric_id=rubric.id,
        step_id=item.id,
        category=category,
        group=group,
        item=item.name,
        question=question,
        allowed_scores=list(range(level.min_points, level.max_points + 1)),
        hint=hint,
        progress=progress,
        number=number,
        count=count,
        warning=warning,
        text=_render([progress, question, warning, hint]),
    )


def _score_in_level_hint(item: Item, level_index: int) -> str:
    level = item.levels[level_index]
    count = len(item.levels)
    hint = f"请输入{level.min_points}-{level.max_points}之间的整数分数（第{level_index + 1}档）"
    if count > 1:
        hint += f"；如需改选档次，请回复“第N档”或字母A-{_LETTERS[count - 1]}"
    return hint


def _done_step(rubric: Rubric, state: AssessmentState, warning: str | None) -> Step:
    outcome = result(rubric, state)
    total = outcome.total
    verdict = "可以申报" if outcome.eligible else "不符合申报条件"
    count = len(rubric.items)
    progress = f"已完成{count}/{count}项 · 总分{total}分 · 申报线{rubric.pass_mark}分"
    question = f"自评已完成：总分{total}分（满分{outcome.max_total}分），{verdict}。\n" + "\n".join(
        outcome.reasons
    )
    hint = "如需修改，可返回上一项或指定要修改的项目。"
    return Step(
        kind=StepKind.DONE,
        rubric_id=rubric.id,
        step_id=None,
        question=question,
        hint=hint,
        progress=progress,
        number=count,
        count=count,
        warning=warning,
        text=_render([progress, question, hint]),
    )


# ------------------------------------------------------------------------------------------------ answers


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
    return AssessmentState(
        rubric_id=state.rubric_id,
        vetoes=state.vetoes,
        scores=state.scores,
        figures=state.figures,
        pending=PendingLevel(item_id=item.id, level_index=level_index),
        cursor=state.cursor,
    )


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
    if not item.figure.minimum <= figure <= item.figure.maximum:
        return _error(item.id, text, f"{item.figure.name}{figure:g}超出范围。", hint)
    points, _ = item.points_for_figure(figure)
    return _set_item_score(rubric, state, item, points, figure=figure)


# ------------------------------------------------------------------------------------------------ navigation


def back(rubric: Rubric, state: AssessmentState) -> AssessmentState:
    """Go back one step. A band chosen without its score is undone first; answers are never deleted."""
    state = _checked(rubric, state)
    if state.pending is not None:
        return AssessmentState(
            rubric_id=state.rubric_id,
            vetoes=state.vetoes,
            scores=state.scores,
            figures=state.figures,
            pending=None,
            cursor=state.cursor,
        )
    order = _step_ids(rubric)
    current = _current_step_id(rubric, state)
    position = len(order) if current is None else order.index(current)
    target = order[max(position - 1, 0)]
    return AssessmentState(
        rubric_id=state.rubric_id,
        vetoes=state.vetoes,
        scores=state.scores,
        figures=state.figures,
        pending=None,
        cursor=target,
    )


def edit(rubric: Rubric, state: AssessmentState, step_id: str) -> AssessmentState:
    """Revisit an item or veto question; its old answer stays until a new valid one is given."""
    state = _checked(rubric, state)
    if step_id not in _step_ids(rubric):
        known = "、".join(_step_ids(rubric))
        raise UnknownStepError(f"自评表{rubric.id}中没有“{step_id}”；可修改的有：{known}")
    return AssessmentState(
        rubric_id=state.rubric_id,
        vetoes=state.vetoes,
        scores=state.scores,
        figures=state.figures,
        pending=None,
        cursor=step_id,
    )


# ------------------------------------------------------------------------------------------------ results


def result(rubric: Rubric, state: AssessmentState) -> AssessmentResult:
    """Per-category subtotals, total, vetoes, eligibility and the reasons, from the answers so far."""
    state = _checked(rubric, state)
    items: list[ItemResult] = []
    categories: list[CategoryResult] = []
    for category in rubric.categories:
        group_scores = {group.id: 0 for group in category.groups}
        subtotal = 0
        for item in category.items:
            score = state.scores.get(item.id)
            if score is not None:
                subtotal += score
                if item.group is not None:
                    group_scores[item.group] += score
            items.append(
                ItemResult(
                    id=item.id,
                    name=item.name,
                    category_id=category.id,
                    group_id=item.group,
                    score=score,
                    max=item.cap,
                    level_index=_level_index(state, item, score) if score is not None else None,
                    level_label=_level_label(rubric, state, item, score) if score is not None else None,
                    figure=state.figures.get(item.id),
                    vetoed=item.veto is not None and score == 0,
                )
            )
        categories.append(
            CategoryResult(
                id=category.id,
                name=category.name,
                score=subtotal,
                max=category.cap,
                group_scores=group_scores,
            )
        )
    vetoes = [
        VetoResult(
            id=veto.id, question=veto.question, condition=veto.condition, triggered=state.vetoes.get(veto.id)
        )
        for veto in rubric.vetoes
    ]
    total = sum(category.score for category in categories)
    unanswered_items = [item for item in items if item.score is None]
    unanswered_vetoes = [veto for veto in vetoes if veto.triggered is None]
    triggered = [veto for veto in vetoes if veto.triggered]
    complete = not unanswered_items and not unanswered_vetoes
    eligible = complete and not triggered and total >= rubric.pass_mark
    return AssessmentResult(
        rubric_id=rubric.id,
        programme=rubric.programme,
        title=rubric.title,
        complete=complete,
        total=total,
        max_total=rubric.max_total,
        pass_mark=rubric.pass_mark,
        categories=categories,
        items=items,
        vetoes=vetoes,
        eligible=eligible,
        reasons=_reasons(rubric, total, unanswered_items, unanswered_vetoes, triggered, eligible),
    )


def _reasons(
    rubric: Rubric,
    total: int,
    unanswered_items: list[ItemResult],
    unanswered_vetoes: list[VetoResult],
    triggered: list[VetoResult],
    eligible: bool,
) -> list[str]:
    reasons: list[str] = []
    if unanswered_items:
        names = "、".join(item.name for item in unanswered_items)
        reasons.append(f"自评尚未完成：还有{len(unanswered_items)}项未评分（{names}）。")
    if unanswered_vetoes:
        reasons.append(f"还有{len(unanswered_vetoes)}个一票否决问题未回答。")
    for veto in triggered:
        reasons.append(f"触发一票否决：{veto.condition}，不得申报。")
    so_far = "目前已得" if unanswered_items else "自评总分"
    if total >= rubric.pass_mark:
        reasons.append(f"{so_far}{total}分，达到申报线{rubric.pass_mark}分。")
    else:
        reasons.append(
            f"{so_far}{total}分，低于申报线{rubric.pass_mark}分（差{rubric.pass_mark - total}分）。"
        )
    if rubric.vetoes and not triggered and not unanswered_vetoes:
        reasons.append("未触发一票否决项。")
    if eligible:
        reasons.append("符合自评申报条件，可以申报。")
    return reasons


def summary(rubric: Rubric, state: AssessmentState) -> str:
    """The answers so far as plain Chinese text, category by category."""
    outcome = result(rubric, state)
    answered = sum(1 for item in outcome.items if item.score is not None)
    lines = [f"{rubric.title}（已评{answered}/{len(outcome.items)}项）"]
    if rubric.vetoes:
        lines.append("一票否决：")
        for veto in outcome.vetoes:
            answer_text = {None: "未回答", True: "是（触发否决）", False: "否"}[veto.triggered]
            lines.append(f"  · {veto.question} {answer_text}")
    item_by_id = {item.id: item for item in rubric.items}
    for category in outcome.categories:
        lines.append(f"{category.name}（{category.max}分）：小计{category.score}分")
        for item_result in outcome.items:
            if item_result.category_id != category.id:
                continue
            shown = (
                _describe_score(rubric, state, item_by_id[item_result.id])
                if item_result.score is not None
                else "未评分"
            )
            lines.append(f"  · {item_result.name}：{shown}")
    lines.append(f"总分：{outcome.total}/{outcome.max_total}分 · 申报线{rubric.pass_mark}分")
    lines.extend(outcome.reasons)
    return "\n".join(lines)


def assess(
    rubric: Rubric, scores: Sequence[int | float], vetoes: Mapping[str, bool] | None = None
) -> AssessmentResult:
    """Non-interactive: one score per item in ``rubric.items`` order (derived items take their POINTS).

    Vetoes not mentioned count as not triggered, except a veto carried by an item, which follows that item's
    score (0 = triggered). Raises ScoreError naming the item, the value and the allowed scores.
    """
    vetoes = dict(vetoes or {})
    items = rubric.items
    if len(scores) != len(items):
        raise ScoreError(
            f"自评表{rubric.id}共有{len(items)}个评分细项，收到{len(scores)}个分数", None, len(scores), ()
        )
    veto_ids = [veto.id for veto in rubric.vetoes]
    for veto_id, value in vetoes.items():
        if veto_id not in veto_ids:
            raise ScoreError(
                f"自评表{rubric.id}没有一票否决项“{veto_id}”；可用的有：{'、'.join(veto_ids) or '无'}",
                veto_id,
                value,
                (),
            )
        if not isinstance(value, bool):
            raise ScoreError(f"一票否决项“{veto_id}”须为true或false，收到{value!r}", veto_id, value, ())
    state_scores: dict[str, int] = {}
    for position, (item, value) in enumerate(zip(items, scores, strict=True), start=1):
        score = _whole_score(item, position, value)
        if item.veto is not None:
            declared = vetoes.get(item.veto)
            if declared is True and score != 0:
                condition = rubric.veto(item.veto).condition
                raise ScoreError(
                    f"第{position}项「{item.name}」：已声明{condition}（一票否决），该项只能为0分，收到{score}",
                    item.id,
                    value,
                    (0,),
                )
            if declared is False and score == 0:
                raise ScoreError(
                    f"第{position}项「{item.name}」：0分表示{rubric.veto(item.veto).condition}，"
                    f"与一票否决项“{item.veto}”回答“否”矛盾；允许的分值：{_score_ranges(item.allowed_scores[1:])}",
                    item.id,
                    value,
                    item.allowed_scores[1:],
                )
            vetoes[item.veto] = score == 0
        state_scores[item.id] = score
    state = AssessmentState(
        rubric_id=rubric.id,
        vetoes={veto_id: vetoes.get(veto_id, False) for veto_id in veto_ids},
        scores=state_scores,
    )
    return result(rubric, state)


def _whole_score(item: Item, position: int, value: object) -> int:
    allowed = item.allowed_scores
    where = f"第{position}项「{item.name}」"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScoreError(f"{where}的分数须为数字，收到{value!r}", item.id, value, allowed)
    if isinstance(value, float) and not value.is_integer():
        raise ScoreError(
            f"{where}的分数须为整数，收到{value:g}；允许的分值：{_score_ranges(allowed)}",
            item.id,
            value,
            allowed,
        )
    score = int(value)
    if score not in allowed:
        raise ScoreError(
            f"{where}的分数{score}不被允许；允许的分值：{_score_ranges(allowed)}", item.id, value, allowed
        )
    return score
