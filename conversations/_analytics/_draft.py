"""A drafted curated answer from the notices, to prefill the staff form. Never stored, never served:
only a staff member's approval (`CuratedAnswerStore.add`) publishes an answer."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge import KnowledgeBase

MAX_DRAFT_CHARS = 600


@dataclass(frozen=True)
class DraftAnswer:
    answer: str
    cite_file: str | None
    cite_section: str | None
    quote: str


def draft_answer(knowledge: KnowledgeBase, question: str, programme: str | None) -> DraftAnswer | None:
    """The notices' own answer with its first citation; when they only hold a related passage, that
    passage quoted; None when the index holds no passage for it."""
    answer = knowledge.ask(question, programme)
    if answer.answered and answer.citations and answer.curated_answer_id is None:
        citation = answer.citations[0]
        return DraftAnswer(
            answer=answer.answer[:MAX_DRAFT_CHARS],
            cite_file=citation.file,
            cite_section=citation.section or None,
            quote=citation.quote,
        )
    hits = knowledge.search(question, programme=programme, k=1)
    if not hits:
        return None
    chunk = hits[0].chunk
    return DraftAnswer(
        answer=chunk.text[:MAX_DRAFT_CHARS],
        cite_file=chunk.file,
        cite_section=chunk.section or None,
        quote=chunk.text,
    )
