from __future__ import annotations


class UsageError(Exception):
    """A problem the user can fix (bad flag, missing folder...): printed as one line, exit code 2."""
