"""Yes or no first, when the quoted rule settles it (precision first: otherwise no verdict).

A verdict is given only when the question asks for permission ("能/可以…吗"), obligation
("要不要/需要…吗") or sameness ("…一样吗/一样不"), and one clause of the quoted sentences settles
it for what the question names (every key term, or a synonym of it). What settles it:
- exactly one modal of the matching kind ("不得/不可/可以/均可/方可" or "须/必须/无需/不需要");
- a prerequisite ("须已获得X称号") when the asker applies for the first time ("第一次…直接…");
- "只能A或B" (or a table row "X类：A B") when what is asked is of A's kind but not among them
  ("五星" against "四星级或三星级");
- "须由第三方…" when the asker asks to do it themselves ("能自己测吗");
- a range ("5至40人", "80分及以上") the asker's own figure ("就4个人") falls outside;
- "与…相同/不同" for a same-or-not question.
Never a verdict for a negative question ("没评上能报吗"), a what-question ("能报几个"), a part of a
longer question ("也要…吗"), two grades at once, a rule for grades or first-timers the asker is not
said to be, or clauses that disagree. A "能…吗" is answered "不能。", a "可以…吗" "不可以。".
The words are general Chinese, not about one corpus. Measured over every question set (see README).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

Verdict = Literal["可以。", "不可以。", "不能。", "需要。", "不需要。", "一样。", "不一样。"]
Alternatives = Callable[[str], Iterable[str]]

# How the question asks: permission, obligation, or whether two things are the same.
_ASKS_PERMISSION = re.compile(
    r"能不能|可不可以|可以不|行不行|能否|可否|允许|(?:可以|能|可)[\u4e00-\u9fff]{0,12}(?:(?<![什怎这那多])[吗么麽嘛]|不[？?]?$)"
)
_ASKS_OBLIGATION = re.compile(
    r"要不要|需不需要|用不用|是否(?:需要|要|必须|须)|(?:需要|必须|须|得|要)[\u4e00-\u9fff]{0,12}(?<![什怎这那多])[吗么麽嘛]"
)
_ASKS_ANY = re.compile(r"[吗么麽嘛]|不[？?]?$|能不能|可不可以|要不要|需不需要|用不用|行不行|是否")
_ASKS_SAME = re.compile(
    r"(?:一样|相同|一致)(?:[吗么麽嘛]|不|没有?|[？?]?$)|一不一样|同不同|相不相同|是否(?:一样|相同|一致)"
)
_COMPARED_WITH = re.compile(r"[跟和与同](?:[\u4e00-\u9fff]{1,12})(?:一样|相同|一致)")
# A question for a what, which, how many: not yes or no ("要交什么复印件", "能报几个").
_ASKS_WHAT = re.compile(r"什么|啥|哪|几|多少|多久|多长|怎么|怎样|如何|谁|为何|为什么")
_SUBQUESTION = re.compile(r"[？?。！!；;]")
# A grade: a numeral before what it grades ("五星", "三级"), never an ordinal ("第三方").
_GRADE = re.compile(r"(?<![第0-9])([一二三四五六七八九十1-9])(?=[星级档等])")
_GRADE_WORD = re.compile(r"(?<![第0-9])[一二三四五六七八九十1-9][星级档等]级?")
_BRACKETS = re.compile(r"[（）()]")
_ASIDE = re.compile(r"（[^（）]{0,12}）")
_THIS_FORM = re.compile(r"此表|本表|该表")
# A question that starts by leaning on what was said before it ("也要…吗", "还能报吗", "这样…").
_CONTINUES = re.compile(r"^(?:也|还|又|都|那么?|这样|那样|这种|那种)")
# What names no topic: a rule that covers only these is about applying in general.
_GENERIC_TERMS = frozenset({"申报", "申请", "报名", "报", "参评", "参加", "能", "可以", "我们", "单位"})
# A question that is itself negative ("不交可以吗", "没评上能报吗") turns the rule's yes into no.
_NEGATIVE_QUESTION = re.compile(r"(?<![能可要需用行是])不(?![不能可要需用行是])|没有?|未")
# Applying for the first time, and straight to the level asked ("第一次报能直接申请…吗").
_FIRST_TIME = re.compile(r"首次|第一次|第一回|头一[回次]|头回|初次|刚开始报")
_RENEWAL = re.compile(r"复评|复审|再次|连续|续评")
# The modals of a rule, each with what it answers.
_FORBIDS = re.compile(
    r"不得|不可以|不可|不能|不允许|不予|禁止|严禁|不接受|不受理|不设|不(?:属于|作为|列入|纳入)[^，,；;。]{0,8}(?:对象|范围)"
)
_ALLOWS = re.compile(
    r"(?<![不无])(?:可以|允许|均可|即可|亦可|也可|方可|可自愿|可自行|可直接|可申报|可参加|可推荐)"
)
_REQUIRES = re.compile(r"(?<![无不])(?:必须|须|应当|需要|需)")
_BYPASS = re.compile(r"(?<![不无])可(?:以)?直接")
_EXEMPTS = re.compile(r"无需|无须|不需要|不必|不用")
# A prerequisite the first-timer cannot have: a title held already, or one level reached first.
_PREREQUISITE = re.compile(
    r"(?:必须|须|应)(?:已|先|曾)(?:获得|取得|获|评为|通过)|已获得?[^，,；;。]{0,30}(?:后|的)方可"
)
# "只能A或B": the one list the subject may choose from.
_ONLY = re.compile(r"只能|仅能|只可|仅可|仅限|只限|只设|仅设")
# Someone else must do it ("须由…第三方…"), against the asker doing it ("自己/自行/本单位").
_BY_OTHERS = re.compile(r"(?:必须|须|应当?|需)(?:由|请|委托|聘请)(?!本单位|申报单位自|自己|单位自)")
_BY_SELF_ALLOWED = re.compile(r"(?<![不无])(?:可以?|允许)(?:由)?(?:本单位|自己|申报单位)?自行|可以?由本单位")
_ASKS_SELF = re.compile(r"自己|自行|本单位|自测|自评|自个")
_SAME = re.compile(r"(?<![不])(?:相同|一样|一致|同样)")
_DIFFERENT = re.compile(r"不同|不一样|不一致|有别|有所区别")
_NUMERALS = re.compile(r"[0-9０-９一二三四五六七八九十百两]")
_SEGMENT_END = re.compile(r"[；;。！？!?\n]")
_CLAUSE_END = re.compile(r"[，,：:]")
# A clause that carries only a predicate ("，须已获得…称号"): its subject is the clause before it.
_PREDICATE_START = re.compile(
    r"^(?:也|均|都|还|并|且|则|方|须|必须|应|应当|需|需要|不得|不能|不可|可以?|只能|仅|一律)"
)
_PARTICLES = re.compile(r"[吗么麽嘛呢啊呀吧]+$")
_COMPARATIVE_PREFIX = re.compile(r"^[跟和与同比]")
# The asker's own figure ("我们班组就4个人"), and a rule's range for it.
_UNITS = "人|名|分|年|个月|家|项|篇|次"
_ASKED_FIGURE = re.compile(
    rf"(?<![不超近约多少足于过到])(?P<n>\d+(?:\.\d+)?)\s*(?:个)?(?P<u>{_UNITS})(?![以之左多来余])"
)
_RANGE = re.compile(
    rf"(?P<lo>\d+(?:\.\d+)?)\s*(?:{_UNITS})?\s*(?:至|到|-|－|—|~|～)\s*(?P<hi>\d+(?:\.\d+)?)\s*(?P<u>{_UNITS})"
)
_AT_LEAST = re.compile(
    rf"(?:不少于|不低于|至少|满|达到)\s*(?P<n>\d+(?:\.\d+)?)\s*(?:个)?(?P<u>{_UNITS})"
    rf"|(?P<n2>\d+(?:\.\d+)?)\s*(?:个)?(?P<u2>{_UNITS})(?:（含）|\(含\))?(?:及以上|以上)"
)
_AT_MOST = re.compile(
    rf"(?:不超过|不多于|不高于|最多|至多)\s*(?P<n>\d+(?:\.\d+)?)\s*(?:个)?(?P<u>{_UNITS})"
    rf"|(?P<n2>\d+(?:\.\d+)?)\s*(?:个)?(?P<u2>{_UNITS})(?:（含）|\(含\))?(?:及以下|以下|以内)"
)


def yes_no_verdict(
    question: str,
    key_terms: Sequence[str],
    sentences: str | Sequence[str],
    alternatives: Alternatives | None = None,
    soft_terms: Sequence[str] = (),
) -> Verdict | None:
    """ "不可以。" for "2020年评上了还能报吗" and "…本年度不得以同一类别重复申报。"; None unless
    the rule settles it. `sentences`: the quoted sentences in order (one string: one sentence);
    `alternatives`: the words that also cover a term (the cue synonyms: 申请 -> 申报); `soft_terms`:
    the question's award names, where a grade ("五星") is."""
    texts = [sentences] if isinstance(sentences, str) else list(sentences)
    if _CONTINUES.search(question):
        return None  # "也要录视频吗", "还能报吗": a part of a longer question, whose situation is elsewhere
    if any(_ASKS_WHAT.search(part) and _ASKS_ANY.search(part) for part in _SUBQUESTION.split(question)):
        return None  # "能报几个吗": a what, not a yes or no
    asked = _ASKS_SAME.sub("", _ASKS_PERMISSION.sub("", _ASKS_OBLIGATION.sub("", question)))
    if not key_terms or not texts or _NEGATIVE_QUESTION.search(asked):
        return None  # "能不能" is not a negation; "不交可以吗" is
    permission = bool(_ASKS_PERMISSION.search(question))
    obligation = bool(_ASKS_OBLIGATION.search(question))
    same = bool(_ASKS_SAME.search(question)) and bool(_COMPARED_WITH.search(question))
    if permission + obligation + same != 1:
        return None  # neither, or two at once ("能不能不交，要不要补"): no single verdict
    first_time = bool(_FIRST_TIME.search(question))
    terms = _asked_terms(question, key_terms, first_time, same)
    if not any(len(t) > 1 and t not in _GENERIC_TERMS for t in terms) and not any(
        _grade_of(t) for t in soft_terms
    ):
        return None  # "还能报吗": which rule settles it, the question does not say
    cover = _Cover(alternatives, _named_by_this_form(question, terms))
    targets = [t for t in [*terms, *soft_terms] if _grade_of(t) is not None]
    targets = targets or _GRADE_WORD.findall(question)  # the grade asked, found as a term or not
    if len({_grade_of(t) for t in targets}) > 1:
        return None  # "四星要做视频吗？三星呢": two grades, two answers
    terms = [t for t in terms if t not in targets and len(t) > 1]
    named_level = any(t.endswith("级") for t in terms)  # "标杆级": a grade named by its name
    verdicts: set[Verdict] = set()
    for text in texts:
        row_verdict = _table_row(text, terms, targets, cover) if permission else None
        if row_verdict is not None:
            verdicts.add(row_verdict)
            continue
        for subject, clause in _clauses(text):
            context = subject + clause
            if not targets and not named_level and _GRADE.search(_BRACKETS.sub("", context)):
                continue  # a rule for some grades ("申报四星级和五星级的需…"), the asker's not said
            graded = _grades_named(context, targets)
            if graded is False and not _ONLY.search(clause):
                continue  # about another grade ("申报四星级和五星级的需…" for 三星级)
            if permission and _outside_range(question, context, cover, terms):
                verdicts.add("不可以。")  # the asker's figure against the rule's range for it
                continue
            missing = sum(not cover(term, context) for term in terms)
            if missing > (0 if graded is None else 1):
                continue  # a grade named is specific enough to spare one modifier ("讲解"视频)
            if _FIRST_TIME.search(context) and not first_time:
                continue  # a rule for first-timers says nothing of the others
            if first_time and _RENEWAL.search(context):
                continue  # nor one for renewals of them
            verdict = _settled(
                question, terms, subject, clause, permission, obligation, first_time, targets, cover
            )
            if verdict is not None:
                verdicts.add(verdict)
    return _as_asked(verdicts.pop(), question) if len(verdicts) == 1 else None


