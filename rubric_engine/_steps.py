"""Rendering the current step: the question, its choices, the input hint and the progress line."""

from __future__ import annotations

from typing import NamedTuple

from rubric_engine._labels import _describe_score, _score_ranges
from rubric_engine._models import AssessmentState, Choice, Item, ItemKind, Rubric, Step, StepKind, Veto
from rubric_engine._results import result
from rubric_engine._state import _checked, _current_step_id

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


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
            caution=level.caution,
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
    progress = f"一票否决项 第{number}/{count}项 · {rubric.pass_mark_short_label}"
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


class _ItemPosition(NamedTuple):
    """Where an item stands in the walk, as both item steps show it."""

    number: int
    item_count: int  # not `count`: a NamedTuple field may not shadow tuple.count
    category: str
    group: str | None
    path: str  # "服务水平 › 服务文化 › 企业文化建设"
    progress: str  # "第3/7项 · 已得62分 · 申报线80分"


def _item_position(rubric: Rubric, state: AssessmentState, item: Item) -> _ItemPosition:
    number = [i.id for i in rubric.items].index(item.id) + 1
    count = len(rubric.items)
    category, group, name = _item_label(rubric, item)
    return _ItemPosition(
        number=number,
        item_count=count,
        category=category,
        group=group,
        path=" › ".join(part for part in (category, group, name) if part),
        progress=f"第{number}/{count}项 · 已得{_total(state)}分 · {rubric.pass_mark_short_label}",
    )


def _item_step(rubric: Rubric, state: AssessmentState, item: Item, warning: str | None) -> Step:
    number, count, category, group, path, progress = _item_position(rubric, state, item)
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
    lines: list[str] = []
    for choice in choices:
        lines.append(f"{choice.key}. {choice.label}（{choice.points}）{choice.remark or ''}")
        if choice.caution:
            lines.append(f"   {choice.caution}")
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
    number, count, category, group, path, progress = _item_position(rubric, state, item)
    question = (
        f"{path}\n"
        f"您选择了第{level_index + 1}档：{level.text}（{level.range_text}）\n"
        f"请在{level.min_points}-{level.max_points}分之间给出分数："
    )
    if level.caution:
        question += f"\n{level.caution}"
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
    verdict = "不符合申报条件"
    if outcome.eligible:
        verdict = "按暂定的申报线可以申报" if rubric.pass_mark_assumed else "可以申报"
    count = len(rubric.items)
    progress = f"已完成{count}/{count}项 · 总分{total}分 · {rubric.pass_mark_short_label}"
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
