"""Questions from the notices: ask the Q&A core, log the question, and offer the rating."""

from __future__ import annotations

from conversations._context import TurnContext
from conversations._messages import Rating, Reply, SourceRef

RATING_WORDS: dict[Rating, str] = {"useful": "有用", "useless": "没用"}


def answer_question(ctx: TurnContext, question: str, *, programme: str | None, context: str) -> Reply:
    """The cited answer to `question`, scoped to `programme`; every question lands in the question log."""
    answer = ctx.answerer.ask(question, programme)
    citations = [
        SourceRef(title=c.title, section=c.section, quote=c.quote, file=c.file) for c in answer.citations
    ]
    log_id = ctx.turn.log_question(
        question=question,
        answer=answer.answer,
        programme=answer.programme or programme,
        answered=answer.answered,
        kind=answer.kind,
        confidence=answer.confidence,
        citations=[c.model_dump() for c in answer.citations],
        latency_ms=answer.latency_ms,
        context=context,
        curated_answer_id=answer.curated_answer_id,
    )
    data = ctx.turn.data
    data["rating_target"] = log_id
    ctx.turn.save(data=data)
    return Reply(text=answer.answer, citations=citations, rating_id=log_id)


def rate(ctx: TurnContext, question_id: int | None, rating: Rating) -> Reply:
    if question_id is None or not ctx.turn.rate(question_id, rating):
        return Reply(text="没有找到要评价的回答。请先提一个问题，再回复“有用”或“没用”。")
    data = ctx.turn.data
    data.pop("rating_target", None)  # one rating per answer by text; buttons can still change it
    ctx.turn.save(data=data)
    if rating == "useful":
        return Reply(text="谢谢您的评价！")
    return Reply(text="谢谢反馈，我们会把这个问题交给协会工作人员补充答案。您也可以换个说法再问一次。")