def _as_asked(verdict: Verdict | None, question: str) -> Verdict | None:
    """ "能报吗" is answered "不能。", "可以报吗" "不可以。"."""
    if verdict == "不可以。" and not re.search(r"可以|可不可以|可否", question):
        return "不能。"
    return verdict


def _settled(
    question: str,
    terms: Sequence[str],
    subject: str,
    clause: str,
    permission: bool,
    obligation: bool,
    first_time: bool,
    targets: Sequence[str],
    cover: _Cover,
) -> Verdict | None:
    if obligation:
        requires, exempts = bool(_REQUIRES.search(clause)), bool(_EXEMPTS.search(clause))
        if requires != exempts:
            return "需要。" if requires else "不需要。"
        if not requires and _BYPASS.search(clause):
            return "不需要。"  # "非得经过市质协吗" and "区直企业可直接报送省质协"
        return None
    if not permission:
        same, different = bool(_SAME.search(clause)), bool(_DIFFERENT.search(clause))
        if same != different:
            return "一样。" if same else "不一样。"
        return None
    prerequisite = _PREREQUISITE.search(clause)
    if prerequisite is not None:
        if not first_time:
            return None  # whether the asker holds it, the question does not say
        # what is applied for, not the title it presupposes ("申报标杆企业的，须已获得满意企业称号")
        held = clause[prerequisite.end() :]
        head = subject + clause[: prerequisite.start()]
        named = [t for t in terms if t not in _GENERIC_TERMS]
        if all(cover(t, head) for t in terms) and not all(cover(t, held) for t in named):
            return "不可以。"
        return None
    only = _ONLY.search(clause)
    if only is not None:
        return _listed(clause[only.end() :], targets)
    if _ASKS_SELF.search(question):
        if _BY_OTHERS.search(clause) and not _BY_SELF_ALLOWED.search(clause):
            return "不可以。"
        if _BY_SELF_ALLOWED.search(clause):
            return "可以。"
    forbids, allows = bool(_FORBIDS.search(clause)), bool(_ALLOWS.search(clause))
    if forbids != allows:
        return "不可以。" if forbids else "可以。"
    return None


