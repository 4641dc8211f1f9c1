"""The guided self-assessment: the rubric engine's steps as chat, with back, edit, summary, confirm,
pause and resume. Every accepted answer is written to the assessment and its history in the turn's
transaction; a rejected one changes nothing but the count of tries shown as choices after two."""

from __future__ import annotations

from typing import Any

import rubric_engine
from conversations._context import INVALID_BEFORE_CHOICES, MAX_ANSWER_CHARS, TurnContext, text_reply
from conversations._messages import Attachment, Choice, Reply
from conversations._store import AssessmentRow
from rubric_engine import AnswerError, AssessmentResult, AssessmentState, Rubric, Step, StepKind

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_BUTTON_LABEL_CHARS = 24


# --- starting and resuming ----------------------------------------------------------------------------


def rubrics_for(programme: str | None) -> list[Rubric]:
    rubrics = [rubric_engine.load_rubric(rubric_id) for rubric_id in rubric_engine.list_rubrics()]
    return [r for r in rubrics if programme is None or r.programme == programme]


def start(ctx: TurnContext, argument: str) -> list[Reply]:
    """`/assess [rubric-id]`: without an id, the forms of the user's programme to choose from."""
    wanted = argument.strip()
    if not wanted:
        return [_form_menu(ctx)]
    known = rubric_engine.list_rubrics()
    if wanted not in known:
        menu = _form_menu(ctx)
        return [text_reply(f"没有自评表“{wanted[:40]}”。"), menu]
    rubric = rubric_engine.load_rubric(wanted)
    row = _resumable(ctx, rubric.id)
    resumed = row is not None
    if row is None:
        row = ctx.turn.start_assessment(rubric.id, rubric_engine.start(rubric).model_dump(mode="json"))
    ctx.turn.save(mode="assessment", data={"assessment_id": row.id, "invalid": {}})
    if ctx.turn.programme is None:
        ctx.turn.set_programme(rubric.programme)
    state = _state(row)
    if resumed:
        intro = (
            f"继续您上次未完成的自评：{rubric.appendix}《{rubric.title}》。"
            "如需填写其他表，回复“/assess 表的ID”（见“/assess”后的列表）。"
        )
    else:
        intro = (
            f"开始自评：{rubric.appendix}《{rubric.title}》，共{len(rubric.items)}个评分细项"
            + (f"，先回答{len(rubric.vetoes)}个一票否决问题" if rubric.vetoes else "")
            + "。\n随时可以回复“上一题”“改第3项为8分”“汇总”“退出”，也可以直接提问，问完接着自评。"
        )
    notes = assumptions(rubric)
    if notes:
        intro += "\n" + "\n".join(notes)
    return [text_reply(intro), step_reply(ctx, rubric, state)]


def _resumable(ctx: TurnContext, rubric_id: str) -> AssessmentRow | None:
    row = ctx.turn.latest_assessment("active")
    if row is not None and row.rubric_id == rubric_id:
        return row
    return None


def _form_menu(ctx: TurnContext) -> Reply:
    programme = ctx.turn.programme
    own = rubrics_for(programme) if programme else []
    rubrics = own or rubrics_for(None)
    scope = f"{ctx.programme_label(programme)}的" if own else ""
    lines = [f"请选择要填写的{scope}自评表（回复“/assess 表的ID”，或点下面的按钮）："]
    lines.extend(f"· {r.id}：{r.appendix}《{r.title}》" for r in rubrics)
    if not programme:
        lines.append("提示：先回复“/programme 地区年份”（如“/programme 青海2025”）可只看该项目的表。")
    choices = [(_short(f"{r.appendix} {r.title}"), f"/assess {r.id}") for r in rubrics]
    paused = ctx.turn.latest_assessment("active")
    if paused is not None:  # "我要自评" after a pause: carrying on is the likely wish
        paused_rubric = rubric_engine.load_rubric(paused.rubric_id)
        lines.insert(
            0,
            f"您有一份未完成的自评：{paused_rubric.appendix}《{paused_rubric.title}》，点“继续上次的自评”从原处继续。",
        )
        choices.insert(0, ("继续上次的自评", f"/assess {paused.rubric_id}"))
    return text_reply("\n".join(lines), choices)


def assumptions(rubric: Rubric) -> list[str]:
    """What the printed form leaves open and the engine had to assume, said as such."""
    if rubric.pass_mark_assumed:
        return [f"注意：{rubric.pass_mark_label}。"]
    return []


