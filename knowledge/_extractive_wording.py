"""Wording of the extractive answer: the cited sentences as shown, the deadline note, and the
refusals (with and without a nearby passage) that say where to ask instead."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from knowledge._answer_context import AnswerContext
from knowledge._extractive_text import parse_dates
from knowledge._extractive_types import Candidate, GroupAnswer
from knowledge._models import Answer, Citation
from knowledge._question import AnswerKind, QuestionAnalysis
from knowledge._scope import Mention, Scope, describe_programmes
from knowledge._sentences import display_text, enumerator_style

RELATED_CHARS = 200  # a related rule is quoted up to this length (a phone screen)
PHONE_CHARS = 300  # a list longer than this is shown up to the item that would pass it
_NOT_CJK_OR_ALNUM = re.compile(r"[^\w]+", re.UNICODE)
_LEADING_ENUMERATOR = re.compile(
    r"^\s*(?:\d{1,2}\s*[、.．](?!\d)|[（(]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[）)]\s*、?)\s*"
)


def _deadline_note(group: GroupAnswer, analysis: QuestionAnalysis, context: AnswerContext) -> str:
    if not (analysis.deadline or AnswerKind.DATE in analysis.kinds):
        return ""
    programme = context.programme(group.programme)
    default_year = programme.year if programme and programme.year else None
    dates: list[date] = []
    for candidate in group.chosen:
        if analysis.deadline or candidate.deadline_ok:
            dates.extend(parse_dates(candidate.unit.text, default_year or candidate.chunk.year))
    if not dates or max(dates) >= context.today:
        return ""
    year = default_year or max(dates).year
    return f"（该截止日期已过：这是{year}年的通知，新一年的安排请以最新通知为准。）"


def not_found_reply(
    question: str,
    best: GroupAnswer | None,
    weights: dict[str, float],
    scope: Scope,
    analysis: QuestionAnalysis,
    context: AnswerContext,
) -> Answer:
    """ "通知中没有关于…的规定": what was asked, named plainly, and where to ask. No quote: a passage
    shown beside "the notices do not say" could say it after all."""
    programme_id = scope.programmes[0] if len(scope.programmes) == 1 else None
    words = [t for t in sorted(weights, key=lambda t: weights[t], reverse=True) if len(t) > 1]
    if best is not None:
        # The words the best passage does not cover are what the notices lack (not "花" of 花多少钱).
        words = [t for t in words if max(c.covers(t) for c in best.chosen) < 0.5] or words
        programme_id = programme_id or best.programme
    # Words are named as missing only when no notice uses any of them: "没有关于“班组”的规定" is false
    # where a notice says "不设班组". Otherwise the question itself is what the notices give no rule on.
    named = words[:3] if words and all(context.stats.df(t) == 0 for t in words[:3]) else []
    asked = "、".join(as_asked(named, analysis.text))
    if asked:
        text = f"通知中没有关于“{asked}”的规定。"
    elif gist := _gist(question):
        text = f"通知中没有关于“{gist}”的明确规定。"
    else:
        text = "现有通知没有这方面的明确规定。"
    return Answer(
        question=question,
        answer=text + where_to_ask(programme_id, context),
        answered=False,
        kind="not_found",
        confidence=round(best.probability, 3) if best else 0.0,
        programme=programme_id,
    )


_GIST_CHARS = 30  # a question quoted back is cut to this, for a phone screen


def _gist(question: str) -> str:
    """The question as the applicant wrote it, trimmed and cut for quoting back."""
    text = question.strip().rstrip("？?。！!").strip()
    return text if len(text) <= _GIST_CHARS else text[:_GIST_CHARS] + "…"


def as_asked(terms: Sequence[str], question: str) -> list[str]:
    """The terms as the question writes them, in its order: terms that overlap or touch there are one
    phrase (大面 and 面积 of "大面积投诉" are 大面积). A term the question does not spell is kept as is."""
    spans: list[tuple[int, int]] = []
    loose: list[str] = []
    for term in terms:
        start = question.find(term)
        if start < 0:
            loose.append(term)
        else:
            spans.append((start, start + len(term)))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return list(dict.fromkeys([question[start:end] for start, end in merged] + loose))


def other_body_reply(
    question: str, place: str, group: GroupAnswer, analysis: QuestionAnalysis, context: AnswerContext
) -> Answer:
    """The notices give a contact, address or deadline, but another body's: say that none is given
    for the one asked about, and show whose they give (never as the answer)."""
    what = (
        "截止日期"
        if analysis.deadline
        else "地址"
        if "address" in analysis.units
        else "名额"
        if "名额" in analysis.text
        else "联系方式"
    )
    label, body, citations = _quoted(group, context)
    return Answer(
        question=question,
        answer=f"通知中没有给出{place}的{what}。通知中给出的是另一单位的：【{label}】{body}"
        f"{place}的安排，请咨询当地质量协会。",
        answered=False,
        kind="not_found",
        # The probability is the passage's, not the body's: this is no answer.
        confidence=round(min(group.probability, 0.3), 3),
        programme=group.programme,
        citations=citations,
    )


def related_reply(question: str, best: GroupAnswer, context: AnswerContext) -> Answer:
    """The rule nearest to what was asked, quoted and cited, labelled as related: the decision finds
    it relevant but not sure to answer the question."""
    label, body, citations = _quoted(best, context)
    if not any(c.unit.kind == "block" for c in best.chosen):  # a list is cut at an item already
        body = _shorten(body, RELATED_CHARS)
    return Answer(
        question=question,
        answer=f"通知中与此最相关的规定是：【{label}】{body}" + where_to_ask(best.programme, context),
        answered=True,
        kind="related",
        confidence=round(best.probability, 3),
        programme=best.programme,
        citations=citations,
    )


def _quoted(group: GroupAnswer, context: AnswerContext) -> tuple[str, str, list[Citation]]:
    """A group's label, its sentences as shown, and their citations, in reading order."""
    chosen = _reading_order(group.chosen)
    body = "".join(shown_text(c) for c in chosen)
    return context.label(group.programme), body, [_citation(c) for c in chosen]


