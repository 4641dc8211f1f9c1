"""Keys kept by the server: from settings, or created once in the data directory."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from bot.settings import Settings

SECRET_FILENAME = "form-link-secret"


def form_link_secret(settings: Settings) -> bytes:
    """`form_link_secret` when set; else the key in ``data_dir/form-link-secret``, created (0600) by
    whichever worker comes first: the others read the same key, so a link made by one is served by all."""
    if settings.form_link_secret is not None and settings.form_link_secret.get_secret_value().strip():
        return settings.form_link_secret.get_secret_value().strip().encode("utf-8")
    return data_dir_secret(settings, SECRET_FILENAME)


def data_dir_secret(settings: Settings, filename: str) -> bytes:
    """The random key in ``data_dir/<filename>``, created (0600) once; every worker reads the same one."""
    path = Path(settings.data_dir) / filename
    if not path.exists():
        _create(path)
    return path.read_text(encoding="ascii").strip().encode("ascii")


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
            file.flush()
            os.fsync(file.fileno())
        # A hard link appears complete or not at all, and fails if another worker was first.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