# --- the current step -----------------------------------------------------------------------------------


def active(ctx: TurnContext) -> tuple[AssessmentRow, Rubric] | None:
    row = ctx.turn.assessment(ctx.turn.data.get("assessment_id"))
    if row is None or row.status != "active":
        return None
    return row, rubric_engine.load_rubric(row.rubric_id)


def _state(row: AssessmentRow) -> AssessmentState:
    return AssessmentState.model_validate(row.state)


def step_reply(
    ctx: TurnContext, rubric: Rubric, state: AssessmentState, *, with_levels: bool = False
) -> Reply:
    step = rubric_engine.next_step(rubric, state)
    if step.kind is StepKind.DONE:
        text = step.text + "\n回复“确认”生成自评表，回复“汇总”查看各项得分，或“改第N项为X分”修改。"
        return text_reply(text, [("确认，生成自评表", "确认"), ("查看汇总", "汇总"), ("上一题", "上一题")])
    return Reply(text=step.text, choices=_step_choices(step, with_levels=with_levels))


def _step_choices(step: Step, *, with_levels: bool) -> list[Choice]:
    """Buttons where the answer is a pick (是/否, options, a derived item's rows, a score inside a band);
    a banded item's levels only after two replies it could not read, since typing a score is quicker."""
    if step.kind is StepKind.VETO:
        return [Choice(label="是", send="是"), Choice(label="否", send="否")]
    if step.kind is StepKind.SCORE_IN_LEVEL:
        if len(step.allowed_scores) <= 8:
            return [Choice(label=f"{score}分", send=f"{score}分") for score in step.allowed_scores]
        return []
    item_is_pick = step.choices and all(c.min_points == c.max_points for c in step.choices)
    if not (item_is_pick or with_levels):
        return []
    return [Choice(label=_short(f"{c.key}. {c.label}") + f"（{c.points}）", send=c.key) for c in step.choices]


def _short(text: str) -> str:
    return text if len(text) <= _BUTTON_LABEL_CHARS else text[: _BUTTON_LABEL_CHARS - 1] + "…"


def reprompt(ctx: TurnContext) -> list[Reply]:
    found = active(ctx)
    if found is None:
        return []
    row, rubric = found
    field_id = ctx.turn.data.get("asking_field")
    label = next((field.label for field in _fillable(rubric) if field.id == field_id), None)
    if label is not None:
        return [_field_prompt(label)]
    return [step_reply(ctx, rubric, _state(row))]


# --- answering, navigating ----------------------------------------------------------------------------


def answer(ctx: TurnContext, text: str) -> list[Reply]:
    found = active(ctx)
    if found is None:
        return _lost(ctx)
    row, rubric = found
    state = _state(row)
    if len(text) > MAX_ANSWER_CHARS:
        return [
            text_reply(f"回答太长了（{len(text)}字）。本项只需回复分数、档次或选项。"),
            step_reply(ctx, rubric, state),
        ]
    step_before = rubric_engine.next_step(rubric, state)
    outcome = rubric_engine.answer(rubric, state, text)
    if isinstance(outcome, AnswerError):
        return _rejected(ctx, rubric, state, outcome)
    _record(ctx, row, "answer", text, outcome)
    _reset_invalid(ctx)
    replies = []
    acknowledgement = _acknowledge(rubric, step_before, outcome)
    if acknowledgement:
        replies.append(text_reply(acknowledgement))
    replies.append(step_reply(ctx, rubric, outcome))
    return replies


def _acknowledge(rubric: Rubric, before: Step, after: AssessmentState) -> str | None:
    if before.step_id is None:
        return None
    if before.kind is StepKind.VETO:
        triggered = after.vetoes.get(before.step_id)
        return f"已记录：{'是（触发一票否决）' if triggered else '否'}。"
    score = after.scores.get(before.step_id)
    if score is None:  # a band with several points was chosen: its score comes next
        return None
    return f"已记录：第{before.number}项“{before.item}”{score}分。"


def _rejected(ctx: TurnContext, rubric: Rubric, state: AssessmentState, error: AnswerError) -> list[Reply]:
    data = ctx.turn.data
    invalid: dict[str, Any] = dict(data.get("invalid") or {})
    key = error.step_id or ""
    invalid[key] = int(invalid.get(key, 0)) + 1
    data["invalid"] = invalid
    ctx.turn.save(data=data)
    show_levels = invalid[key] >= INVALID_BEFORE_CHOICES
    step = step_reply(ctx, rubric, state, with_levels=show_levels)
    message = error.message
    if show_levels and step.choices:
        message += "\n可以直接点选下面的档次，或回复档次编号："
    return [text_reply(message), step]


