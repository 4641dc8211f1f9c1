"""Curated answers: written by association staff, versioned, consulted before the notices.

`CuratedAnswerStore` is the `knowledge.CuratedAnswers` the knowledge base asks first. Decisions:

- An answer with a programme answers only questions scoped to that programme; a question whose
  programme is unknown gets the notices' answer (which labels each programme's rule) rather than
  one programme's staff answer. An answer without a programme answers every programme.
- A flagged answer (the notice it cites was replaced or withdrawn) is not served until staff clear
  the flag or rewrite it: the notices answer meanwhile, so an applicant never gets last year's rule.
- A removed answer keeps its versions and can be restored.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath
from threading import Lock
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations._analytics._curated_matcher import DEFAULT_THRESHOLD, CuratedMatcher, MatchTarget
from conversations._store import CuratedAnswerRow, CuratedAnswerVersionRow, Store
from knowledge import Answer, Citation, normalize_text

logger = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 2000
MAX_QUESTION_CHARS = 500
MAX_PHRASINGS = 200
CURATED_PREFIX = "协会答复："
ACTIVE = "active"
REMOVED = "removed"


class CuratedAnswerNotFoundError(LookupError):
    """No curated answer has that id."""

    def __init__(self, answer_id: int) -> None:
        super().__init__(f"没有编号为 {answer_id} 的协会答复。")
        self.answer_id = answer_id


class _Unset(enum.Enum):
    TOKEN = 0


UNSET = _Unset.TOKEN  # "leave as it is" for fields where None means "clear it"


@dataclass(frozen=True)
class CuratedAnswer:
    id: int
    question: str
    answer: str
    phrasings: list[str]
    programme: str | None
    cite_file: str | None
    cite_section: str | None
    status: str
    flagged: str | None
    version: int
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


@dataclass(frozen=True)
class CuratedAnswerVersion:
    version: int
    question: str
    answer: str
    phrasings: list[str]
    programme: str | None
    cite_file: str | None
    cite_section: str | None
    status: str
    edited_by: str
    created_at: datetime


def _utcnow() -> datetime:
    return datetime.now(UTC)


class CuratedAnswerStore:
    """Curated answers in the conversation database, and the matcher over the active ones."""

    def __init__(
        self,
        store: Store,
        *,
        catalog_titles: Callable[[], dict[str, str]] | None = None,
        programme_names: Callable[[], Iterable[str]] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        """`catalog_titles`: notice file -> title, for the citation under a served answer.
        `programme_names`: the places and awards naming the programmes (海安, 服务之星), which weigh
        little in the match (see `_curated_matcher.NAME_WEIGHT`)."""
        self._store = store
        self._catalog_titles = catalog_titles
        self._programme_names = programme_names
        self._threshold = threshold
        self._clock = clock
        self._lock = Lock()
        self._matcher: CuratedMatcher | None = None
        self._served: dict[int, CuratedAnswer] = {}
        self._fingerprint: tuple[Any, ...] | None = None

    # --- serving -----------------------------------------------------------------------------------

    def lookup(self, question: str, *, programme: str | None) -> Answer | None:
        """The staff answer `question` (normalised) asks for, or None to let the notices answer.
        Never raises: a database error (or any other) is logged and the notices answer."""
        if not question.strip():
            return None
        try:
            matcher, served = self._current_matcher()
            match = matcher.best(question, programme=programme)
        except Exception:  # the database is down, most likely: the notices still answer
            logger.exception("curated answers unavailable; answering from the notices")
            return None
        if match is None:
            return None
        curated = served[match.answer_id]
        return Answer(
            question=question,
            answer=CURATED_PREFIX + curated.answer,
            answered=True,
            kind="answer",
            # Staff wrote it for this question: high, and higher the closer the wording.
            confidence=round(min(1.0, 0.85 + 0.15 * match.similarity), 3),
            programme=curated.programme or programme,
            citations=self._citations(curated),
            curated_answer_id=curated.id,
        )

    def _current_matcher(self) -> tuple[CuratedMatcher, dict[int, CuratedAnswer]]:
        names = self._names()
        with self._store.session() as session:
            fingerprint = (*_fingerprint(session), names)
            with self._lock:
                if self._matcher is not None and fingerprint == self._fingerprint:
                    return self._matcher, self._served
            rows = session.scalars(
                select(CuratedAnswerRow).where(
                    CuratedAnswerRow.status == ACTIVE, CuratedAnswerRow.flagged.is_(None)
                )
            )
            served = {row.id: _answer(row) for row in rows}
        targets = [MatchTarget(a.id, a.programme, (a.question, *a.phrasings)) for a in served.values()]
        matcher = CuratedMatcher(targets, self._threshold, programme_names=names)
        with self._lock:
            self._matcher, self._served, self._fingerprint = matcher, served, fingerprint
        return matcher, served

    def _citations(self, curated: CuratedAnswer) -> list[Citation]:
        if not curated.cite_file:
            return []
        title = self._titles().get(curated.cite_file) or PurePath(curated.cite_file).stem
        return [Citation(file=curated.cite_file, title=title, section=curated.cite_section or "", quote="")]

    def _names(self) -> tuple[str, ...]:
        if self._programme_names is None:
            return ()
        try:
            return tuple(sorted(set(self._programme_names())))
        except Exception:  # no index yet: every term keeps its weight
            logger.warning("programme names unavailable for curated matching", exc_info=True)
            return ()

    def _titles(self) -> dict[str, str]:
        if self._catalog_titles is None:
            return {}
        try:
            return self._catalog_titles()
        except Exception:  # no index yet, or one to rebuild: the file name still cites it
            logger.warning("notice titles unavailable for a curated citation", exc_info=True)
            return {}

    # --- editing -----------------------------------------------------------------------------------

    def add(
        self,
        *,
        question: str,
        answer: str,
        by: str,
        phrasings: Sequence[str] = (),
        programme: str | None = None,
        cite_file: str | None = None,
        cite_section: str | None = None,
    ) -> CuratedAnswer:
        question, answer = _checked_question(question), _checked_answer(answer)
        cite_file, cite_section = _checked_citation(cite_file, cite_section)
        now = self._clock()
        with self._store.session() as session, session.begin():
            row = CuratedAnswerRow(
                question=question,
                answer=answer,
                phrasings=_clean_phrasings(phrasings, question),
                programme=(programme or "").strip() or None,
                cite_file=cite_file,
                cite_section=cite_section,
                status=ACTIVE,
                flagged=None,
                version=1,
                created_by=by,
                updated_by=by,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            _save_version(session, row, by, now)
            return _answer(row)

    def edit(
        self,
        answer_id: int,
        *,
        by: str,
        question: str | None = None,
        answer: str | None = None,
        phrasings: Sequence[str] | None = None,
        programme: str | _Unset | None = UNSET,
        cite_file: str | _Unset | None = UNSET,
        cite_section: str | _Unset | None = UNSET,
    ) -> CuratedAnswer:
        """Changes the fields given (None clears programme and citation). Rewriting the answer or its
        citation clears a flag: staff have re-read it against the notices."""

        def change(row: CuratedAnswerRow) -> bool:
            before = _content(row)
            if question is not None:
                row.question = _checked_question(question)
            if answer is not None:
                row.answer = _checked_answer(answer)
            if phrasings is not None:
                row.phrasings = _clean_phrasings(phrasings, row.question)
            if not isinstance(programme, _Unset):
                row.programme = (programme or "").strip() or None
            new_file = row.cite_file if isinstance(cite_file, _Unset) else cite_file
            new_section = row.cite_section if isinstance(cite_section, _Unset) else cite_section
            row.cite_file, row.cite_section = _checked_citation(new_file, new_section)
            changed = _content(row) != before
            if changed and (row.answer, row.cite_file, row.cite_section) != (before[1], before[4], before[5]):
                row.flagged = None
            return changed

        return self._change(answer_id, by, change)

    def add_phrasings(self, answer_id: int, phrasings: Sequence[str], *, by: str) -> CuratedAnswer:
        """More questions it answers (a gap group's paraphrases, when staff resolve the group with it)."""

        def change(row: CuratedAnswerRow) -> bool:
            merged = _clean_phrasings([*row.phrasings, *phrasings], row.question)
            if merged == list(row.phrasings):
                return False
            row.phrasings = merged
            return True

        return self._change(answer_id, by, change)

    def remove(self, answer_id: int, *, by: str) -> CuratedAnswer:
        """Stops serving it; its versions stay, and `restore` brings it back."""
        return self._change(answer_id, by, _set_status(REMOVED))

    def restore(self, answer_id: int, *, by: str) -> CuratedAnswer:
        return self._change(answer_id, by, _set_status(ACTIVE))

    def flag_citing(self, file: str, reason: str) -> list[int]:
        """Flags every answer citing notice `file` (replaced or withdrawn): ids of those flagged."""
        now = self._clock()
        with self._store.session() as session, session.begin():
            rows = list(session.scalars(select(CuratedAnswerRow).where(CuratedAnswerRow.cite_file == file)))
            for row in rows:
                row.flagged = reason.strip() or "引用的通知已更新"
                row.updated_at = now
            return sorted(row.id for row in rows)

    def clear_flag(self, answer_id: int, *, by: str) -> CuratedAnswer:
        now = self._clock()
        with self._store.session() as session, session.begin():
            row = _row_for_update(session, answer_id)
            if row.flagged is not None:
                row.flagged = None
                row.updated_by = by
                row.updated_at = now
            return _answer(row)

    def _change(self, answer_id: int, by: str, change: Callable[[CuratedAnswerRow], bool]) -> CuratedAnswer:
        now = self._clock()
        with self._store.session() as session, session.begin():
            row = _row_for_update(session, answer_id)
            if change(row):
                row.version += 1
                row.updated_by = by
                row.updated_at = now
                _save_version(session, row, by, now)
            return _answer(row)

    # --- reading -----------------------------------------------------------------------------------

    def get(self, answer_id: int) -> CuratedAnswer | None:
        with self._store.session() as session:
            row = session.get(CuratedAnswerRow, answer_id)
            return _answer(row) if row is not None else None

    def all(self, *, include_removed: bool = False) -> list[CuratedAnswer]:
        query = select(CuratedAnswerRow).order_by(CuratedAnswerRow.id)
        if not include_removed:
            query = query.where(CuratedAnswerRow.status == ACTIVE)
        with self._store.session() as session:
            return [_answer(row) for row in session.scalars(query)]

    def versions(self, answer_id: int) -> list[CuratedAnswerVersion]:
        query = (
            select(CuratedAnswerVersionRow)
            .where(CuratedAnswerVersionRow.curated_answer_id == answer_id)
            .order_by(CuratedAnswerVersionRow.version)
        )
        with self._store.session() as session:
            return [
                CuratedAnswerVersion(
                    version=row.version,
                    question=row.question,
                    answer=row.answer,
                    phrasings=list(row.phrasings),
                    programme=row.programme,
                    cite_file=row.cite_file,
                    cite_section=row.cite_section,
                    status=row.status,
                    edited_by=row.edited_by,
                    created_at=row.created_at,
                )
                for row in session.scalars(query)
            ]


def _fingerprint(session: Session) -> tuple[Any, ...]:
    """Changes whenever what is served could: every content or status change bumps a version, a flag
    changes the flagged count, and every change stamps updated_at."""
    row = session.execute(
        select(
            func.count(CuratedAnswerRow.id),
            func.coalesce(func.sum(CuratedAnswerRow.version), 0),
            func.count(CuratedAnswerRow.flagged),
            func.max(CuratedAnswerRow.updated_at),
        )
    ).one()
    return tuple(row)


def _row_for_update(session: Session, answer_id: int) -> CuratedAnswerRow:
    row = session.scalar(select(CuratedAnswerRow).where(CuratedAnswerRow.id == answer_id).with_for_update())
    if row is None:
        raise CuratedAnswerNotFoundError(answer_id)
    return row


def _set_status(status: str) -> Callable[[CuratedAnswerRow], bool]:
    def change(row: CuratedAnswerRow) -> bool:
        if row.status == status:
            return False
        row.status = status
        return True

    return change


def _save_version(session: Session, row: CuratedAnswerRow, by: str, now: datetime) -> None:
    session.add(
        CuratedAnswerVersionRow(
            curated_answer_id=row.id,
            version=row.version,
            question=row.question,
            answer=row.answer,
            phrasings=list(row.phrasings),
            programme=row.programme,
            cite_file=row.cite_file,
            cite_section=row.cite_section,
            status=row.status,
            edited_by=by,
            created_at=now,
        )
    )


def _content(row: CuratedAnswerRow) -> tuple[Any, ...]:
    return (row.question, row.answer, list(row.phrasings), row.programme, row.cite_file, row.cite_section)


def _answer(row: CuratedAnswerRow) -> CuratedAnswer:
    return CuratedAnswer(
        id=row.id,
        question=row.question,
        answer=row.answer,
        phrasings=list(row.phrasings),
        programme=row.programme,
        cite_file=row.cite_file,
        cite_section=row.cite_section,
        status=row.status,
        flagged=row.flagged,
        version=row.version,
        created_by=row.created_by,
        updated_by=row.updated_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _checked_question(question: str) -> str:
    text = (question or "").strip()
    if not text:
        raise ValueError("问题不能为空。")
    if len(text) > MAX_QUESTION_CHARS:
        raise ValueError(f"问题过长（{len(text)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内。")
    return text


def _checked_answer(answer: str) -> str:
    text = (answer or "").strip()
    if not text:
        raise ValueError("答复内容不能为空。")
    if len(text) > MAX_ANSWER_CHARS:
        raise ValueError(f"答复内容过长（{len(text)} 字），请控制在 {MAX_ANSWER_CHARS} 字以内。")
    return text


def _checked_citation(cite_file: str | None, cite_section: str | None) -> tuple[str | None, str | None]:
    file = (cite_file or "").strip() or None
    section = (cite_section or "").strip() or None
    if section is not None and file is None:
        raise ValueError("引用章节时须同时指定通知文件。")
    return file, section


def _clean_phrasings(phrasings: Sequence[str], question: str) -> list[str]:
    """Trimmed, without repeats (compared normalised, so 截止 and 截⽌ are one) or the question itself."""
    seen = {normalize_text(question)}
    kept: list[str] = []
    for phrasing in phrasings:
        text = (phrasing or "").strip()
        key = normalize_text(text)
        if not text or key in seen:
            continue
        if len(text) > MAX_QUESTION_CHARS:
            raise ValueError(f"问法过长（{len(text)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内。")
        seen.add(key)
        kept.append(text)
    if len(kept) > MAX_PHRASINGS:
        raise ValueError(f"问法太多（{len(kept)} 条），最多 {MAX_PHRASINGS} 条。")
    return kept
