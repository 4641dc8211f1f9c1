"""`applicant-bot telegram`: the token and the dialogue come from settings, then polling starts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pytest

import bot._wiring
from bot.channels import telegram as telegram_channel
from bot.cli import _telegram_commands
from bot.cli._errors import UsageError


@pytest.fixture(autouse=True)
def _no_token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("APPLICANT_BOT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file with a token


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="applicant-bot")
    _telegram_commands.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_without_a_token_it_says_how_to_set_one() -> None:
    args = _parse(["telegram"])
    with pytest.raises(UsageError) as raised:
        args.handler(args)
    message = str(raised.value)
    assert "APPLICANT_BOT_TELEGRAM_TOKEN" in message and "\n" not in message


def test_through_the_main_command_line_a_missing_token_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import build_parser, main

    if "telegram" not in build_parser().format_help():
        pytest.skip("bot.cli does not register the telegram command yet")
    assert main(["telegram"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "APPLICANT_BOT_TELEGRAM_TOKEN" in err


def test_without_python_telegram_bot_it_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bot.channels.telegram", None)  # makes the import fail
    args = _parse(["telegram"])
    with pytest.raises(UsageError, match=r"\.\[telegram\]"):
        args.handler(args)


def test_with_a_token_it_polls_with_the_wired_dialogue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPLICANT_BOT_TELEGRAM_TOKEN", " 123:secret ")
    dialogue = object()
    built: dict[str, Any] = {}

    class FakeApplication:
        def run_polling(self, **kwargs: Any) -> None:
            built["polling"] = kwargs

    def fake_build_application(handler: object, token: str) -> FakeApplication:
        built.update(handler=handler, token=token)
        return FakeApplication()

    monkeypatch.setattr(bot._wiring, "dialogue", lambda settings: dialogue, raising=False)
    monkeypatch.setattr(telegram_channel, "build_application", fake_build_application)
    args = _parse(["telegram"])
    assert args.handler(args) == 0
    assert built["handler"] is dialogue and built["token"] == "123:secret"
    assert "callback_query" in built["polling"]["allowed_updates"]


def test_only_the_channel_package_imports_python_telegram_bot() -> None:
    root = Path(__file__).resolve().parents[3]
    importers = [
        str(path.relative_to(root))
        for package in ("bot", "conversations", "knowledge", "rubric_engine")
        for path in (root / package).rglob("*.py")
        if "channels" not in path.relative_to(root).parts
        and any(
            line.lstrip().startswith(("import telegram", "from telegram"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert importers == []