def _reset_invalid(ctx: TurnContext) -> None:
    """After a step moved: no unreadable replies yet, and no header blank being asked."""
    data = ctx.turn.data
    data["invalid"] = {}
    data.pop("asking_field", None)
    ctx.turn.save(data=data)


def _record(ctx: TurnContext, row: AssessmentRow, action: str, text: str, state: AssessmentState) -> None:
    ctx.turn.assessment_event(row, action, text, state.model_dump(mode="json"))


def back(ctx: TurnContext) -> list[Reply]:
    found = active(ctx)
    if found is None:
        return _lost(ctx)
    row, rubric = found
    state = rubric_engine.back(rubric, _state(row))
    _record(ctx, row, "back", "", state)
    _reset_invalid(ctx)
    return [step_reply(ctx, rubric, state)]


def edit(ctx: TurnContext, argument: str) -> list[Reply]:
    """`/edit N [value]` ("改第3项为8分"): revisit item N, and answer it at once when a value is given.
    Only items already reached can be edited; a bad number or value changes nothing."""
    found = active(ctx)
    if found is None:
        return _lost(ctx)
    row, rubric = found
    state = _state(row)
    number_text, _, value = argument.strip().partition(" ")
    number = rubric_engine.parse_position(number_text) if number_text else None
    count = len(rubric.items)
    usage = f"请回复“/edit 项号 分数”，如“/edit 3 8分”或“改第3项为8分”（本表共{count}项）。"
    if number is None:
        return [text_reply(f"没有看懂要修改哪一项。{usage}"), step_reply(ctx, rubric, state)]
    if not 1 <= number <= count:
        return [text_reply(f"本表没有第{number}项，共{count}项。{usage}"), step_reply(ctx, rubric, state)]
    item = rubric.items[number - 1]
    current = rubric_engine.next_step(rubric, state)
    reached = item.id in state.scores or current.step_id == item.id
    if not reached:
        return [
            text_reply(f"第{number}项“{item.name}”还没有轮到，请先完成前面的项目。"),
            step_reply(ctx, rubric, state),
        ]
    revisited = rubric_engine.edit(rubric, state, item.id)
    if not value.strip():
        _record(ctx, row, "edit", argument, revisited)
        _reset_invalid(ctx)
        return [step_reply(ctx, rubric, revisited)]
    outcome = rubric_engine.answer(rubric, revisited, value.strip())
    if isinstance(outcome, AnswerError):
        return [text_reply(f"第{number}项未修改：{outcome.message}"), step_reply(ctx, rubric, state)]
    _record(ctx, row, "edit", argument, outcome)
    _reset_invalid(ctx)
    score = outcome.scores.get(item.id)
    done = f"已将第{number}项“{item.name}”改为{score}分。" if score is not None else None
    replies = [text_reply(done)] if done else []
    replies.append(step_reply(ctx, rubric, outcome))
    return replies


def summary(ctx: TurnContext) -> list[Reply]:
    found = active(ctx)
    if found is None:
        confirmed = ctx.turn.latest_assessment("confirmed")
        if confirmed is None:
            return _lost(ctx)
        rubric = rubric_engine.load_rubric(confirmed.rubric_id)
        return [text_reply(rubric_engine.summary(rubric, _state(confirmed)))]
    row, rubric = found
    state = _state(row)
    text = rubric_engine.summary(rubric, state)
    notes = assumptions(rubric)
    if notes:
        text += "\n" + "\n".join(notes)
    return [text_reply(text), *reprompt(ctx)]


def confirm(ctx: TurnContext) -> list[Reply]:
    """`/confirm`: the header blanks (姓名, 单位...) are asked first, each may be skipped; then the form."""
    found = active(ctx)
    if found is None:
        return _lost(ctx)
    row, rubric = found
    state = _state(row)
    outcome = rubric_engine.result(rubric, state)
    if not outcome.complete:
        return [
            text_reply("自评还没有完成，不能生成自评表。" + " ".join(outcome.reasons[:1])),
            step_reply(ctx, rubric, state),
        ]
    data = ctx.turn.data
    fields: dict[str, str] = dict(data.get("fields") or {})
    missing = [field for field in _fillable(rubric) if field.id not in fields]
    if missing:
        data["fields"] = fields
        data["asking_field"] = missing[0].id
        ctx.turn.save(data=data)
        return [_field_prompt(missing[0].label)]
    return [_produce(ctx, row, rubric, state, outcome, fields)]


