"""Text helpers of the extractive answerer: the sentences of a chunk and what is read with them,
forwarded notices and their embedded titles, parentheticals and compound terms, headings and blank
forms, and the figures and dates written in a question or a sentence."""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from itertools import pairwise

from knowledge._models import Chunk, SearchHit
from knowledge._numerals import find_dates
from knowledge._question import default_segmenter
from knowledge._sentences import Unit, split_units

# A sentence that points at the document or form it stands in ("此表由推进机构填写", "本办法").
_ANAPHORA = re.compile(r"[此本该]\s*(?:表|办法|通知|细则|标准|附件)")
# The title of a notice carried inside another (the province's notice inside 常州's forwarding
# letter): the root of the section path of every sentence it holds.
_EMBEDDED_TITLE = re.compile(r"^关于.{2,60}(?:通知|办法|决定|意见)$")
_FORM_FIELD = re.compile(r"[\u4e00-\u9fff（）()]{1,12}[：:]")


@lru_cache(maxsize=4096)
def _units_of(text: str) -> tuple[Unit, ...]:
    return tuple(split_units(text))


def _surroundings(chunk: Chunk, prose: list[Unit], unit: Unit) -> str:
    """What is read together with a sentence: the document's title (the write-up it comes from), the
    section path, and the sentences just before and after."""
    index = next((i for i, u in enumerate(prose) if u.start >= unit.start), len(prose))
    end_index = next((i for i, u in enumerate(prose) if u.end >= unit.end), index)
    before = prose[max(0, index - 2) : index]
    after = prose[end_index + 1 : end_index + 2]
    return "\n".join([chunk.title, chunk.section, *(u.text for u in before), *(u.text for u in after)])


def _line_above(text: str, start: int) -> str:
    """The line of `text` just above the one that holds offset `start` ("" at the top)."""
    return text[:start].rstrip().rsplit("\n", 1)[-1]


# A line of a contact block: 联系人：…, 电话：…, 电子邮箱：…
_CONTACT_LINE = re.compile(
    r"^\S{0,6}?(?:联系人|联系电话|电话|手机|传真|电子邮箱|电子信箱|邮箱|地址|邮编|网址)\s*[:：]"
)
_CONTACT_BLOCK_LINES = 4


def _heads_of_contact(text: str, start: int) -> str:
    """The lines above a contact line, up to the one that names its body: "电子邮箱：…" under
    "电话：…" under "联系人：北京市质量协会用户工作部 龚振宇" speaks for that body, not for none."""
    lines = text[:start].rstrip().split("\n")[-_CONTACT_BLOCK_LINES:]
    above: list[str] = []
    for line in reversed(lines):
        above.append(line)
        if not _CONTACT_LINE.match(line.strip()):
            break  # the line that heads the block ("湖南省质量协会用户工作部"), or prose
    return "\n".join(reversed(above))


def _article_key(chunk: Chunk) -> tuple[str, str]:
    """The part of a document a chunk belongs to: its file and the top of its section path (one
    write-up of a collection, one annex of a notice)."""
    return chunk.file, chunk.section.split("›")[0].strip()


def _article_texts(hits: Sequence[SearchHit]) -> dict[str, str]:
    """Per chunk of the hits, what names the document part it belongs to: its title, its sections,
    and its opening passage (a write-up names its company in its first lines, and what it did
    further down). The opening passage itself has only its title and sections: its own sentences
    are neighbours, not the name of a later passage."""
    heads: dict[tuple[str, str], list[str]] = {}
    first: dict[tuple[str, str], Chunk] = {}
    for hit in hits:
        chunk = hit.chunk
        key = _article_key(chunk)
        heads.setdefault(key, [chunk.title]).append(chunk.section)
        if key not in first or chunk.order < first[key].order:
            first[key] = chunk
    texts: dict[str, str] = {}
    for hit in hits:
        key = _article_key(hit.chunk)
        opening = first[key]
        names = heads[key] if opening.id == hit.chunk.id else [*heads[key], opening.text]
        texts[hit.chunk.id] = "\n".join(names)
    return texts


_PARENTHETICAL_ASIDE = re.compile(r"(?<=[\u4e00-\u9fff])[（(][\u4e00-\u9fff]{2,4}[）)](?=[\u4e00-\u9fff])")
_PARENTHETICAL_INFIX = re.compile(r"([\u4e00-\u9fff])[（(]([\u4e00-\u9fff])[）)](?=[\u4e00-\u9fff])")


@lru_cache(maxsize=8192)
def _fold_parentheticals(text: str) -> str:
    """ "企（事）业单位" read both ways: 企业单位 and 事业单位 (the bracket offers another character),
    and as the pair it abbreviates: 企事业单位 (so 县区 is in "县（区）行业协会", 州市 in "州（市）");
    "标杆（五星）级" read without its aside: 标杆级."""
    return "\n".join(
        (
            _PARENTHETICAL_INFIX.sub(r"\1", text),
            _PARENTHETICAL_INFIX.sub(r"\2", text),
            _PARENTHETICAL_INFIX.sub(r"\1\2", text),
            _PARENTHETICAL_ASIDE.sub("", text),
        )
    )


