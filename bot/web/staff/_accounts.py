"""Staff accounts: argon2 password hashes, lock-out after repeated failures.

A refusal says the same thing, and costs about the same time, whether the name exists, the password is
wrong or the account is locked: a login form must not tell an attacker which names to try.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from conversations import Store
from conversations._store import StaffAccountRow, StaffSessionRow

logger = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 10
MAX_NAME_CHARS = 64
REFUSAL_MESSAGE = "用户名或密码错误；连续多次输错后账号会暂时锁定，请稍后再试。"


class StaffAccountError(ValueError):
    """A name or password that cannot be used (message in Chinese)."""


@dataclass(frozen=True)
class StaffAccount:
    id: int
    name: str


@dataclass(frozen=True)
class LoginRefusal:
    """A refused login. `reason` is for logs and tests only; `message` is all the user is shown."""

    reason: Literal["bad_credentials", "locked"]
    message: str = REFUSAL_MESSAGE


@dataclass(frozen=True)
class StaffAccountInfo:
    name: str
    last_login_at: datetime | None
    locked: bool


def utc_now() -> datetime:
    return datetime.now(UTC)


class StaffAccounts:
    def __init__(
        self,
        store: Store,
        *,
        lockout_attempts: int = 5,
        lockout_minutes: float = 15.0,
        clock: Callable[[], datetime] = utc_now,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._store = store
        self._attempts = lockout_attempts
        self._lockout = timedelta(minutes=lockout_minutes)
        self._clock = clock
        self._hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy_hash(self) -> str:
        """Verified against for unknown names, so they take as long as known ones."""
        return self._hasher.hash("not-a-staff-password")

    def add(self, name: str, password: str) -> bool:
        """Creates the account, or sets a new password for an existing one (unlocking it and signing out
        its sessions: a reset is often because the old password leaked). True when the account is new."""
        name = _valid_name(name)
        if len(password) < MIN_PASSWORD_CHARS:
            raise StaffAccountError(f"密码太短：至少需要 {MIN_PASSWORD_CHARS} 个字符。")
        password_hash = self._hasher.hash(password)
        with self._store.session() as session, session.begin():
            row = session.scalar(select(StaffAccountRow).where(StaffAccountRow.name == name))
            if row is None:
                session.add(StaffAccountRow(name=name, password_hash=password_hash, failed_logins=0))
                return True
            row.password_hash = password_hash
            row.failed_logins = 0
            row.locked_until = None
            session.execute(delete(StaffSessionRow).where(StaffSessionRow.staff_id == row.id))
            return False

    def verify(self, name: str, password: str) -> StaffAccount | LoginRefusal:
        now = self._clock()
        with self._store.session() as session, session.begin():
            row = session.scalar(select(StaffAccountRow).where(StaffAccountRow.name == name.strip()))
            if row is None:
                self._check(self._dummy_hash, password)
                return LoginRefusal("bad_credentials")
            locked_until = _aware(row.locked_until)
            if locked_until is not None and locked_until > now:
                self._check(row.password_hash, password)  # the same cost as any other attempt
                return LoginRefusal("locked")
            if not self._check(row.password_hash, password):
                row.failed_logins = (row.failed_logins or 0) + 1
                if row.failed_logins >= self._attempts:
                    row.locked_until = now + self._lockout
                    row.failed_logins = 0
                    logger.warning("staff account %r locked after %d failed logins", row.name, self._attempts)
                return LoginRefusal("bad_credentials")
            row.failed_logins = 0
            row.locked_until = None
            row.last_login_at = now
            if self._hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self._hasher.hash(password)
            return StaffAccount(id=row.id, name=row.name)

    def list(self) -> list[StaffAccountInfo]:
        now = self._clock()
        with self._store.session() as session:
            rows = session.scalars(select(StaffAccountRow).order_by(StaffAccountRow.name))
            return [
                StaffAccountInfo(
                    name=row.name,
                    last_login_at=_aware(row.last_login_at),
                    locked=(_aware(row.locked_until) or now) > now,
                )
                for row in rows
            ]

    def remove(self, name: str) -> bool:
        """Deletes the account and its sessions; False when there is none of that name."""
        with self._store.session() as session, session.begin():
            row = session.scalar(select(StaffAccountRow).where(StaffAccountRow.name == name.strip()))
            if row is None:
                return False
            session.delete(row)
            return True

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def _valid_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise StaffAccountError(f"用户名需要 1 到 {MAX_NAME_CHARS} 个字符。")
    return name


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
