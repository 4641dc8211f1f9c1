"""The ``applicant-bot`` command line: one sub-command per job, each group in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import (
    _dialogue_commands,
    _faq_commands,
    _gap_commands,
    _knowledge_commands,
    _rubric_commands,
    _serve_commands,
    _staff_commands,
    _telegram_commands,
)
from bot.cli._errors import UsageError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="applicant-bot",
        description="申报助手：回答申报通知中的问题，引导填写官方自评表。",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _knowledge_commands.register(commands)
    _rubric_commands.register(commands)
    _dialogue_commands.register(commands)
    _telegram_commands.register(commands)
    _serve_commands.register(commands)
    _faq_commands.register(commands)
    _gap_commands.register(commands)
    _staff_commands.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UsageError as error:
        print(f"applicant-bot {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as Unix tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
