"""``ece-o365 bundle``: one folder that installs the product on a server with no index (air-gapped ECE servers).

The folder holds the product's wheel and every dependency **for the target's platform and Python**, resolved
with the target's environment markers (``colorama`` for pytest on Windows, ``tomli`` / ``exceptiongroup``
on 3.10 — ``pip download --platform`` alone evaluates the markers for the machine it runs on and misses
them), a hash-pinned ``requirements.txt`` and ``INSTALL.txt`` with the server's exact commands. The resolver
is uv (``uv pip compile --python-platform … --python-version …``; ``pip install uv`` from PyPI, or the
``bundle`` extra); pip downloads each pinned wheel (``--no-deps --only-binary=:all:``). Before it ends the
command proves the folder complete offline: every pin has its file, and uv resolves the product again from
the folder alone (``--no-index --find-links``) for the same target, to the same pins.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_ece_o365.cli.bundle_target import PLATFORMS, PYTHONS, parse_target

HELP = "build an offline install folder (wheels + hash-pinned requirements) for a server's platform and Python"
DESCRIPTION = (
    "Build the product's wheel and download every dependency it needs on the target platform and Python "
    "(resolved with the target's markers by uv), write a hash-pinned requirements.txt and INSTALL.txt with "
    "the server's install command, and check offline that the folder is complete. Needs uv "
    "(python -m pip install uv) and the package index; the server needs neither."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform", default="win_amd64", metavar="TAG", help=f"the server's platform: {PLATFORMS} (default win_amd64)"
    )
    parser.add_argument(
        "--python",
        metavar="X.Y",
        help=f"the server's Python: {', '.join(PYTHONS)} (default: this Python's version)",
    )
    parser.add_argument("--out", metavar="DIR", help="the folder to create (default ./ece-o365-bundle-PLATFORM-pyXY)")
    parser.add_argument(
        "--source",
        metavar="DIR",
        help="the pytest-ece-o365 checkout to build (default: the one this command runs from)",
    )


def run(args: argparse.Namespace) -> int:
    from pytest_ece_o365.cli.bundle_build import build_bundle
    from pytest_ece_o365.cli.errors import UsageError

    target = parse_target(args.platform, args.python)
    out = Path(args.out or f"ece-o365-bundle-{target.platform}-py{target.python.replace('.', '')}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"--out {out}: exists and is not an empty folder; name a new one")
    source = Path(args.source) if args.source else Path(__file__).resolve().parents[2]
    if not (source / "pyproject.toml").is_file() or not (source / "pytest_ece_o365").is_dir():
        raise UsageError(
            f"--source {source}: not a pytest-ece-o365 checkout (no pyproject.toml beside pytest_ece_o365/); "
            "run the command from a checkout or name one with --source"
        )
    summary = build_bundle(target, source, out)
    print(summary)
    return 0
