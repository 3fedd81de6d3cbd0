"""The pre-commit hook (``.pre-commit-hooks.yaml``): the static checks on each changed deployment file.

pre-commit passes the changed files as arguments; pytest takes one ``--ece-config`` per run, so this runs
``pytest --ece-config FILE -m static`` once per deployment file (no network, no secret needed) and fails
when any run fails. TOML files that are not deployment files (``pyproject.toml``, ``ruff.toml``) are
passed over: a deployment file has an ``[ece]``, ``[azure_ad]`` or ``[[mailboxes]]`` table, or a
``#:schema`` line naming ``deployment.schema.json``. Each run starts in an empty folder with an empty
ini file, so the repository's own pytest settings and files play no part.

Usage: ``python -m pytest_ece_o365.cli.precommit FILE...``
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

_DEPLOYMENT = re.compile(
    r"^\s*(\[\s*ece\s*\]|\[\s*azure_ad\s*\]|\[\[\s*mailboxes\s*\]\]|#:schema\s+\S*deployment\.schema\.json)",
    re.MULTILINE,
)
_READ_LIMIT = 1024 * 1024  # a deployment file is a few KB


def is_deployment_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            text = handle.read(_READ_LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return True  # let the run say what is wrong with it
    return _DEPLOYMENT.search(text) is not None


def main(argv: Sequence[str] | None = None) -> int:
    files = [Path(name) for name in (sys.argv[1:] if argv is None else argv)]
    worst = 0
    with tempfile.TemporaryDirectory(prefix="ece-o365-precommit-") as scratch:
        ini = Path(scratch) / "pytest.ini"
        ini.write_text("[pytest]\n", encoding="utf-8")
        for path in files:
            if not is_deployment_file(path):
                continue
            print(f"ece-o365: static checks of {path}", flush=True)
            argv_run = [sys.executable, "-m", "pytest", "-c", str(ini), "-p", "no:cacheprovider", "-q",
                        "--ece-config", str(path.resolve()), "-m", "static"]  # fmt: skip
            done = subprocess.run(argv_run, cwd=scratch, check=False)
            worst = max(worst, done.returncode)
    return worst


if __name__ == "__main__":
    sys.exit(main())
