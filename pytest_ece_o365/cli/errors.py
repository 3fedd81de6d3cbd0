"""How an ``ece-o365`` command fails: one line (never a secret) and pytest's exit codes."""

from __future__ import annotations

USAGE_ERROR = 4  # pytest's exit code for usage errors; the CLI uses the same codes
INTERRUPTED = 2
INTERNAL_ERROR = 3


class CommandError(Exception):
    """A command ends with this one-line message (never a secret) and ``exit_code``."""

    def __init__(self, message: str, exit_code: int = USAGE_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(CommandError):
    """Bad command line, config file or input: exit 4."""

    def __init__(self, message: str) -> None:
        super().__init__(message, USAGE_ERROR)
