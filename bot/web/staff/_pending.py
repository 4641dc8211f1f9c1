"""Uploads waiting for staff to confirm their catalog fields, kept on disk between the two steps.

The upload form's bytes are written under ``data_dir/notice-uploads`` as ``<token>.bin`` with a
``<token>.json`` beside it (file name, the notice it replaces, who uploaded it, when). The token is
random and bound to the uploading staff session: another session, even of the same staff member,
cannot confirm it. A pending upload is removed once confirmed, or an hour after it was made.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.web.staff._accounts import utc_now

PENDING_DIRNAME = "notice-uploads"
PENDING_LIFETIME = timedelta(hours=1)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class PendingUpload:
    token: str
    filename: str
    replace: str | None  # the notice this upload replaces, None for a new notice
    data: bytes


class PendingUploads:
    def __init__(self, folder: Path, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.folder = folder
        self._clock = clock

    def save(self, session_token: str, filename: str, replace: str | None, data: bytes) -> str:
        """Keeps `data` for the session of cookie `session_token`; returns the upload's token."""
        self.remove_expired()
        self.folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        _write_private(self._bytes_path(token), data)
        meta = {
            "filename": filename,
            "replace": replace,
            "session": _session_hash(session_token),
            "created_at": self._clock().isoformat(),
        }
        # The description is written last: an upload without one is never offered for confirmation.
        _write_private(self._meta_path(token), json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        return token

    def load(self, session_token: str, token: str) -> PendingUpload | None:
        """The upload `token` names, when it belongs to this session and has not expired."""
        if not _TOKEN.match(token):
            return None
        try:
            meta = json.loads(self._meta_path(token).read_text("utf-8"))
            data = self._bytes_path(token).read_bytes()
        except (OSError, ValueError):
            return None
        if not hmac.compare_digest(str(meta.get("session", "")), _session_hash(session_token)):
            return None
        if self._expired(meta):
            self.remove(token)
            return None
        return PendingUpload(token=token, filename=meta["filename"], replace=meta.get("replace"), data=data)

    def remove(self, token: str) -> None:
        if not _TOKEN.match(token):
            return
        for path in (self._meta_path(token), self._bytes_path(token)):
            path.unlink(missing_ok=True)

    def remove_expired(self) -> int:
        """Drops the uploads older than an hour (and stray halves of a crashed save); returns how many."""
        if not self.folder.is_dir():
            return 0
        removed = 0
        cutoff = (self._clock() - PENDING_LIFETIME).timestamp()
        for path in self.folder.iterdir():
            token = path.name.split(".", 1)[0]
            if path.suffix == ".json":
                try:
                    expired = self._expired(json.loads(path.read_text("utf-8")))
                except (OSError, ValueError):
                    expired = True
            else:  # a .bin: judged by its age, so one whose description was never written goes too
                try:
                    expired = path.stat().st_mtime < cutoff
                except OSError:
                    continue
            if expired:
                if _TOKEN.match(token):
                    self.remove(token)
                else:
                    path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _expired(self, meta: dict[str, object]) -> bool:
        try:
            created = datetime.fromisoformat(str(meta["created_at"]))
        except (KeyError, ValueError):
            return True
        return created <= self._clock() - PENDING_LIFETIME

    def _bytes_path(self, token: str) -> Path:
        return self.folder / f"{token}.bin"

    def _meta_path(self, token: str) -> Path:
        return self.folder / f"{token}.json"


def _session_hash(session_token: str) -> str:
    return hashlib.sha256(session_token.encode()).hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    """Atomically, readable by this user only (an upload may be a notice not yet published)."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pending-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
