"""`applicant-bot faq add|list|remove`: the association's curated answers, from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli._errors import UsageError
from bot.settings import Settings

if TYPE_CHECKING:
    from conversations import CuratedAnswer, CuratedAnswerStore

DEFAULT_EDITOR = "命令行"


def register(commands: argparse._SubParsersAction) -> None:
    faq = commands.add_parser(
        "faq",
        help="管理协会答复（优先于通知回答的人工答案）",
        description="添加、列出、删除协会答复。添加后，机器人对同义的提问直接用这条答复回答。",
    )
    actions = faq.add_subparsers(dest="faq_command", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="添加一条协会答复，打印其编号")
    add.add_argument("--question", required=True, help="它回答的问题")
    add.add_argument("--answer", required=True, help="答复内容")
    add.add_argument("--cite", help="引用的通知：文件名#章节（章节可省略），文件须在索引或通知文件夹中")
    add.add_argument("--programme", help="只回答这个项目的问题（默认：所有项目）")
    add.add_argument(
        "--phrasing", action="append", default=[], help="同一问题的其他问法（可重复）", metavar="PHRASING"
    )
    add.add_argument("--by", default=DEFAULT_EDITOR, help="填写人（记入版本记录）")
    add.add_argument("--notices", type=Path, help="核对 --cite 用的通知文件夹（默认：APPLICANT_BOT_NOTICES）")
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="列出协会答复")
    listing.add_argument("--all", action="store_true", help="包括已删除的")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    listing.set_defaults(handler=run_list)

    remove = actions.add_parser("remove", help="删除一条协会答复（保留版本记录，可恢复）")
    remove.add_argument("id", type=int, help="答复编号")
    remove.add_argument("--by", default=DEFAULT_EDITOR, help="操作人（记入版本记录）")
    remove.set_defaults(handler=run_remove)


def _curated_store(settings: Settings) -> CuratedAnswerStore:
    from conversations import CuratedAnswerStore, Store, StoreError

    try:
        return CuratedAnswerStore(Store(settings.resolved_database_url()))
    except StoreError as error:
        raise UsageError(str(error)) from error


def run_add(args: argparse.Namespace) -> int:
    settings = Settings()
    cite_file, cite_section = _citation(args.cite, settings, args.notices)
    programme = _programme(args.programme, settings)
    try:
        added = _curated_store(settings).add(
            question=args.question,
            answer=args.answer,
            by=args.by,
            phrasings=args.phrasing,
            programme=programme,
            cite_file=cite_file,
            cite_section=cite_section,
        )
    except ValueError as error:
        raise UsageError(str(error)) from error
    print(added.id)
    return 0


def run_list(args: argparse.Namespace) -> int:
    answers = _curated_store(Settings()).all(include_removed=args.all)
    if args.format == "json":
        print(json.dumps([_as_json(answer) for answer in answers], ensure_ascii=False, indent=2))
        return 0
    if not answers:
        print("还没有协会答复。")
        return 0
    for answer in answers:
        print("\t".join(_table_row(answer)))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from conversations import CuratedAnswerNotFoundError

    try:
        removed = _curated_store(Settings()).remove(args.id, by=args.by)
    except CuratedAnswerNotFoundError as error:
        raise UsageError(str(error)) from error
    print(f"已删除协会答复 {removed.id}（版本 {removed.version}，可在员工页面恢复）。")
    return 0


def _citation(cite: str | None, settings: Settings, notices: Path | None) -> tuple[str | None, str | None]:
    """FILE#SECTION -> (file, section); the file must be a notice the bot knows."""
    if cite is None:
        return None, None
    file, _sep, section = cite.partition("#")
    file = file.strip()
    if not file:
        raise UsageError("--cite 须以通知文件名开头，例如：notice.docx#二、申报时间")
    known = _known_notices(settings, notices)
    if file not in known:
        raise UsageError(f"索引和通知文件夹中都没有这个通知：{file}")
    return file, section.strip() or None


def _known_notices(settings: Settings, notices: Path | None) -> set[str]:
    from knowledge import list_notice_files

    known: set[str] = set()
    from bot._wiring import knowledge_base

    kb = knowledge_base(settings)
    if kb.index_ready():
        known.update(kb.notice_titles())
    folder = settings.resolved_notices(notices)
    if folder is not None and folder.is_dir():
        known.update(path.name for path in list_notice_files(folder))
    return known


def _programme(programme: str | None, settings: Settings) -> str | None:
    """A programme id must be one the index serves, when there is an index to ask."""
    if programme is None:
        return None
    from bot._wiring import knowledge_base

    kb = knowledge_base(settings)
    if kb.index_ready() and programme not in kb.programmes():
        known = "、".join(kb.programmes())
        raise UsageError(f"未知项目：{programme}。可选：{known}")
    return programme


def _table_row(answer: CuratedAnswer) -> list[str]:
    status = "已删除" if answer.status != "active" else ("待复核" if answer.flagged else "生效")
    cite = f"{answer.cite_file}#{answer.cite_section or ''}" if answer.cite_file else "-"
    return [
        str(answer.id),
        status,
        f"v{answer.version}",
        answer.programme or "所有项目",
        answer.question,
        _shorten(answer.answer, 40),
        cite,
    ]


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _as_json(answer: CuratedAnswer) -> dict[str, object]:
    return {
        "id": answer.id,
        "question": answer.question,
        "answer": answer.answer,
        "phrasings": answer.phrasings,
        "programme": answer.programme,
        "cite_file": answer.cite_file,
        "cite_section": answer.cite_section,
        "status": answer.status,
        "flagged": answer.flagged,
        "version": answer.version,
        "created_by": answer.created_by,
        "updated_by": answer.updated_by,
        "created_at": answer.created_at.isoformat(),
        "updated_at": answer.updated_at.isoformat(),
    }
