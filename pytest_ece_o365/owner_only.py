"""Files and folders only their owner can open: ``ece-o365 login``'s token files, the simulator's work folder
(its TLS key and the ``secrets.*`` scripts of ``ece-o365 sim``). Contract §7.

POSIX: mode 0600 for a file, 0700 for a folder.

Windows: ``icacls PATH /inheritance:r /grant:r DOMAIN\\USER:F`` — inherited entries removed, full control for
the current user only; for a folder the grant is ``(OI)(CI)F``, so that every file created in it inherits
exactly that one entry. icacls is called by its full path under ``%SystemRoot%\\System32``, never looked up
on PATH (a planted ``icacls.exe`` in the working folder must not run). ``mkdtemp``'s own owner-only folder
holds on Windows only from CPython 3.10.15 / 3.11.10 / 3.12.4 (CVE-2024-4030,
https://github.com/python/cpython/issues/118486, checked 2026-12-05), so the ACL is set here on every version.
``/grant:r`` replaces the user's own entries; explicit entries the folder already has stay (``mkdtemp`` on
3.12.4+ adds OWNER RIGHTS, Administrators and SYSTEM), inherited ones go. A failure raises
:class:`OSError`: the restriction is never silently skipped.
"""

from __future__ import annotations

import getpass
import ntpath
import os
import subprocess
import tempfile
from pathlib import Path


def restrict_file(path: Path, *, windows: bool | None = None) -> None:
    """Make the existing file ``path`` readable and writable by the current user only."""
    _restrict(path, 0o600, f"{current_user()}:F", windows)


def restrict_folder(path: Path, *, windows: bool | None = None) -> Path:
    """Make the existing folder ``path`` (and what is created in it, on Windows) the current user's only."""
    _restrict(path, 0o700, f"{current_user()}:(OI)(CI)F", windows)
    return path


def private_temp_folder(prefix: str, *, windows: bool | None = None) -> Path:
    """A new temporary folder that is the current user's only (removed again if it cannot be made so)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return restrict_folder(path, windows=windows)
    except OSError:
        path.rmdir()
        raise


def icacls() -> str:
    """icacls by its full system path (``%SystemRoot%\\System32\\icacls.exe``)."""
    return ntpath.join(os.environ.get("SYSTEMROOT") or r"C:\Windows", "System32", "icacls.exe")


def current_user() -> str:
    """``DOMAIN\\user`` on Windows (icacls resolves it exactly), else the login name."""
    user = getpass.getuser()
    domain = os.environ.get("USERDOMAIN")
    return f"{domain}\\{user}" if domain and os.name == "nt" else user


def _restrict(path: Path, mode: int, grant: str, windows: bool | None) -> None:
    if not (_windows() if windows is None else windows):
        os.chmod(path, mode)
        return
    argv = [icacls(), str(path), "/inheritance:r", "/grant:r", grant]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
        failure = "" if done.returncode == 0 else (done.stderr or done.stdout).strip() or f"exit {done.returncode}"
    except (OSError, subprocess.SubprocessError) as exc:
        failure = str(exc)
    if failure:
        raise OSError(f"could not restrict {path} to {current_user()} with icacls ({failure})")


def _windows() -> bool:
    return os.name == "nt"
