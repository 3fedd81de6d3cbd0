"""Secrets as a type: a value that never shows itself, and where it comes from."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from pytest_ece_o365 import redact
from pytest_ece_o365.files import SECRET_LIMIT, read_bounded


class Secret:
    """A client secret, refresh token, access token or authorization code.

    ``str()`` and ``repr()`` are ``[redacted]``; only :meth:`reveal` gives the value, and it is meant to be
    called at the socket or HTTP call that needs it. Revealed values are remembered by
    :mod:`pytest_ece_o365.redact` so that any echo of them in a transcript is masked too.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        redact.remember(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({redact.REDACTED})"

    def __str__(self) -> str:
        return redact.REDACTED

    def __format__(self, spec: str) -> str:
        return redact.REDACTED

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


def _decode(raw: bytes) -> str:
    """A secret file's text: UTF-8 (with or without a BOM), or UTF-16 with its BOM — what Windows
    PowerShell 5.1's ``echo … > file`` writes."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


class SecretUnavailable(Exception):
    """The secret's source is missing or empty; the message says which source, never a value."""


@dataclass(frozen=True)
class SecretRef:
    """Where a secret comes from, as the config file says: an environment variable or a file."""

    key_path: str
    env: str | None = None
    file: Path | None = None

    def describe(self) -> str:
        if self.env is not None:
            return f"environment variable {self.env}"
        return f"file {self.file}"

    def load(self) -> Secret:
        """Read the secret now; raise :class:`SecretUnavailable` naming the source when it is not there."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise SecretUnavailable(f"{self.key_path}: {self.describe()} is not set")
        else:
            assert self.file is not None
            try:
                value = _decode(read_bounded(self.file, SECRET_LIMIT))
            except OSError as exc:
                raise SecretUnavailable(
                    f"{self.key_path}: cannot read {self.describe()} ({exc.strerror or exc})"
                ) from None
            except UnicodeDecodeError:
                raise SecretUnavailable(f"{self.key_path}: {self.describe()} is not text (UTF-8 or UTF-16)") from None
        value = value.strip()
        if "\0" in value:  # not a secret's text: a binary file, or a path that named the wrong thing
            raise SecretUnavailable(f"{self.key_path}: {self.describe()} is not text (it holds a NUL byte)")
        if not value:
            raise SecretUnavailable(f"{self.key_path}: {self.describe()} is empty")
        return Secret(value)


class SecretSource:
    """Where a run's secrets come from: the environment and files the config names, unless the run
    supplies them itself (the simulator mints its own and hands them over in memory, by key path)."""

    def __init__(self, supplied: dict[str, Secret] | None = None) -> None:
        self._supplied = dict(supplied or {})

    def get(self, ref: SecretRef) -> Secret:
        """The secret ``ref`` names; raise :class:`SecretUnavailable` saying which source is missing."""
        supplied = self._supplied.get(ref.key_path)
        return supplied if supplied is not None else ref.load()
