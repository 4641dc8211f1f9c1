"""How a score reads: allowed-score ranges, and the label of an answered score (band, option, figure)."""

from __future__ import annotations

from collections.abc import Sequence

from rubric_engine._models import AssessmentState, Item, ItemKind, Rubric


def _score_ranges(scores: Sequence[int]) -> str:
    """(0, 3, 4, ..., 10) -> "0或3-10"; (1..10) -> "1-10"."""
    runs: list[tuple[int, int]] = []
    for score in scores:
        if runs and score == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], score)
        else:
            runs.append((score, score))
    return "或".join(f"{low}-{high}" if low != high else f"{low}" for low, high in runs)


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