def _fillable(rubric: Rubric) -> list[rubric_engine.HeaderField]:
    return [field for field in rubric.header_fields if field.fill is None]


def _field_prompt(label: str) -> Reply:
    prompt = f"生成自评表前，请填写表头“{label}”（回复“跳过”则留空，打印后手写）："
    return text_reply(prompt, [("跳过", "跳过")])


def asking_field(ctx: TurnContext) -> bool:
    return bool(ctx.turn.data.get("asking_field"))


def fill_field(ctx: TurnContext, text: str) -> list[Reply]:
    """A reply to a header blank's question: kept (empty when skipped); then the next blank, or the form."""
    found = active(ctx)
    if found is None:
        return _lost(ctx)
    _row, rubric = found
    data = ctx.turn.data
    field_id = str(data.get("asking_field"))
    value = "" if rubric_engine.is_skip(text) or text.strip() == "跳过" else text.strip()
    try:
        cleaned = rubric_engine.resolve_fields(rubric, {field_id: value}).get(field_id, "")
    except rubric_engine.FormFieldError as error:  # the form changed under a paused dialogue
        data.pop("asking_field", None)
        ctx.turn.save(data=data)
        return [text_reply(str(error))]
    fields = {**(data.get("fields") or {}), field_id: cleaned}
    data["fields"] = fields
    data.pop("asking_field", None)
    ctx.turn.save(data=data)
    return confirm(ctx)


def _produce(
    ctx: TurnContext,
    row: AssessmentRow,
    rubric: Rubric,
    state: AssessmentState,
    outcome: AssessmentResult,
    fields: dict[str, str],
) -> Reply:
    filled = {key: value for key, value in fields.items() if value}
    document = rubric_engine.render_form_docx(rubric, outcome, filled)
    row.status = "confirmed"
    row.total = outcome.total
    row.eligible = outcome.eligible
    row.form_filename = f"自评表-{rubric.id}-{row.id}.docx"
    row.form_docx = document
    row.confirmed_at = ctx.turn.now()
    _record(ctx, row, "confirm", "", state)
    ctx.turn.save(mode="idle", data={})
    verdict = "可以申报" if outcome.eligible else "暂不符合申报条件"
    blank = [field.label for field in _fillable(rubric) if not filled.get(field.id)]
    by_hand = "、".join([*blank, "签字", "盖章"])
    lines = [
        f"自评表已生成：{rubric.appendix}《{rubric.title}》，总分{outcome.total}分，{verdict}。",
        *outcome.reasons,
        *assumptions(rubric),
        f"{by_hand}请打印后手写填写。以后回复“/form”可再次获取。",
    ]
    return _form_reply("\n".join(lines), row)


def _form_reply(text: str, row: AssessmentRow) -> Reply:
    assert row.form_docx is not None and row.form_filename is not None
    attachment = Attachment(filename=row.form_filename, media_type=DOCX_MEDIA_TYPE, data=row.form_docx)
    return Reply(text=text, attachments=[attachment])


def send_form(ctx: TurnContext) -> list[Reply]:
    row = ctx.turn.latest_assessment("confirmed")
    if row is None or row.form_docx is None:
        return [text_reply("您还没有已确认的自评表。回复“我要自评”开始填写。", [("开始自评", "/assess")])]
    rubric = rubric_engine.load_rubric(row.rubric_id)
    text = f"您的自评表：{rubric.appendix}《{rubric.title}》，总分{row.total}分。"
    return [_form_reply(text, row)]


def pause(ctx: TurnContext) -> list[Reply]:
    found = active(ctx)
    ctx.turn.save(mode="idle", data={})
    if found is None:
        return [text_reply("当前没有进行中的自评。")]
    _row, rubric = found
    return [
        text_reply(
            f"已退出自评，进度已保存。回复“/assess {rubric.id}”可从原处继续。",
            [("继续自评", f"/assess {rubric.id}")],
        )
    ]


def _lost(ctx: TurnContext) -> list[Reply]:
    ctx.turn.save(mode="idle", data={})
    return [text_reply("当前没有进行中的自评。回复“我要自评”开始。", [("开始自评", "/assess")])]
