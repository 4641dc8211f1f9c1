"""A question asked in parts, answered part by part.

Applicants write "我是班组长，报告能不能自己测？要近几年的？" or "班组一共评几个？名额紧不紧": context about
themselves, and one or more questions. Taken whole, the answer check asks one sentence to cover all of
it (班组长, 紧不紧 included) and refuses. When the whole question is refused, each asking clause is
tried alone against the same passages. The first thing asked is what the question is about: when the
notices do not answer it, the question stays refused ("有年龄限制吗？超过50岁还能报吗" is not answered
by a sentence about 50 interviewees). When they do, the later parts they answer are added (each still
passing the full check) and the parts they do not are named as not covered. A clause that only tells
who asks (no question in it) is never required, and a clause of nothing but vague words (一般发多少)
is not a question of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from knowledge._extractive import AnswerContext, ExtractiveAnswerer, ExtractiveResult
from knowledge._models import Answer, Citation, SearchHit
from knowledge._question import ASKING, QuestionAnalysis
from knowledge._scope import Scope

# Punctuation ends a clause, and so does a space between Chinese words: on a phone, applicants
# separate their asks with spaces ("四星级满意度要多少分 评审分又要多少").
_CLAUSE_END = re.compile(r"[，,。！!？?；;]+|(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")
_QUESTION_MARKS = frozenset("？?")
# "我是班组长，…", "我们是家物业公司想报服务企业，…", "帮我们经理问下，…": who asks, not what.
_ABOUT_THE_ASKER = re.compile(
    r"^(?:我|我们|咱|咱们|本人)(?:是|在|这边|公司|单位|准备|想)|^(?:帮|替|代).{0,8}问"
)
_SENTENCE_CLAUSE = re.compile(r"[，,；;。|]")  # a label stays with its value ("电话：0891-…")
MIN_CLAUSE_CHARS = 4  # "电话呢" asks nothing the clause before did not

AnalyseClause = Callable[[str, Sequence[tuple[int, int]]], QuestionAnalysis]


def clauses_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of the question, split at its punctuation."""
    clauses: list[tuple[int, int]] = []
    start = 0
    for match in _CLAUSE_END.finditer(text):
        if _long_enough(text[start : match.start()]):
            clauses.append((start, match.start()))
        start = match.end()
    if _long_enough(text[start:]):
        clauses.append((start, len(text)))
    return clauses


def _long_enough(clause: str) -> bool:
    """Four characters, or three that ask yes or no of a word ("收费吗", "要钱不"; not "电话呢")."""
    return len(clause) >= MIN_CLAUSE_CHARS or (len(clause) == MIN_CLAUSE_CHARS - 1 and clause[-1] in "吗么不")


def answer_by_parts(
    question: str,
    text: str,
    scope: Scope,
    hits: Sequence[SearchHit],
    context: AnswerContext,
    analyse: AnalyseClause,
    answerer: ExtractiveAnswerer,
    whole: ExtractiveResult | None = None,
) -> ExtractiveResult | None:
    """The answers to the clauses of `text` that the notices answer, or None when none is (or the
    question has a single clause: the whole-question answer already said all there is).

    `whole`: the whole question's answer, when it was answered. Its sentences stay first, and the
    parts add what they answer that those sentences do not already say (the whole's sentence may
    answer the first ask alone: "四星级满意度要多少分 评审分又要多少")."""
    clauses = clauses_of(text)
    if len(clauses) < 2:
        return None
    answered: list[ExtractiveResult] = []
    unanswered: list[str] = []
    # A fragment that asks nothing names what the next clause asks about ("自评表 满分几分"): the two
    # are read as one clause.
    topic_start: int | None = None
    for start, end in clauses:
        if topic_start is not None:
            start, topic_start = topic_start, None
        clause = text[start:end]
        spans = [(s - start, e - start) for s, e in scope.mention_spans if start <= s and e <= end]
        analysis = analyse(clause, spans).model_copy(update={"whole_text": text})
        if analysis.vague:
            continue
        if not _asks(text, end, analysis):
            # Only a fragment a space sets off is a topic; a clause a comma ends tells the asker's
            # situation ("到现在快两年了，能报吗"), which the rule need not repeat.
            if not _ABOUT_THE_ASKER.match(analysis.text) and text[end : end + 1] == " ":
                topic_start = start
            continue
        if whole is not None and _says(whole, analysis, answerer):
            continue  # the whole's sentences already say what this part asks about
        result = answerer.answer(clause, analysis, hits, scope, context)
        if result.answer.kind == "answer":  # a related rule answers no part for sure
            answered.append(result)
        elif not answered and not unanswered:
            return None  # the first thing asked is what the question is about: not answered
        else:
            unanswered.append(clause)
    if whole is not None:
        if not answered:
            return None
        answered.insert(0, whole)
        unanswered = []  # the whole's answer may say them in words of its own
    if not answered:
        return None
    return ExtractiveResult(
        combined_answer(question, [r.answer for r in answered], unanswered),
        [group for result in answered for group in result.groups],
        answered[0].analysis,
    )


def _says(result: ExtractiveResult, analysis: QuestionAnalysis, answerer: ExtractiveAnswerer) -> bool:
    """One clause of the answer's chosen sentences holds every key term of the part (or a synonym:
    座机 in "电话：0891-…"), and what it
    asks for (a number for 几个, a date for 哪天) when it asks for one: "满意度得分达到要求的" does
    not say how many points 四星级 needs, though its sentence has figures elsewhere."""
    if not analysis.key_terms:
        return False
    for group in result.groups:
        for chosen in group.chosen:
            for part in _SENTENCE_CLAUSE.split(chosen.unit.text):
                if all(answerer.covers(term, part) for term in analysis.key_terms) and (
                    not analysis.typed_kinds or answerer.has_answer_shape(analysis, part)
                ):
                    return True
    return False


def _asks(text: str, end: int, analysis: QuestionAnalysis) -> bool:
    """The clause asks something: a kind of answer, a question mark after it, 吗/呢/不 at its end,
    or a question word."""
    followed_by_mark = end < len(text) and text[end] in _QUESTION_MARKS
    if followed_by_mark:
        return True
    if _ABOUT_THE_ASKER.match(analysis.text):
        return False
    return bool(analysis.kinds) or bool(ASKING.search(analysis.text.rstrip()))


def combined_answer(question: str, answers: list[Answer], unanswered: list[str]) -> Answer:
    """One reply from several answers, each shown once, and a line for each of `unanswered` (a part
    of the question, or a programme) that the notices do not answer."""
    lines: list[str] = []
    citations: list[Citation] = []
    for answer in answers:
        # a part answered by sentences an earlier part already shows adds nothing
        repeated = bool(answer.citations) and all(c in citations for c in answer.citations)
        if not repeated and not any(answer.answer in line for line in lines):
            lines.append(answer.answer)
        citations.extend(c for c in answer.citations if c not in citations)
    for clause in unanswered:
        lines.append(f"（“{clause}”：通知中没有说明。）")
    programmes = {answer.programme for answer in answers}
    return Answer(
        question=question,
        answer="\n".join(lines),
        answered=True,
        confidence=min(answer.confidence for answer in answers),
        programme=programmes.pop() if len(programmes) == 1 else None,
        citations=citations,
    )
