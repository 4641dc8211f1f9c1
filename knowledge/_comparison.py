"""Programmes set side by side: each one's own rule.

"闵行的明星班组和扬州水务的服务明星班组 对班组人数的要求有啥不一样" names two programmes and asks how they
differ. Taken whole, one passage must hold both programmes' terms, and none does; the best passage of
one programme alone may still pass and hide the other. So each programme named is asked alone, scoped
to it and searched in its own notices. When one of them answers, the reply shows every programme's
best sentences (an answer, or the most relevant rule of a programme whose notices say less), and says
which programme's notices do not answer at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from knowledge._extractive import ExtractiveResult
from knowledge._extractive_types import GroupAnswer
from knowledge._models import Answer
from knowledge._scope import Scope


def answer_each_programme(
    scope: Scope,
    whole: ExtractiveResult,
    answer_in: Callable[[Scope], ExtractiveResult],
    compose: Callable[[list[GroupAnswer]], Answer],
    label_of: Callable[[str], str],
    places_of: Callable[[str], Sequence[str]] = lambda programme: (),
) -> ExtractiveResult | None:
    """Each programme `scope` names, asked alone (`answer_in` a scope of one), composed together
    (`compose`); None unless one answers and the reply shows more than `whole`: more programmes, or
    as many and a programme whose notices are silent."""
    results = [
        (programme, answer_in(_alone(scope, programme, places_of(programme))))
        for programme in scope.programmes
    ]
    if not any(result.answer.kind == "answer" for _, result in results):
        return None
    groups = [
        result.groups[0] for _, result in results if result.answer.kind != "not_found" and result.groups
    ]
    silent = [label_of(programme) for programme, result in results if result.answer.kind == "not_found"]
    shown = len({g.programme for g in whole.groups}) if whole.answer.kind == "answer" else 0
    if len(groups) < shown or (len(groups) == shown and not silent):
        return None  # nothing to add: no more programmes shown, none to name as silent
    answer = compose(groups)
    if silent:
        notes = "".join(f"\n（{label}：通知中没有说明。）" for label in silent)
        answer = answer.model_copy(update={"answer": answer.answer + notes})
    return ExtractiveResult(answer, groups, results[0][1].analysis)


def _alone(scope: Scope, programme: str, places: Sequence[str]) -> Scope:
    """The scope of one programme: the places named that are its own ("青海和连云港的截止时间":
    青海 asked alone is not asking for 连云港's deadline)."""
    own = [place for place in scope.places if any(place in p or p in place for p in places)]
    return scope.model_copy(update={"programmes": [programme], "places": own})
