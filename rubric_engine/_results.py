"""Results from the answers so far: subtotals, total, vetoes, eligibility and its reasons; the text summary;
and the non-interactive ``assess``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rubric_engine._labels import _describe_score, _level_index, _level_label, _score_ranges
from rubric_engine._models import (
    AssessmentResult,
    AssessmentState,
    CategoryResult,
    Item,
    ItemResult,
    Rubric,
    ScoreError,
    VetoResult,
)
from rubric_engine._state import _checked


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
            level_index = _level_index(state, item, score) if score is not None else None
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
                    level_index=level_index,
                    level_label=_level_label(rubric, state, item, score) if score is not None else None,
                    figure=state.figures.get(item.id),
                    vetoed=item.veto is not None and score == 0,
                    caution=item.levels[level_index].caution if level_index is not None else None,
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
        pass_mark_assumed=rubric.pass_mark_assumed,
        categories=categories,
        items=items,
        vetoes=vetoes,
        eligible=eligible,
        reasons=_reasons(rubric, total, items, unanswered_vetoes, triggered, eligible),
    )


def _reasons(
    rubric: Rubric,
    total: int,
    items: list[ItemResult],
    unanswered_vetoes: list[VetoResult],
    triggered: list[VetoResult],
    eligible: bool,
) -> list[str]:
    reasons: list[str] = []
    unanswered_items = [item for item in items if item.score is None]
    if unanswered_items:
        names = "、".join(item.name for item in unanswered_items)
        reasons.append(f"自评尚未完成：还有{len(unanswered_items)}项未评分（{names}）。")
    if unanswered_vetoes:
        conditions = "；".join(veto.condition for veto in unanswered_vetoes)
        reasons.append(
            f"还有{len(unanswered_vetoes)}个一票否决问题未回答（{conditions}），回答前不能判断能否申报。"
        )
    for veto in triggered:
        reasons.append(f"触发一票否决：{veto.condition}，不得申报。")
    so_far = "目前已得" if unanswered_items else "自评总分"
    if total >= rubric.pass_mark:
        reasons.append(f"{so_far}{total}分，达到{rubric.pass_mark_label}。")
    else:
        gap = rubric.pass_mark - total
        # The assumed label already ends in a bracket: the gap follows after a comma, not a second bracket.
        gap_text = f"，差{gap}分" if rubric.pass_mark_assumed else f"（差{gap}分）"
        reasons.append(f"{so_far}{total}分，低于{rubric.pass_mark_label}{gap_text}。")
    if rubric.vetoes and not triggered and not unanswered_vetoes:
        reasons.append("未触发一票否决项。")
    if eligible:
        provisional = "（按暂定的申报线，请向协会确认）" if rubric.pass_mark_assumed else ""
        reasons.append(f"符合自评申报条件，可以申报{provisional}。")
    reasons.extend(f"“{item.name}”选了{item.level_label}。{item.caution}" for item in items if item.caution)
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
    lines.append(f"总分：{outcome.total}/{outcome.max_total}分 · {rubric.pass_mark_label}")
    lines.extend(outcome.reasons)
    return "\n".join(lines)


def assess(
    rubric: Rubric, scores: Sequence[int | float], vetoes: Mapping[str, bool] | None = None
) -> AssessmentResult:
    """Non-interactive: one score per item in ``rubric.items`` order (derived items take their POINTS).

    Vetoes not mentioned stay unanswered (the result is then not complete and says which), except a veto
    carried by an item, which follows that item's score (0 = triggered). Raises ScoreError naming the item,
    the value and the allowed scores.
    """
    vetoes = dict(vetoes or {})
    items = rubric.items
    if len(scores) != len(items):
        raise ScoreError(
            f"自评表{rubric.id}共有{len(items)}个评分细项，收到{len(scores)}个分数", None, len(scores), ()
        )
    veto_ids = [veto.id for veto in rubric.vetoes]
    for veto_id, declared_value in vetoes.items():
        if veto_id not in veto_ids:
            raise ScoreError(
                f"自评表{rubric.id}没有一票否决项“{veto_id}”；可用的有：{'、'.join(veto_ids) or '无'}",
                veto_id,
                declared_value,
                (),
            )
        if not isinstance(declared_value, bool):
            raise ScoreError(
                f"一票否决项“{veto_id}”须为true或false，收到{declared_value!r}", veto_id, declared_value, ()
            )
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
        vetoes={veto_id: vetoes[veto_id] for veto_id in veto_ids if veto_id in vetoes},
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
