"""Files only their owner can read (contract §7: token files written by ``ece-o365 login``).

The token never goes into an existing file: a new file is created beside it (``O_EXCL``, never through
a link), restricted, written, and then renamed over the target (``os.replace``, atomic). A target that
is a symbolic link, a hard link to another name, no regular file, or (POSIX) another user's file is
refused before the sign-in (:func:`unsafe_target`) and again just before the write.

POSIX: the new file is created with mode 0600 by ``os.open`` (so the content never sits in a wider file).

Windows: the new file is created empty, then its ACL is cut down to the current user
(:mod:`pytest_ece_o365.owner_only`: ``icacls FILE /inheritance:r /grant:r DOMAIN\\USER:F``, icacls by its
full ``%SystemRoot%\\System32`` path so that no ``icacls`` earlier in PATH or in the current folder runs), and
only then is the content written. If ``icacls`` fails, the new file is deleted and the write fails: the
restriction is never silently skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from pathlib import Path

from pytest_ece_o365.cli.errors import CommandError
from pytest_ece_o365.owner_only import restrict_file


def write_private(path: Path, text: str, *, windows: bool | None = None) -> None:
    """Write ``text`` to ``path`` readable by the current user only; :class:`CommandError` on failure.

    ``windows`` picks the branch (default: this OS); tests drive the Windows branch on any OS.
    """
    is_windows = os.name == "nt" if windows is None else windows
    problem = unsafe_target(path, windows=is_windows)
    if problem:
        raise CommandError(f"{path} {problem}; nothing was written", 4)
    fresh = path.with_name(f".{path.name}.{secrets.token_hex(6)}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if is_windows:
            _write_windows(fresh, text)
        else:
            _write_posix(fresh, text)
        os.replace(fresh, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            fresh.unlink()
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}", 1) from None


def unsafe_target(path: Path, *, windows: bool | None = None) -> str:
    """Why the token must not replace ``path`` ("" when it may): a link, no regular file, someone else's."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"cannot be checked ({exc.strerror or exc})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link (the token would land where it points): give the file itself"
    if stat.S_ISDIR(info.st_mode):
        return "is a directory; give the token file's name"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a FIFO, a device or a socket)"
    if info.st_nlink > 1:
        return "has other hard links (the token would be readable under their names): remove them first"
    is_windows = os.name == "nt" if windows is None else windows
    if not is_windows and hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return "belongs to another user: choose a file of your own"
    return ""


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
    # O_EXCL | O_NOFOLLOW: a new file, never one a link planted at this name points to.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_windows(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8"):
        pass  # created empty: nothing is in it until the ACL is cut down
    try:
        restrict_file(path, windows=True)  # icacls by its full system path (pytest_ece_o365.owner_only)
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
