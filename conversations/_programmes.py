"""`/programme 青海2025`: which programme the user means, and the scope it sets for questions and forms."""

from __future__ import annotations

import unicodedata

from conversations._context import TurnContext, text_reply
from conversations._messages import Reply
from knowledge import normalize_text, resolve_scope


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").lower()


def resolve(ctx: TurnContext, text: str) -> list[str]:
    """The programme ids `text` names: an id, a label (青海2025), or places and years the scope resolver
    reads from the programmes' catalog entries (青海省 2025年, 连云港那个)."""
    wanted = _fold(text)
    if not wanted:
        return []
    programmes = ctx.programmes
    for exact in (
        [p.id for p in programmes if p.id == wanted],
        [p.id for p in programmes if _fold(p.label) == wanted],
        [p.id for p in programmes if _fold(p.name) == wanted],
    ):
        if exact:
            return exact
    if ctx.programme_details:
        scope = resolve_scope(normalize_text(text), ctx.programme_details)
        if scope.programmes and scope.how == "named":
            return list(scope.programmes)
    return [p.id for p in programmes if wanted in _fold(p.label) or wanted in _fold(p.name)]


def choose(ctx: TurnContext, argument: str) -> list[Reply]:
    matches = resolve(ctx, argument) if argument.strip() else []
    if len(matches) == 1:
        ctx.turn.set_programme(matches[0])
        info = ctx.programme(matches[0])
        name = info.name if info else matches[0]
        return [
            text_reply(
                f"已切换到项目：{ctx.programme_label(matches[0])}（{name}）。之后的提问和自评表都以该项目为准。",
                [("我要自评", "/assess"), ("我能报吗", "/check")],
            )
        ]
    candidates = [p for p in ctx.programmes if p.id in matches] if matches else ctx.programmes
    current = ctx.turn.programme
    lines = []
    if argument.strip():
        problem = "对应多个项目" if matches else "没有对应的项目"
        lines.append(f"“{argument.strip()[:40]}”{problem}，请选择：")
    else:
        lines.append(f"当前项目：{ctx.programme_label(current)}。可选择的项目：")
    lines.extend(f"· {p.label}：{p.name}" for p in candidates)
    return [text_reply("\n".join(lines), [(p.label, f"/programme {p.id}") for p in candidates])]
