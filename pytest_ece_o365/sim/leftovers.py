"""The simulator's private folders left behind by a simulator that did not stop cleanly (killed, power
lost): found and removed at the next start.

Each simulator writes its process id into its folder (``owner.pid``, :data:`OWNER_FILE`). A folder of
this user whose owner no longer runs is a leftover — it still holds the secrets scripts and the server
key. A folder without that file (an older version's) is removed only when it is a day old: a simulator
of another process that is still starting must never lose its folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["OWNER_FILE", "PREFIX", "mark_owner", "remove_leftovers"]

PREFIX = "ece-o365-sim-"
OWNER_FILE = "owner.pid"
_UNMARKED_AGE = 24 * 3600


def mark_owner(workdir: Path) -> None:
    """Record that this process owns ``workdir``."""
    (workdir / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")


def remove_leftovers(base: Path | None = None) -> list[Path]:
    """Remove this user's simulator folders whose process is gone; the folders removed."""
    base = base or Path(tempfile.gettempdir())
    removed = []
    for folder in sorted(base.glob(f"{PREFIX}*")):
        with contextlib.suppress(OSError):
            if _is_leftover(folder):
                shutil.rmtree(folder)
                removed.append(folder)
    return removed


def _is_leftover(folder: Path) -> bool:
    info = folder.lstat()
    if not folder.is_dir() or folder.is_symlink():
        return False
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return False  # another user's: not ours to judge (and not readable anyway)
    try:
        pid = int((folder / OWNER_FILE).read_text(encoding="ascii").strip())
    except FileNotFoundError:
        return time.time() - info.st_mtime > _UNMARKED_AGE
    except ValueError:
        return False
    return pid != os.getpid() and not _alive(pid)


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