# --- refusals that need no hits ---------------------------------------------------------------


def refusal_out_of_corpus(question: str, uncovered: Sequence[Mention], context: AnswerContext) -> Answer:
    named = "、".join(f"{m.text}年" if m.kind == "year" else m.text for m in uncovered)
    covered = describe_programmes(context.programmes)
    text = (
        f"现有通知没有涉及{named}的内容，无法回答。"
        + (f"目前收录的通知是：{covered}。" if covered else "")
        + "其他地区或年度的安排，请咨询当地质量协会或通知的发布单位。"
    )
    return Answer(question=question, answer=text, answered=False, confidence=0.05)


def refusal_no_terms(question: str) -> Answer:
    return Answer(
        question=question,
        answer="没有看出您想了解申报的哪一方面。请直接说出要问的内容，例如：“申报截止日期是哪天？”"
        "“先进事迹材料有字数要求吗？”",
        answered=False,
        confidence=0.0,
    )


def where_to_ask(programme_id: str | None, context: AnswerContext) -> str:
    if programme_id:
        contact = context.contact_for(programme_id)
        if contact:
            return f"如需确认，请咨询：{contact}。"
        programme = context.programme(programme_id)
        if programme and programme.issuer:
            return f"如需确认，请咨询通知的发布单位：{_chinese_only_issuer(programme.issuer)}。"
    return "如需确认，请咨询通知的发布单位或当地质量协会。"


def _chinese_only_issuer(issuer: str) -> str:
    """Catalog notes in English ("; forwarded by 常州市") are for staff, not applicants."""
    return re.split(r"\s*[;；]\s*[A-Za-z]", issuer)[0].strip()


def _reading_order(chosen: Sequence[Candidate]) -> list[Candidate]:
    return sorted(chosen, key=lambda c: (c.rank, c.unit.start))


def _merge_identical(groups: Sequence[GroupAnswer]) -> list[tuple[list[str | None], GroupAnswer]]:
    """Programmes whose chosen sentences read the same (shared rubric text) share one line."""
    merged: list[tuple[list[str | None], GroupAnswer]] = []
    for group in groups:
        key = _comparable(" ".join(c.unit.text for c in _reading_order(group.chosen)))
        for programmes, existing in merged:
            if _comparable(" ".join(c.unit.text for c in _reading_order(existing.chosen))) == key:
                programmes.append(group.programme)
                break
        else:
            merged.append(([group.programme], group))
    return merged


def _comparable(text: str) -> str:
    return _NOT_CJK_OR_ALNUM.sub("", text)


def shown_text(candidate: Candidate) -> str:
    """A chosen sentence as the answer shows it; a long list cut for a phone at an item boundary,
    saying how many items are left out (the citation quotes it whole)."""
    unit = candidate.unit
    if unit.kind != "block" or len(unit.text) <= PHONE_CHARS:
        return _sentence_for_answer(unit.text)
    lines = [line for line in candidate.chunk.text[unit.start : unit.end].split("\n") if line.strip()]
    items = [i for i, line in enumerate(lines) if enumerator_style(line.strip()) is not None]
    kept: list[str] = []
    for i, line in enumerate(lines):
        if kept and i in items and len(display_text("\n".join([*kept, line]))) > PHONE_CHARS:
            break
        kept.append(line)
    left_out = sum(1 for i in items if i >= len(kept))
    shown = display_text("\n".join(kept)).rstrip("：:，,；; ")
    if not left_out:
        return _sentence_for_answer(unit.text)
    shown_items = len(items) - left_out
    return f"{shown}……（共{len(items)}项，以上为前{shown_items}项，其余{left_out}项见所引通知原文。）"


def _sentence_for_answer(text: str) -> str:
    """As shown in the answer: without its list number ("8.材料申报…"), ending as a sentence."""
    text = _LEADING_ENUMERATOR.sub("", text.strip(), count=1).rstrip("：:，,； ")
    return text if text.endswith(("。", "！", "？", "）", "”", ")")) else f"{text}。"


def _shorten(text: str, limit: int = 90) -> str:
    text = _sentence_for_answer(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _citation(candidate: Candidate) -> Citation:
    chunk = candidate.chunk
    return Citation(
        file=chunk.file,
        title=chunk.title,
        section=chunk.section,
        quote=chunk.text[candidate.unit.start : candidate.unit.end].strip(),
    )
