"""The completed self-assessment as compact plain text for a chat window (phone width).

One line per 评审项目 with its subtotal, one short line per item with the score and the band chosen,
then the total against the pass mark, the vetoes and the verdict with its reasons.
"""

from __future__ import annotations

from collections.abc import Mapping

from rubric_engine._forms._build import resolve_fields
from rubric_engine._models import AssessmentResult, Rubric

__all__ = ["render_text", "short_name"]

RULE = "——————————"
SHORT_NAME_LENGTH = 14
LABEL_LENGTH = 12  # an option's wording used as the band label (管理体系: GB/T27922+...多体系认证)


def short_name(name: str, limit: int = SHORT_NAME_LENGTH) -> str:
    """An item name short enough for one phone line: up to its first clause, or cut with an ellipsis."""
    if len(name) <= limit:
        return name
    first_clause = name.split("，", 1)[0]
    if len(first_clause) <= limit:
        return first_clause + "…"
    return name[: limit - 1] + "…"


def _item_line(rubric: Rubric, result: AssessmentResult, item_id: str) -> str:
    item = rubric.item(item_id)
    outcome = next(entry for entry in result.items if entry.id == item_id)
    name = short_name(item.name)
    if outcome.score is None:
        return f"· {name}：未评（满分{item.cap}）"
    label = f"，{short_name(outcome.level_label, LABEL_LENGTH)}" if outcome.level_label else ""
    return f"· {name}：{outcome.score}/{item.cap}分{label}"


def render_text(rubric: Rubric, result: AssessmentResult, fields: Mapping[str, str] | None = None) -> str:
    """The chat rendering of ``result`` on ``rubric``'s form, with the header ``fields`` given."""
    values = resolve_fields(rubric, fields)
    lines = [f"【{rubric.appendix}】{rubric.title}"]
    shown = [f"{field.label}：{values[field.id]}" for field in rubric.header_fields if values.get(field.id)]
    if shown:
        lines.append("　".join(shown))
    lines.append(RULE)
    for category in rubric.categories:
        subtotal = next(entry for entry in result.categories if entry.id == category.id)
        lines.append(f"{category.name}　{subtotal.score}/{category.cap}分")
        lines.extend(_item_line(rubric, result, item.id) for item in category.items)
    lines.append(RULE)
    state = "" if result.complete else "（未评完）"
    lines.append(f"自评总分：{result.total}/{result.max_total}分{state}，{result.pass_mark_label}")
    for veto in result.vetoes:
        answer = "未答" if veto.triggered is None else ("是，一票否决" if veto.triggered else "否")
        lines.append(f"一票否决·{veto.condition}：{answer}")
    if not result.eligible:
        lines.append("结论：暂不符合申报条件")
    else:
        lines.append("结论：按暂定的申报线可以申报" if result.pass_mark_assumed else "结论：可以申报")
    lines.extend(f"· {reason}" for reason in result.reasons)
    return "\n".join(lines)