def _listed(choices: str, targets: Sequence[str]) -> Verdict | None:
    """What the list after "只能" says of a graded target: "五星" against "四星级或三星级" is not in
    it (the same kind, another grade); a target of another kind is not settled."""
    graded = _grades_named(choices, targets)
    if graded is None:
        return None
    return "可以。" if graded else "不可以。"


def _grade_of(term: str) -> tuple[str, str] | None:
    """ "五星级" -> ("五", "星"): a grade and the kind it grades; None for a term without one."""
    match = _GRADE.search(term)
    if match is None or len(term) < 2:
        return None
    return match.group(1), term[match.end()]


def _grades_named(text: str, targets: Sequence[str]) -> bool | None:
    """Whether the text names the asked grade (True), only other grades of its kind (False), or no
    grade of its kind (None)."""
    plain = _BRACKETS.sub("", text)
    found: bool | None = None
    for target in targets:
        grade = _grade_of(target)
        if grade is None:
            continue
        named = set(re.findall(rf"([一二三四五六七八九十1-9]){re.escape(grade[1])}", plain))
        if not named:
            continue
        if grade[0] in named:
            return True
        found = False
    return found


_ROW_LABEL = re.compile(r"(?:^|[\s|])([^\s|：:，,。；;]{1,10})[：:]")


