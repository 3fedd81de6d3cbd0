"""``ece-o365 merge``: one report for a deployment from each server's results file (the report itself is
:mod:`pytest_ece_o365.report.merge`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_ece_o365.cli.errors import CommandError, UsageError
from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.merge import MergeInputError, label_hosts, merged_document, merged_html, read_run


def run_merge(args: Any) -> int:
    """The command: ``args.inputs``, ``args.html``, ``args.json`` as argparse gives them."""
    paths = [Path(name) for name in args.inputs]
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            raise UsageError(f"{path}: given twice; each server's results file counts once")
        seen.add(path.resolve())
    try:
        runs = label_hosts([read_run(path) for path in paths])
    except MergeInputError as exc:
        raise UsageError(str(exc)) from None
    _write(Path(args.html), merged_html(runs))
    if args.json:
        _write(Path(args.json), json.dumps(merged_document(runs), indent=2, ensure_ascii=False) + "\n")
    return 1 if any(row.status == "failed" for run in runs for row in run.rows) else 0


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The inputs were redacted when written; scrub again: a merged report goes to support cases.
        path.write_text(redact(text), encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
