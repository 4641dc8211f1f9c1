"""`applicant-bot gaps`: the FAQ gaps (questions the bot could not answer well), grouped and ranked
as on the staff page. Nothing printed identifies an applicant: no user or channel user id."""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.cli._errors import UsageError
from bot.settings import Settings

if TYPE_CHECKING:
    from conversations import GapGroup

STATUS_WORDS = {"new": "待处理", "resolved": "已解决", "ignored": "已忽略"}
CSV_SEPARATOR = " | "


def register(commands: argparse._SubParsersAction) -> None:
    gaps = commands.add_parser(
        "gaps",
        help="查看申报助手没答好的问题（按意思分组，按影响排序）",
        description=(
            "列出被拒答、只给出相关条款、置信度低、被评为“没用”或被换个说法再问的问题，"
            "相近的问题归为一组，按次数和新近程度排序。不显示任何申报人身份。"
        ),
    )
    gaps.add_argument("--since", help="只看这一天（YYYY-MM-DD）以来的问题")
    gaps.add_argument("--programme", help="只看这个项目（如 qinghai-2025）的问题")
    gaps.add_argument(
        "--status", choices=["new", "resolved", "ignored", "all"], default="new", help="状态（默认 new）"
    )
    gaps.add_argument("--format", choices=["table", "csv", "json"], default="table", help="输出格式")
    gaps.add_argument("--limit", type=int, default=50, help="最多列出多少组（默认 50；0 为不限）")
    gaps.set_defaults(handler=run_gaps)


def run_gaps(args: argparse.Namespace) -> int:
    from bot._wiring import gap_analytics
    from conversations import Store, StoreError

    since = _date(args.since)
    if args.limit < 0:
        raise UsageError("--limit 不能是负数。")
    settings = Settings()
    try:
        store = Store(settings.resolved_database_url())
    except StoreError as error:
        raise UsageError(str(error)) from None
    try:
        analytics = gap_analytics(settings, store)
        groups = analytics.groups(since=since, programme=args.programme, status=args.status)
    finally:
        store.close()
    if args.limit:
        groups = groups[: args.limit]
    if args.format == "json":
        print(
            json.dumps(
                [_record(group, rank) for rank, group in enumerate(groups, 1)], ensure_ascii=False, indent=2
            )
        )
    elif args.format == "csv":
        _write_csv(groups)
    else:
        _print_table(groups, shutil.get_terminal_size((100, 24)).columns)
    return 0


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since 的日期写法不对：{text}（应为 YYYY-MM-DD，如 2026-03-01）") from None


def _record(group: GapGroup, rank: int) -> dict[str, Any]:
    return {
        "rank": rank,
        "key": group.key,
        "representative": group.representative,
        "count": group.count,
        "score": round(group.score, 3),
        "status": group.status,
        "first_seen": group.first_seen.isoformat(),
        "last_seen": group.last_seen.isoformat(),
        "programmes": group.programmes,
        "channels": group.channels,
        "reasons": group.reasons,
        "trend": group.trend,
        "curated_answer_id": group.curated_answer_id,
        "decided_by": group.decided_by,
        "decided_at": group.decided_at.isoformat() if group.decided_at else None,
        "questions": [
            {
                "id": question.id,
                "question": question.question,
                "asked_at": question.created_at.isoformat(),
                "programme": question.programme,
                "channel": question.channel,
                "reasons": list(question.reasons),
                "answer": question.answer,
                "confidence": round(question.confidence, 3),
                "rating": question.rating,
            }
            for question in group.questions
        ],
    }


def _write_csv(groups: list[GapGroup]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        [
            "rank",
            "key",
            "count",
            "score",
            "status",
            "representative",
            "programmes",
            "channels",
            "reasons",
            "first_seen",
            "last_seen",
            "curated_answer_id",
            "questions",
        ]
    )
    for rank, group in enumerate(groups, 1):
        writer.writerow(
            [
                rank,
                group.key,
                group.count,
                f"{group.score:.3f}",
                group.status,
                group.representative,
                CSV_SEPARATOR.join(group.programmes),
                CSV_SEPARATOR.join(group.channels),
                CSV_SEPARATOR.join(f"{reason}:{count}" for reason, count in group.reasons.items()),
                group.first_seen.isoformat(),
                group.last_seen.isoformat(),
                group.curated_answer_id if group.curated_answer_id is not None else "",
                CSV_SEPARATOR.join(question.question for question in group.questions),
            ]
        )


def _print_table(groups: list[GapGroup], width: int) -> None:
    if not groups:
        print("没有符合条件的问题组。")
        return
    headers = ["排名", "次数", "分数", "状态", "代表问题", "项目", "最近提问"]
    rows = [
        [
            str(rank),
            str(group.count),
            f"{group.score:.1f}",
            STATUS_WORDS[group.status],
            " ".join(group.representative.split()),
            "、".join(group.programmes) or "-",
            group.last_seen.strftime("%Y-%m-%d %H:%M"),
        ]
        for rank, group in enumerate(groups, 1)
    ]
    widths = [max(display_width(row[column]) for row in [headers, *rows]) for column in range(len(headers))]
    # The question column takes what the terminal leaves; the others are short.
    others = sum(widths) - widths[4] + 2 * (len(headers) - 1)
    widths[4] = max(min(widths[4], width - others), 8)
    for row in [headers, *rows]:
        cells = [_fit(cell, widths[column]) for column, cell in enumerate(row)]
        print(_cut("  ".join(cells).rstrip(), width))


def display_width(text: str) -> int:
    """Terminal columns of `text`: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _cut(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        columns = display_width(char)
        if used + columns > width - 1:
            break
        kept.append(char)
        used += columns
    return "".join(kept) + "…"


def _fit(text: str, width: int) -> str:
    cut = _cut(text, width)
    return cut + " " * (width - display_width(cut))