def _table_row(text: str, terms: Sequence[str], targets: Sequence[str], cover: _Cover) -> Verdict | None:
    """A table's rows of what each class may apply for ("企业类：…标杆（五星）级 … 产品类：…（四星）级
    …（三星）级"): for the one row whose label names the asker's class, what is asked is in it
    (可以), or only in the other rows (不可以)."""
    plain = _BRACKETS.sub("", text)
    labels = list(_ROW_LABEL.finditer(plain))
    if len(labels) < 2:
        return None
    rows = []
    for index, found in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(plain)
        rows.append((found.group(1), plain[found.end() : end]))
    content = [t for t in terms if t not in _GENERIC_TERMS]
    mine = [row for row in rows if any(cover(t, row[0]) for t in content)]
    if len(mine) != 1:
        return None
    label, items = mine[0]
    # rows of one kind only ("企业类：… 产品类：…"), never a form's fields ("联系人：… 电话：…")
    parallel = [(lab, i) for lab, i in rows if lab != label and lab[-1] == label[-1]]
    if not parallel:
        return None
    others = "".join(i for _lab, i in parallel)
    verdicts: list[bool] = []
    for term in content:
        if cover(term, label):
            continue
        if term in items:
            verdicts.append(True)
        elif term in others:
            verdicts.append(False)
        else:
            return None  # neither here nor there: the table does not say
    graded = _grades_named(items, targets)
    if graded is None and targets:
        return None
    if graded is not None:
        verdicts.append(graded)
    if not verdicts:
        return None
    return "可以。" if all(verdicts) else "不可以。"


