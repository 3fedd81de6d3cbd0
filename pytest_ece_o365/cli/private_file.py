"""Files only their owner can read (contract §7: token files written by ``ece-o365 login``).

POSIX: created with mode 0600 by ``os.open`` (so the content never sits in a wider file), and an
existing file's mode is narrowed before anything is written into it.

Windows: the file is created empty, then its ACL is cut down to the current user with
``icacls FILE /inheritance:r /grant:r DOMAIN\\USER:F`` (inherited entries removed, full control for the
user only), and only then is the content written. An existing file is deleted first, so that no explicit
entry granted to someone else survives. If ``icacls`` fails, the file is deleted and the write fails:
the restriction is never silently skipped.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import subprocess
from pathlib import Path

from pytest_ece_o365.cli.errors import CommandError


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


def replace_private(path: Path, text: str, *, windows: bool | None = None) -> None:
    """Replace ``path`` atomically with ``text``, readable by the current user only; :class:`CommandError`
    on failure, and then ``path`` is as it was.

    The text goes into a new owner-only file next to it (``write_private``), flushed to disk, then
    renamed over ``path`` (``os.replace``: atomic on POSIX and on NTFS within one folder). A reader — or a
    process killed midway — sees the old content or the new, never part of either.
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write_private(temp, text, windows=windows)
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except (OSError, CommandError) as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CommandError(f"cannot replace {path} ({reason}); the file is unchanged", 1) from None


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
    argv = ["icacls", str(path), "/inheritance:r", "/grant:r", f"{current_user()}:F"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
        failure = "" if done.returncode == 0 else (done.stderr or done.stdout).strip() or f"exit {done.returncode}"
    except (OSError, subprocess.SubprocessError) as exc:
        failure = str(exc)
    if failure:
        path.unlink(missing_ok=True)
        raise OSError(f"could not restrict the file to {current_user()} with icacls ({failure}); nothing was kept")
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)


def current_user() -> str:
    """``DOMAIN\\user`` on Windows (icacls resolves it exactly), else the login name."""
    user = getpass.getuser()
    domain = os.environ.get("USERDOMAIN")
    return f"{domain}\\{user}" if domain and os.name == "nt" else user


def toml_path(path: Path, base: Path) -> str:
    """``path`` as a TOML string for a config in ``base``: relative when inside it, forward slashes."""
    try:
        shown = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        shown = path.resolve().as_posix()
    return json.dumps(shown)  # a JSON string is a valid TOML basic string
