"""The target of ``ece-o365 bundle``: a server's platform (as in a wheel's file name) and Python version, and
what uv and pip are told for it. Standard library only (the command's parser is built from it)."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

PYTHONS = ("3.10", "3.11", "3.12", "3.13")
_MANYLINUX = re.compile(r"manylinux_2_(17|28|3[1-9]|40)_(x86_64|aarch64)")
_WINDOWS = {"win_amd64": "x86_64-pc-windows-msvc", "win_arm64": "aarch64-pc-windows-msvc"}
PLATFORMS = "win_amd64, win_arm64, manylinux_2_NN_x86_64 / _aarch64 (NN 17, 28, 31-40) or current"


@dataclass(frozen=True)
class Target:
    """Where the bundle installs: ``platform`` as in a wheel's file name (``current``: this machine)."""

    platform: str
    python: str

    @property
    def uv_platform(self) -> str | None:
        """uv's ``--python-platform`` value (None: this machine's)."""
        if self.platform in _WINDOWS:
            return _WINDOWS[self.platform]
        match = _MANYLINUX.fullmatch(self.platform)
        return f"{match.group(2)}-manylinux_2_{match.group(1)}" if match else None

    @property
    def pip_platforms(self) -> list[str]:
        """pip's ``--platform`` values: a manylinux target also takes wheels for older glibc (pip does not widen
        an explicit ``--platform`` itself). Empty: this machine's."""
        match = _MANYLINUX.fullmatch(self.platform)
        if not match:
            return [] if self.platform == "current" else [self.platform]
        glibc, arch = int(match.group(1)), match.group(2)
        tags = [f"manylinux_2_{minor}_{arch}" for minor in range(glibc, 16, -1)]
        return [*tags, f"manylinux2014_{arch}"]

    @property
    def label(self) -> str:
        return f"{self.platform} / Python {self.python}"

    @property
    def windows(self) -> bool:
        return self.platform.startswith("win") or (self.platform == "current" and sys.platform == "win32")


def parse_target(platform: str, python: str | None) -> Target:
    """The target from the command line; :class:`UsageError` (one line) when it is not one the bundle supports."""
    from pytest_ece_o365.cli.errors import UsageError

    if platform not in _WINDOWS and platform != "current" and not _MANYLINUX.fullmatch(platform):
        raise UsageError(f"--platform {platform!r} is not supported: use {PLATFORMS}")
    version = python or f"{sys.version_info[0]}.{sys.version_info[1]}"
    if version not in PYTHONS:
        raise UsageError(f"--python {version!r} is not supported: use one of {', '.join(PYTHONS)}")
    return Target(platform, version)
