"""The eligibility walk ("我能报吗"): the programme's rules ask for the facts they need, one at a time;
the verdict names every rule's pass / fail / unknown with the sentence of the notice it comes from."""

from __future__ import annotations

from typing import Any

import rubric_engine
from conversations._context import INVALID_BEFORE_CHOICES, MAX_ANSWER_CHARS, TurnContext, text_reply
from conversations._messages import Reply
from conversations._programmes import resolve
from conversations._store import EligibilityCheckRow
from rubric_engine import EligibilityError, FactError, FactQuestion


def start(ctx: TurnContext, argument: str) -> list[Reply]:
    programmes = rubric_engine.list_eligibility_programmes()
    programme = _programme_for(ctx, argument.strip(), programmes)
    if programme is None:
        shown = [ctx.programme(pid) for pid in programmes]
        lines = ["请先选择要自查的项目："]
        lines.extend(f"· {info.label}：{info.name}" for info in shown if info)
        choices = [(info.label, f"/check {info.id}") for info in shown if info]
        prefix = f"没有找到项目“{argument.strip()[:40]}”。" if argument.strip() else ""
        return [text_reply(prefix + "\n".join(lines), choices)]
    rules = rubric_engine.load_eligibility(programme)
    category = _known_category(ctx, programme)
    if category is None and len(rules.categories) == 1:
        category = rules.categories[0].id
    row = ctx.turn.start_check(programme, category)
    if category is not None:
        _prefill(ctx, row)
    ctx.turn.save(mode="check", data={"check_id": row.id, "invalid": 0})
    if ctx.turn.programme is None:
        ctx.turn.set_programme(programme)
    intro = f"开始申报条件自查：{rules.name}。我会逐条询问，不清楚的可回复“跳过”，随时回复“退出”结束。"
    return [text_reply(intro), _next(ctx, row)]


def _programme_for(ctx: TurnContext, argument: str, available: tuple[str, ...]) -> str | None:
    if argument:
        matches = [pid for pid in resolve(ctx, argument) if pid in available]
        return matches[0] if len(matches) == 1 else None
    candidates = [ctx.turn.programme]
    active = ctx.turn.latest_assessment("active") or ctx.turn.latest_assessment("confirmed")
    if active is not None:
        candidates.append(rubric_engine.load_rubric(active.rubric_id).programme)
    return next((pid for pid in candidates if pid in available), None)


def _known_category(ctx: TurnContext, programme: str) -> str | None:
    """The category of the form the user is filling or filled for this programme, if any."""
    for status in ("active", "confirmed"):
        row = ctx.turn.latest_assessment(status)
        if row is None:
            continue
        found = rubric_engine.category_for_rubric(row.rubric_id)
        if found is not None and found[0] == programme:
            return found[1]
    return None


def _prefill(ctx: TurnContext, row: EligibilityCheckRow) -> None:
    """The self-assessment total is known when the user confirmed the category's form here."""
    confirmed = ctx.turn.latest_assessment("confirmed")
    if confirmed is None or confirmed.total is None:
        return
    found = rubric_engine.category_for_rubric(confirmed.rubric_id)
    if found == (row.programme, row.category):
        row.answers = {**row.answers, "self_assessment_total": float(confirmed.total)}


def active(ctx: TurnContext) -> EligibilityCheckRow | None:
    row = ctx.turn.check(ctx.turn.data.get("check_id"))
    return row if row is not None and row.status == "active" else None


def _questions(row: EligibilityCheckRow) -> list[FactQuestion]:
    assert row.category is not None
    return rubric_engine.fact_questions(row.programme, row.category)


def _pending(row: EligibilityCheckRow) -> FactQuestion | None:
    return next((q for q in _questions(row) if q.key not in row.answers), None)


