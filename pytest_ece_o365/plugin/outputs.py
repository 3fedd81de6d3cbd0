"""The run's output files checked before anything runs: a report that cannot be written is a usage error
(exit 4, one line), not pytest's traceback after every check has passed.

``--ece-json``, ``--junitxml`` and ``--html`` are each checked the same way: the path is not a folder,
and the nearest folder that exists on its way (pytest and pytest-html create the missing ones) lets this
user create a file — tried for real with a temporary file, because permission bits do not tell about a
read-only file system, an ACL or a full quota.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from pytest_ece_o365.printable import printable

#: (option as typed, pytest's attribute for it)
OUTPUTS = (("--ece-json", "ece_json"), ("--junitxml", "xmlpath"), ("--html", "htmlpath"))


def check_outputs(config: pytest.Config) -> None:
    """Raise :class:`pytest.UsageError` for the first output file that cannot be written."""
    for option, attribute in OUTPUTS:
        value = getattr(config.option, attribute, None)
        if value:
            problem = unwritable(config.invocation_params.dir / os.path.expanduser(str(value)))
            if problem:
                raise pytest.UsageError(printable(f"ece-o365: cannot write {option} {value}: {problem}"))


def unwritable(path: Path) -> str:
    """Why ``path`` cannot be written, or "" when it can."""
    if path.is_dir():
        return "it is a folder"
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".ece-o365-"):
            pass
    except OSError as exc:
        return f"the folder {folder} is not writable ({exc.strerror or exc})"
    return ""
