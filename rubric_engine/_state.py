"""The assessment state and its bookkeeping: which step is current, validating a state, recording answers, and
moving the cursor (``back``/``edit``). Answers are kept by id, in rubric order."""

from __future__ import annotations

from rubric_engine._models import AssessmentState, Item, Rubric, Veto


class UnknownStepError(ValueError):
    """``edit`` was given an id that is neither an item nor a veto of the rubric."""


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


# ------------------------------------------------------------------------------------------------ navigation


def back(rubric: Rubric, state: AssessmentState) -> AssessmentState:
    """Go back one step. A band chosen without its score is undone first; answers are never deleted."""
    state = _checked(rubric, state)
    if state.pending is not None:
        return state.model_copy(update={"pending": None})
    order = _step_ids(rubric)
    current = _current_step_id(rubric, state)
    position = len(order) if current is None else order.index(current)
    target = order[max(position - 1, 0)]
    return state.model_copy(update={"pending": None, "cursor": target})


def edit(rubric: Rubric, state: AssessmentState, step_id: str) -> AssessmentState:
    """Revisit an item or veto question; its old answer stays until a new valid one is given."""
    state = _checked(rubric, state)
    if step_id not in _step_ids(rubric):
        known = "、".join(_step_ids(rubric))
        raise UnknownStepError(f"自评表{rubric.id}中没有“{step_id}”；可修改的有：{known}")
    return state.model_copy(update={"pending": None, "cursor": step_id})
