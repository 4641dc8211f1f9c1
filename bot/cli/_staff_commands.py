"""`applicant-bot staff add|list|remove`: the accounts that may open the staff pages (/staff/)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from bot.cli._errors import UsageError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.web.staff import StaffAccounts

INSTALL_HINT = '未安装工作台依赖（argon2-cffi、FastAPI）：请运行 pip install -e ".[serve]" 后重试。'


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff = commands.add_parser(
        "staff",
        help="管理工作台（/staff/）的工作人员账号",
        description="添加、列出或删除可以登录工作台（/staff/）的协会工作人员账号。只保存密码的 argon2 哈希。",
    )
    actions = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="添加账号，或为已有账号设置新密码")
    add.add_argument("name", help="用户名（1 到 64 个字符）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行；供脚本使用）")
    add.set_defaults(handler=run_add)
    listing = actions.add_parser("list", help="列出账号：用户名、最近登录、是否锁定")
    listing.set_defaults(handler=run_list)
    remove = actions.add_parser("remove", help="删除账号（其登录会话一并失效）")
    remove.add_argument("name")
    remove.set_defaults(handler=run_remove)


def run_add(args: argparse.Namespace) -> int:
    from bot.web.staff import StaffAccountError

    password = _read_password(args.password_stdin)
    accounts = _accounts()
    try:
        created = accounts.add(args.name, password)
    except StaffAccountError as error:
        raise UsageError(str(error)) from error
    name = args.name.strip()
    print(f"已添加账号 {name}。" if created else f"账号 {name} 已存在：密码已重置，锁定已解除。")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from bot.web.staff import STAFF_TIMEZONE

    accounts = _accounts().list()
    if not accounts:
        print("还没有工作人员账号。用 applicant-bot staff add 用户名 添加。")
        return 0
    print("用户名\t最近登录\t状态")
    for account in accounts:
        last = (
            account.last_login_at.astimezone(STAFF_TIMEZONE).strftime("%Y-%m-%d %H:%M")
            if account.last_login_at
            else "从未登录"
        )
        print(f"{account.name}\t{last}\t{'已锁定' if account.locked else '正常'}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    if not _accounts().remove(args.name):
        raise UsageError(f"没有名为 {args.name} 的账号。")
    print(f"已删除账号 {args.name.strip()}。")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("标准输入不是终端：请加 --password-stdin 从标准输入传入密码。")
    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise UsageError("两次输入的密码不一致。")
    return first


def _accounts() -> StaffAccounts:
    try:
        from bot.web.staff import StaffAccounts
    except ImportError as error:
        raise UsageError(INSTALL_HINT) from error
    from conversations import Store

    settings = Settings()
    return StaffAccounts(
        Store(settings.resolved_database_url()),
        lockout_attempts=settings.staff_lockout_attempts,
        lockout_minutes=settings.staff_lockout_minutes,
    )
