"""`applicant-bot ingest` and `applicant-bot ask`: build the notice index and answer questions from it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli._errors import UsageError
from bot.settings import Settings

if TYPE_CHECKING:
    from knowledge import NoticeLibrary

MAX_STDIN_QUESTIONS = 100_000


def register(commands: argparse._SubParsersAction) -> None:
    ingest = commands.add_parser(
        "ingest",
        help="读取通知文件夹，建立（或增量更新）检索索引",
        description="读取通知文件夹（.txt/.docx/.pdf/.html/.md 与 catalog.yaml），建立或增量更新检索索引。",
    )
    ingest.add_argument(
        "--notices", type=Path, help="通知文件夹（默认：APPLICANT_BOT_NOTICES，或仓库旁的 ../shared/notices）"
    )
    ingest.add_argument("--quiet", action="store_true", help="不显示进度条")
    ingest.set_defaults(handler=run_ingest)

    ask = commands.add_parser(
        "ask",
        help="根据通知回答问题（带出处）",
        description="根据通知回答问题并给出出处。不给问题时，从标准输入每行读一个问题，每行输出一个结果。",
    )
    ask.add_argument("question", nargs="?", help="问题；省略时从标准输入逐行读取")
    ask.add_argument("--programme", help="限定项目（如 lianyungang-2016-service-star）")
    ask.add_argument("--json", action="store_true", help="输出 JSON（逐行读取时每行一个 JSON 对象）")
    ask.add_argument("--notices", type=Path, help="索引不存在时，用这个通知文件夹先建立索引")
    ask.set_defaults(handler=run_ask)


def _knowledge_base(settings: Settings):
    # Imported here so `applicant-bot rubrics` never pays for chromadb/jieba start-up.
    from bot._wiring import knowledge_base

    return knowledge_base(settings)


def _answering_knowledge_base(settings: Settings):
    """The knowledge base `ask` uses: with the staff's curated answers when a conversation database
    exists (one that cannot be opened is reported and the notices answer alone)."""
    from bot._wiring import existing_store, knowledge_base_with_curated
    from conversations import StoreError

    try:
        store = existing_store(settings)
    except StoreError as error:
        print(f"警告：未使用协会答复（{error}）", file=sys.stderr)
        store = None
    if store is None:
        return _knowledge_base(settings)
    return knowledge_base_with_curated(settings, store)


def _notices_folder(settings: Settings, override: Path | None) -> Path | None:
    """The notice folder; None only when none is configured and staff uploads exist, which can be
    ingested alone. A folder that is configured but missing is an error: ingesting without it would
    drop its notices from the index."""
    folder = settings.resolved_notices(override)
    if folder is None:
        if settings.managed_notices_dir.is_dir():
            return None
        raise UsageError("没有找到通知文件夹：请用 --notices 指定，或设置环境变量 APPLICANT_BOT_NOTICES。")
    if not folder.is_dir():
        raise UsageError(f"通知文件夹不存在：{folder}")
    return folder


def notice_sources(settings: Settings, folder: Path | None) -> Path | NoticeLibrary:
    """What an ingest reads: the notice folder, and with it the notices staff uploaded when there
    are any (`settings.managed_notices_dir`), so that a re-ingest from here never drops them."""
    from knowledge import NoticeLibrary

    managed = settings.managed_notices_dir
    if managed.is_dir() or folder is None:
        return NoticeLibrary(folder, managed)
    return folder


def run_ingest(args: argparse.Namespace) -> int:
    settings = Settings()
    folder = _notices_folder(settings, args.notices)
    kb = _knowledge_base(settings)
    report = _ingest_with_progress(kb, notice_sources(settings, folder), quiet=args.quiet)
    for skipped in report.skipped:
        print(f"警告：已跳过 {skipped.file}：{skipped.reason}", file=sys.stderr)
    print(report.summary_line())
    return 0


def _ingest_with_progress(kb, notices: Path | NoticeLibrary, *, quiet: bool):
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int, name: str) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:
            bar = tqdm(total=total, unit="个文件", desc="建立索引", file=sys.stderr, leave=False)
        bar.set_postfix_str(name[-30:], refresh=False)
        bar.update(done - bar.n)

    try:
        return kb.ingest(notices, progress=progress)
    finally:
        if bar is not None:
            bar.close()


def ensure_index(kb, settings: Settings, notices: Path | None) -> None:
    """A missing index, or one an older version built: (re)build it from the notices (and the
    staff uploads) first."""
    if kb.index_ready():
        return
    try:
        folder = _notices_folder(settings, notices)
    except UsageError:
        raise UsageError(
            "索引尚未建立或需要更新：请先运行 applicant-bot ingest --notices <通知文件夹>"
        ) from None
    sources = notice_sources(settings, folder)
    state = "需要更新" if kb.has_index() else "尚未建立"
    print(f"索引{state}，先从 {_describe(sources)} 建立索引……", file=sys.stderr)
    _ingest_with_progress(kb, sources, quiet=False)


def _describe(sources: Path | NoticeLibrary) -> str:
    if isinstance(sources, Path):
        return str(sources)
    folders = [sources.base_dir, sources.managed_dir]
    return "、".join(str(folder) for folder in folders if folder is not None)


def run_ask(args: argparse.Namespace) -> int:
    settings = Settings()
    kb = _answering_knowledge_base(settings)
    ensure_index(kb, settings, args.notices)
    if args.programme is not None and args.programme not in kb.programmes():
        known = "、".join(kb.programmes()) or "（索引中还没有项目）"
        raise UsageError(f"未知项目：{args.programme}。可选：{known}")

    if args.question is not None:
        answer = kb.ask(args.question, programme=args.programme)
        print(_render(answer, as_json=args.json, one_line=False))
        return 0
    for question in _stdin_questions(sys.stdin):
        answer = kb.ask(question, programme=args.programme)
        print(_render(answer, as_json=args.json, one_line=True), flush=True)
    return 0


def _stdin_questions(stream: Iterable[str]) -> Iterable[str]:
    for count, line in enumerate(stream):
        if count >= MAX_STDIN_QUESTIONS:
            break
        question = line.rstrip("\r\n")
        if question.strip():
            yield question


def _render(answer, *, as_json: bool, one_line: bool) -> str:
    if as_json:
        return json.dumps(answer.model_dump(mode="json"), ensure_ascii=False)
    lines = [answer.answer]
    for number, citation in enumerate(answer.citations, start=1):
        quoted = f"：“{citation.quote}”" if citation.quote else ""  # a curated answer cites without quoting
        lines.append(f"[{number}] 《{citation.title}》{citation.section}{quoted}")
    if one_line:
        return " ".join(line.replace("\n", " ") for line in lines)
    return "\n".join(lines)
