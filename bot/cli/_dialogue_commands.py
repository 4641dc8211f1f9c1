"""`applicant-bot chat` (the console channel) and `applicant-bot check` (eligibility, non-interactive).

The console is a thin adapter: a line in is an `Incoming`, each `Reply` is printed as plain text, and an
attached form is saved under the data directory with its path printed. Piped, it reads one message per
line and exits at the end of input, so a whole conversation can be scripted; the same `--user` in a later
process continues the same dialogue, since the state lives in the store.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli._errors import UsageError
from bot.cli._rubric_commands import _write_atomically
from bot.settings import Settings

if TYPE_CHECKING:
    from conversations import Reply

CONSOLE_CHANNEL = "console"
MAX_LINE_CHARS = 20_000


def register(commands: argparse._SubParsersAction) -> None:
    chat = commands.add_parser(
        "chat",
        help="在终端里与申报助手对话（提问、资格自查、逐项自评）",
        description=(
            "在终端里与申报助手对话。交互使用时逐句输入；从管道输入时每行一条消息，读完即退出。"
            "同一个 --user 在之后的进程中继续同一段对话。"
        ),
    )
    chat.add_argument("--user", help="用户标识（默认：当前系统用户名）")
    chat.add_argument("--notices", type=Path, help="索引不存在时，用这个通知文件夹先建立索引")
    chat.set_defaults(handler=run_chat)

    check = commands.add_parser(
        "check",
        help="申报条件自查（与对话中的规则和出处相同）",
        description="按项目的申报条件逐条判断：符合 / 不符合 / 待确认，并给出通知原文出处。",
    )
    check.add_argument("--programme", required=True, help="项目 id（如 qinghai-2025）")
    check.add_argument(
        "--category", help="申报类别（id 或名称，如 individual / 服务之星）；项目只有一类时可省略"
    )
    check.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="已知情况，如 report_date=2025-06-30、third_party=是（可重复；不给的条目为“待确认”）",
    )
    check.add_argument("--json", action="store_true", help="输出 JSON")
    check.set_defaults(handler=run_check)


# --- chat ------------------------------------------------------------------------------------------------


def run_chat(args: argparse.Namespace) -> int:
    from bot._wiring import dialogue
    from bot.cli._knowledge_commands import ensure_index
    from conversations import Incoming, StoreError

    settings = Settings()
    try:
        chat = dialogue(settings)
    except StoreError as error:
        raise UsageError(str(error)) from None
    ensure_index(chat.answerer, settings, args.notices)
    user = (args.user or getpass.getuser() or "console").strip()
    if not user:
        raise UsageError("--user 不能为空。")
    interactive = sys.stdin.isatty()
    forms_dir = settings.forms_dir / _safe_name(user)
    if interactive:
        _print_replies(chat.handle(Incoming(channel=CONSOLE_CHANNEL, user_id=user, text="/help")), forms_dir)
    for line in _lines(interactive):
        if not interactive:
            print(f"你：{line}")
        replies = chat.handle(Incoming(channel=CONSOLE_CHANNEL, user_id=user, text=line[:MAX_LINE_CHARS]))
        _print_replies(replies, forms_dir)
    return 0


def _lines(interactive: bool) -> Iterable[str]:
    if not interactive:
        for raw in sys.stdin:
            line = raw.rstrip("\r\n")
            if line.strip():
                yield line
        return
    while True:
        try:
            yield input("你：")
        except EOFError:
            print()
            return


def _print_replies(replies: Sequence[Reply], forms_dir: Path) -> None:
    for reply in replies:
        print("助手：" + reply.plain_text())
        for attachment in reply.attachments:
            forms_dir.mkdir(parents=True, exist_ok=True)
            path = forms_dir / _safe_name(attachment.filename)
            _write_atomically(path, attachment.data)
            print(f"已保存：{path}")
        print(flush=True)


def _safe_name(name: str) -> str:
    """A file name from user-given text: no path separators, no leading dots."""
    cleaned = "".join("_" if char in '/\\\0:*?"<>|' else char for char in name).strip().lstrip(".")
    return cleaned[:100] or "user"


# --- check -------------------------------------------------------------------------------------------------


def run_check(args: argparse.Namespace) -> int:
    import rubric_engine

    programme = args.programme.strip()
    try:
        rules = rubric_engine.load_eligibility(programme)
        if args.category is None and len(rules.categories) > 1:
            names = "、".join(f"{c.id}（{c.name}）" for c in rules.categories)
            raise UsageError(f"{rules.name}有多个申报类别，请用 --category 指定：{names}")
        category = rules.category(args.category or rules.categories[0].id).id
    except rubric_engine.EligibilityError as error:
        raise UsageError(str(error)) from None
    answers = _parse_answers(args.answer, programme, category)
    facts = rubric_engine.facts_from_answers(answers)
    report = rubric_engine.check_eligibility(programme, category, facts, today=Settings().effective_today())
    if args.json:
        print(json.dumps(_report_json(report), ensure_ascii=False, indent=2))
        return 0
    print(rubric_engine.render_eligibility_text(report))
    return 0


def _parse_answers(values: Sequence[str], programme: str, category: str) -> dict[str, Any]:
    import rubric_engine

    questions = {q.key: q for q in rubric_engine.fact_questions(programme, category)}
    listing = "；".join(f"{key}（{q.prompt}）" for key, q in questions.items()) or "（本类别无需提供情况）"
    answers: dict[str, Any] = {}
    for text in values:
        key, separator, value = text.replace("＝", "=").partition("=")
        key = key.strip()
        if not separator or not key:
            raise UsageError(f"--answer 的格式应为 KEY=VALUE，收到“{text}”。可用的 KEY：{listing}")
        question = questions.get(key)
        if question is None:
            raise UsageError(f"本类别没有“{key}”这一项。可用的 KEY：{listing}")
        try:
            answers[key] = rubric_engine.parse_fact(question, value)
        except rubric_engine.FactError as error:
            raise UsageError(f"--answer {key}：{error}") from None
    return answers


def _report_json(report: Any) -> dict[str, Any]:
    return {
        "programme": report.programme,
        "programme_name": report.programme_name,
        "category": report.category,
        "category_name": report.category_name,
        "status": report.status,
        "results": [
            {
                "rule": result.rule_id,
                "name": result.name,
                "status": result.status,
                "explanation": result.explanation,
                "source": result.source.model_dump(),
            }
            for result in report.results
        ],
    }
