"""Files only their owner can read (contract §7: token files written by ``ece-o365 login``).

POSIX: created with mode 0600 by ``os.open`` (so the content never sits in a wider file), and an
existing file's mode is narrowed before anything is written into it.

Windows: the file is created empty, then its ACL is cut down to the current user with
``icacls FILE /inheritance:r /grant:r DOMAIN\\USER:F`` (inherited entries removed, full control for the
user only; :mod:`pytest_ece_o365.owner_only`, icacls by its full system path), and only then is the content
written. An existing file is deleted first, so that no explicit
entry granted to someone else survives. If ``icacls`` fails, the file is deleted and the write fails:
the restriction is never silently skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from pytest_ece_o365.cli.errors import CommandError
from pytest_ece_o365.owner_only import restrict_file


def write_private(path: Path, text: str, *, windows: bool | None = None) -> None:
    """Write ``text`` to ``path`` readable by the current user only; :class:`CommandError` on failure.

    ``windows`` picks the branch (default: this OS); tests drive the Windows branch on any OS.
    """
    is_windows = os.name == "nt" if windows is None else windows
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if is_windows:
            _write_windows(path, text)
        else:
            _write_posix(path, text)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}", 1) from None


def _write_posix(path: Path, text: str) -> None:
    # O_NOFOLLOW: a symbolic link planted at the token's path must not redirect the token elsewhere.
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        # O_CREAT's mode applies to new files only: narrow an existing one before the token goes in.
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def _write_windows(path: Path, text: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a fresh file carries no explicit grants to other accounts
    path.touch()
    try:
        restrict_file(path, windows=True)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise OSError(f"{exc}; nothing was kept") from None
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)


def toml_path(path: Path, base: Path) -> str:
    """``path`` as a TOML string for a config in ``base``: relative when inside it, forward slashes."""
    try:
        shown = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        shown = path.resolve().as_posix()
    return json.dumps(shown)  # a JSON string is a valid TOML basic string