@lru_cache(maxsize=4096)
def _compound_parts(term: str) -> tuple[str, ...]:
    """The words a compound term is made of (申报材料 -> 申报, 材料), when they make up all of it;
    empty for a term that is one word only."""
    if len(term) < 4 or not all("\u4e00" <= ch <= "\u9fff" for ch in term):
        return ()
    words = [w for w in default_segmenter().cut_for_search(term) if w != term and len(w) > 1]
    parts = tuple(dict.fromkeys(words))
    if len(parts) < 2 or not all(any(ch in w for w in parts) for ch in term):
        return ()
    return parts


def _embedded_root(section: str) -> str | None:
    """The title of the notice carried inside another that holds this section, if any."""
    root = section.split(" › ", 1)[0].strip()
    return root if _EMBEDDED_TITLE.match(root) else None


def _forwarding_programmes(hits: Sequence[SearchHit], places: Sequence[str]) -> set[str | None]:
    """Programmes whose file carries a notice of another body than the one the question names
    (the province's notice inside 常州's letter, for "常州…"): sentences under its title, and the
    letter's own beside them (a notice whose every section sits under its own title forwards nothing)."""
    if not places:
        return set()
    embedded = {
        hit.chunk.programme
        for hit in hits
        if (root := _embedded_root(hit.chunk.section)) and not any(p in root for p in places)
    }
    letters = {hit.chunk.programme for hit in hits if _embedded_root(hit.chunk.section) is None}
    return embedded & letters


def _voice_fit(section: str, forwarded: bool) -> float:
    """In a file that forwards another body's notice, when the question names the forwarding body
    (常州): +1 for the letter's own sentences, -1 for those under the embedded notice's title."""
    if not forwarded:
        return 0.0
    return -1.0 if _embedded_root(section) else 1.0


@lru_cache(maxsize=8192)
def _is_blank_form(text: str) -> bool:
    """An empty form row ("联系人 | 单位电话 | 手机", "电话： 传真："): labels, nothing filled in."""
    cells = [c.strip() for c in re.split(r"\s*\|\s*|\s{2,}", text) if c.strip()]
    if not cells or any(ch.isdigit() for ch in text) or re.search(r"[。，；]", text):
        return False
    if all(len(c) <= 12 for c in cells) and len(cells) >= 2:
        return True
    leftover = _FORM_FIELD.sub("", text)
    return len(_FORM_FIELD.findall(text)) >= 2 and not leftover.replace(" ", "").replace("|", "")


def _is_heading(text: str) -> bool:
    """A title line ("三、做好2011年“江苏省用户满意服务明星”的表彰申报工作"): it names a topic, it
    says nothing."""
    return len(text) <= 40 and not re.search(r"[。，；：:|]", text)


def _phrases(terms: Sequence[str], question: str) -> list[str]:
    """Key terms the question writes side by side (组织 + 实施 of "谁来组织实施"), joined."""
    return [a + b for a, b in pairwise(terms) if len(a + b) > 2 and a + b in question]


_FIGURE_IN_QUESTION = re.compile(r"(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)")
_LOWER_BOUND = re.compile(
    r"(?:超过|高于|大于|不低于|不少于|达到|>|≥|在)\s*(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)"
    r"|(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)\s*(?:及|或)?以上"
)
_UPPER_BOUND = re.compile(
    r"(?:少于|低于|不足|不超过|未满|<|≤)\s*(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)"
    r"|(\d+(?:\.\d+)?)\s*(分|%|个|人|年|元|字)\s*(?:及|或)?(?:以下|以内)"
)
BAND_BONUS = 0.12


def question_figures(question: str) -> list[tuple[float, str]]:
    """The applicant's own figures with their units ("满意度86分" -> (86, "分"))."""
    return [(float(number), unit) for number, unit in _FIGURE_IN_QUESTION.findall(question)]


def _band_fit(figures: Sequence[tuple[float, str]], text: str) -> float:
    """How well a band or threshold row fits the applicant's figure: "超过85分" fits 86分 best,
    "超过80分" a little less, "超过90分" not at all (and is pushed down, as it does not apply)."""
    fits: list[float] = []
    for pattern, applies in ((_LOWER_BOUND, operator.ge), (_UPPER_BOUND, operator.le)):
        for match in pattern.finditer(text):
            number, unit = match.group(1, 2) if match.group(1) else match.group(3, 4)
            threshold = float(number)
            for value, asked_unit in figures:
                if asked_unit != unit:
                    continue
                if applies(value, threshold):
                    distance = abs(value - threshold) / max(abs(value), 1.0)
                    fits.append(BAND_BONUS * (1.0 - min(distance, 1.0)))
                else:
                    fits.append(-BAND_BONUS / 2)
    return max(fits) if fits else 0.0


def parse_dates(text: str, default_year: int | None) -> list[date]:
    """Dates written as 2016年9月10日 or 二〇一六年九月十日 (or 9月10日, in `default_year`)."""
    return find_dates(text, default_year)