def _next(ctx: TurnContext, row: EligibilityCheckRow) -> Reply:
    rules = rubric_engine.load_eligibility(row.programme)
    if row.category is None:
        lines = ["您要申报哪一类？请回复编号："]
        lines.extend(
            f"{number}. {category.name}" for number, category in enumerate(rules.categories, start=1)
        )
        choices = [(category.name, str(number)) for number, category in enumerate(rules.categories, start=1)]
        return text_reply("\n".join(lines), choices)
    question = _pending(row)
    if question is None:
        return _finish(ctx, row)
    questions = _questions(row)
    position = questions.index(question) + 1
    text = f"（{position}/{len(questions)}）{question.prompt}\n{question.hint}；不清楚请回复“跳过”。"
    choices = (
        [("是", "是"), ("否", "否"), ("跳过", "跳过")] if question.kind == "yes_no" else [("跳过", "跳过")]
    )
    return text_reply(text, choices)


def _finish(ctx: TurnContext, row: EligibilityCheckRow) -> Reply:
    assert row.category is not None
    facts = rubric_engine.facts_from_answers(row.answers)
    report = rubric_engine.check_eligibility(row.programme, row.category, facts, today=ctx.today)
    row.status = "done"
    row.report = report.model_dump(mode="json") | {"status": report.status}
    row.updated_at = ctx.turn.now()
    ctx.turn.save(mode="idle", data={})
    return report_reply(report)


def report_reply(report: rubric_engine.EligibilityReport) -> Reply:
    """The verdict; its text cites the notice under every rule, so no separate citation list."""
    return Reply(text=rubric_engine.render_eligibility_text(report))


def answer(ctx: TurnContext, text: str) -> list[Reply]:
    row = active(ctx)
    if row is None:
        ctx.turn.save(mode="idle", data={})
        return [text_reply("当前没有进行中的自查。回复“我能报吗”开始。")]
    if len(text) > MAX_ANSWER_CHARS:
        return [text_reply(f"回答太长了（{len(text)}字），请简短回答本题。"), _next(ctx, row)]
    try:
        if row.category is None:
            row.category = (
                rubric_engine.load_eligibility(row.programme).category(_category_name(row, text)).id
            )
            _prefill(ctx, row)
        else:
            question = _pending(row)
            assert question is not None
            row.answers = {**row.answers, question.key: rubric_engine.parse_fact(question, text)}
    except (FactError, EligibilityError) as error:
        return _rejected(ctx, row, str(error))
    row.updated_at = ctx.turn.now()
    _set_invalid(ctx, 0)
    return [_next(ctx, row)]


def _category_name(row: EligibilityCheckRow, text: str) -> str:
    """A reply to the category question: its number or its name."""
    categories = rubric_engine.load_eligibility(row.programme).categories
    number = rubric_engine.parse_position(text)
    if number is not None and 1 <= number <= len(categories):
        return categories[number - 1].id
    return text.strip()


def _rejected(ctx: TurnContext, row: EligibilityCheckRow, message: str) -> list[Reply]:
    invalid = int(ctx.turn.data.get("invalid") or 0) + 1
    _set_invalid(ctx, invalid)
    replies = [text_reply(message)]
    if invalid >= INVALID_BEFORE_CHOICES:
        replies.append(text_reply("如果不确定，可以回复“跳过”，这一条将列为“待确认”。"))
    replies.append(_next(ctx, row))
    return replies


def _set_invalid(ctx: TurnContext, count: int) -> None:
    data: dict[str, Any] = ctx.turn.data
    data["invalid"] = count
    ctx.turn.save(data=data)


def reprompt(ctx: TurnContext) -> list[Reply]:
    row = active(ctx)
    return [_next(ctx, row)] if row is not None else []


def stop(ctx: TurnContext) -> list[Reply]:
    row = active(ctx)
    if row is not None:
        row.status = "cancelled"
        row.updated_at = ctx.turn.now()
    ctx.turn.save(mode="idle", data={})
    return [text_reply("已退出申报条件自查。回复“我能报吗”可重新开始。")]
