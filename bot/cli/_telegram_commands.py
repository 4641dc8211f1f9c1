"""`applicant-bot telegram`: answer applicants on Telegram, by long polling.

python-telegram-bot is the optional ``telegram`` extra, so it is imported only when the command runs;
without it, or without a bot token, the command says in one line what to do and exits with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging

from bot.cli._errors import UsageError
from bot.settings import Settings

INSTALL_HINT = '未安装 python-telegram-bot：请运行 pip install -e ".[telegram]" 后重试。'
TOKEN_HINT = (
    "没有设置 Telegram 机器人令牌：请设置环境变量 APPLICANT_BOT_TELEGRAM_TOKEN（向 @BotFather 申请）。"
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    telegram = commands.add_parser(
        "telegram",
        help="在 Telegram 上回答申报者（长轮询）",
        description=(
            "以 Telegram 机器人运行申报助手：回答问题、引导自评并发送填好的自评表。"
            "令牌取自环境变量 APPLICANT_BOT_TELEGRAM_TOKEN。按 Ctrl+C 停止。"
        ),
    )
    telegram.set_defaults(handler=run_telegram)


def run_telegram(args: argparse.Namespace) -> int:
    try:
        importlib.import_module("bot.channels.telegram")  # fails here when python-telegram-bot is missing
    except ImportError as error:
        raise UsageError(INSTALL_HINT) from error
    from bot.channels.telegram import build_application

    settings = Settings()
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value().strip():
        raise UsageError(TOKEN_HINT)
    # Imported here: the dialogue pulls in the store and the search index, which other commands skip.
    from bot._wiring import dialogue

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every getUpdates poll at INFO, and its URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    application = build_application(dialogue(settings), settings.telegram_token.get_secret_value().strip())
    application.run_polling(allowed_updates=["message", "callback_query"])
    return 0