def _named_by_this_form(question: str, terms: Sequence[str]) -> frozenset[str]:
    """The terms "此表" stands for: a form's name ("汇总表") and the word before it ("推荐")."""
    named: set[str] = set()
    for term in terms:
        if term.endswith("表"):
            named.add(term)
            named.update(t for t in terms if t + term in question)
    return frozenset(named)


def _outside_range(question: str, rule: str, cover: _Cover | None = None, terms: Sequence[str] = ()) -> bool:
    """One of the asker's own figures ("班组就4个人") outside the rule's range for it ("班组成员5至40人",
    "80分及以上"); with `terms`, the rule must name what the figure counts (the term before it)."""
    found = list(_ASKED_FIGURE.finditer(question))
    units = [m["u"] for m in found]
    for match in found:
        figure, unit = float(match["n"]), match["u"]
        if units.count(unit) > 1 or (unit == "年" and figure >= 1900):
            continue  # two figures of one unit, or a date ("2020年评上的"), not a number of years
        if cover is not None:
            before = [t for t in terms if 0 <= question.find(t) < match.start()]
            if not before or not cover(before[-1], rule):
                continue
        bounds = _bounds(rule, unit)
        if len(bounds) != 1:
            continue  # no range for that unit, or several (whose is whose, the clause does not say)
        low, high = bounds[0]
        if (low is not None and figure < low) or (high is not None and figure > high):
            return True
    return False


def _bounds(rule: str, unit: str) -> list[tuple[float | None, float | None]]:
    bounds: list[tuple[float | None, float | None]] = []
    for m in _RANGE.finditer(rule):
        if m["u"] == unit:
            bounds.append((float(m["lo"]), float(m["hi"])))
    for m in _AT_LEAST.finditer(rule):
        if (m["u"] or m["u2"]) == unit:
            bounds.append((float(m["n"] or m["n2"]), None))
    for m in _AT_MOST.finditer(rule):
        if (m["u"] or m["u2"]) == unit:
            bounds.append((None, float(m["n"] or m["n2"])))
    return bounds


def _asked_terms(question: str, key_terms: Sequence[str], first_time: bool, same: bool) -> list[str]:
    """The key terms a rule must name: question particles dropped ("報嗎" -> "報"), the words of
    "头一回" left to the first-time check, and "跟新申报" read as "新申报"."""
    terms: list[str] = []
    spans = [m.span() for m in _FIRST_TIME.finditer(question)] if first_time else []
    for term in key_terms:
        term = _PARTICLES.sub("", term)
        if same and len(term) > 1:
            term = _COMPARATIVE_PREFIX.sub("", term)
        if not term:
            continue
        at = question.find(term)
        if at >= 0 and any(start <= at and at + len(term) <= end for start, end in spans):
            continue
        terms.append(term)
    return terms


def _clauses(text: str) -> Iterable[tuple[str, str]]:
    """Each clause with the subject it needs read with it: the clause before, when it holds only a
    predicate ("申报标杆企业的，须已获得…称号"); a table row's label ("产品类：A B")."""
    for segment in _SEGMENT_END.split(text):
        parts = [p for p in _CLAUSE_END.split(segment) if p.strip()]
        subject = ""
        for index, part in enumerate(parts):
            part = part.strip()
            if index and _PREDICATE_START.search(part):
                yield subject, part
                subject = subject + part + "，"
                continue
            yield "", part
            subject = part + "，"
        label, colon, row = segment.partition("：")
        if colon and label.strip() and not _CLAUSE_END.search(row) and len(label) <= 20:
            yield label.strip() + "：", "只能" + row  # a row lists all the label may choose from


class _Cover:
    """Whether a text names a term: itself, or one of its synonyms."""

    def __init__(self, alternatives: Alternatives | None, this_form: frozenset[str] = frozenset()) -> None:
        self._alternatives = alternatives
        self._this_form = this_form
        self._cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, term: str, text: str) -> bool:
        if term in text or (term in self._this_form and _THIS_FORM.search(text)):
            return True
        if "（" in text and term in _ASIDE.sub("", text):
            return True  # 标杆级 in "标杆（五星）级"
        if self._alternatives is None:
            return False
        found = self._cache.get(term)
        if found is None:
            found = self._cache[term] = tuple(a for a in self._alternatives(term) if a)
        return any(a in text for a in found)
