"""`applicant-bot serve`: the web app (webhooks, /healthz, form downloads) on uvicorn.

FastAPI and uvicorn are the optional ``serve`` extra, imported only when the command runs. Before any
worker starts, the parent process migrates the store, builds the notice index when it is missing and
creates the form-link key, so N workers never race to do it; each worker then builds its own app from
the environment (``bot.web:app_from_environment``), which is how uvicorn runs several processes.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import signal
import socket

from bot.cli._errors import UsageError
from bot.settings import ENV_PREFIX, Settings

APP_FACTORY = "bot.web:app_from_environment"
INSTALL_HINT = '未安装 Web 服务依赖（FastAPI、uvicorn）：请运行 pip install -e ".[serve]" 后重试。'
WECHAT_HINT = (
    '已设置 APPLICANT_BOT_WECHAT_TOKEN，但未安装微信渠道依赖：请运行 pip install -e ".[wechat]" 后重试'
    "（或取消该设置，只运行 /healthz 与表格下载）。"
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="运行 Web 服务：微信公众号接口、/healthz、自评表下载链接",
        description=(
            "以 uvicorn 运行申报助手的 Web 服务：设置 APPLICANT_BOT_WECHAT_TOKEN 时提供 GET/POST /wechat，"
            "另有 GET /healthz 与 GET /forms/<链接>（签名、会过期的自评表下载）。按 Ctrl+C 或 SIGTERM 停止。"
        ),
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；对外服务请放在反向代理之后）"
    )
    serve.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    serve.add_argument(
        "--workers", type=int, default=1, help="工作进程数（默认 1；多个进程共享数据库与共享状态）"
    )
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise UsageError("--workers 至少为 1。")
    if not 0 < args.port < 65536:
        raise UsageError(f"端口无效：{args.port}")
    try:
        uvicorn = importlib.import_module("uvicorn")
        importlib.import_module("fastapi")
    except ImportError as error:
        raise UsageError(INSTALL_HINT) from error
    settings = Settings()
    if _wechat_configured(settings):
        try:
            importlib.import_module("bot.channels.wechat")
        except ImportError as error:
            raise UsageError(WECHAT_HINT) from error
        _check_safe_mode(settings)
    _check_port_free(args.host, args.port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _prepare(settings)
    if settings.public_base_url is None:
        # The workers read their settings from the environment: this is how they learn the address.
        host = args.host if args.host not in ("0.0.0.0", "::") else socket.gethostname()
        os.environ[f"{ENV_PREFIX}PUBLIC_BASE_URL"] = f"http://{host}:{args.port}"
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the handler it found:
    # this one makes that a normal exit (code 0) for systemd and the tests, not "killed by SIGTERM".
    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers if args.workers > 1 else None,
        timeout_graceful_shutdown=10,
    )
    return 0


def _stopped(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _wechat_configured(settings: Settings) -> bool:
    token = getattr(settings, "wechat_token", None)
    return token is not None and bool(token.get_secret_value().strip())


def _check_safe_mode(settings: Settings) -> None:
    """A broken safe-mode configuration in one line here, not a traceback from every worker."""
    from bot.channels.wechat import SafeModeCipher, WeChatConfig

    config = WeChatConfig.from_settings(settings)
    if not config.safe_mode:
        return
    if not config.app_id:
        raise UsageError(
            "已设置 APPLICANT_BOT_WECHAT_AES_KEY（安全模式），还需要设置 APPLICANT_BOT_WECHAT_APP_ID。"
        )
    try:
        SafeModeCipher(config.token or "", config.aes_key or "", config.app_id)
    except ValueError as error:
        raise UsageError(
            f"APPLICANT_BOT_WECHAT_AES_KEY 无效（{error}）：请从公众号后台复制 43 位的 EncodingAESKey。"
        ) from error


def _check_port_free(host: str, port: int) -> None:
    """Say so in one line, before the index is built, rather than in uvicorn's traceback after it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"端口 {port} 已被占用（address already in use）：请用 --port 换一个端口，"
                    "或先停止占用它的进程。"
                ) from error
            raise UsageError(f"无法监听 {host}:{port}：{error.strerror}") from error


def _prepare(settings: Settings) -> None:
    """What the workers share, made once here: the migrated store, the index, the form-link key."""
    from bot._wiring import knowledge_base
    from bot.cli._knowledge_commands import ensure_index
    from bot.web import form_link_secret
    from conversations import Store, StoreError

    try:
        Store(settings.resolved_database_url()).close()
    except StoreError as error:
        raise UsageError(str(error)) from error
    ensure_index(knowledge_base(settings), settings, None)
    form_link_secret(settings)
