"""Reading a file the user named, bounded: only a regular file, only up to a size cap.

The deployment file, a secret's ``file``, ``[network] ca_bundle`` and the results files ``merge`` reads
are all named by the user. A FIFO would block for ever, ``/dev/zero`` would fill the memory, a directory
or a device is no file at all: each is refused with an :class:`OSError` whose ``strerror`` says why, so
that every caller's existing "cannot read the file (…)" line covers it. The file is opened without
blocking (a FIFO with no writer must not hang the open) and checked on the opened descriptor, so that
what is read is what was checked.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["CA_BUNDLE_LIMIT", "CONFIG_LIMIT", "RESULTS_LIMIT", "SECRET_LIMIT", "FileRefused", "read_bounded"]

CONFIG_LIMIT = 1 << 20  # a deployment file is a few KB; 1 MiB leaves room for thousands of mailboxes
SECRET_LIMIT = 64 << 10  # a refresh token is ~1-2 KB, a client secret 40 characters
CA_BUNDLE_LIMIT = 16 << 20  # a whole system bundle is ~200 KB
RESULTS_LIMIT = 32 << 20  # a results file with capped evidence per result stays far below this (issue 11)

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefused(OSError):
    """Not a regular file, too large, or a path that cannot name a file; ``strerror`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EINVAL, reason)


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them; :class:`OSError` otherwise."""
    text = os.fspath(path)
    if "\0" in text:
        raise FileRefused("the path holds a NUL character")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(text, flags)
    except ValueError as exc:  # a path the OS cannot represent
        raise FileRefused(f"not a usable path ({exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        for test, kind in _KINDS:
            if test(mode):
                raise FileRefused(f"{kind}, not a regular file")
        if not stat.S_ISREG(mode):
            raise FileRefused("not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileRefused(f"larger than {_size(limit)}, more than such a file ever holds")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"
