"""Running the checklist through the plugin, in-process, and reading its results file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

Results = dict[tuple[str, str], dict[str, Any]]


def run_plugin(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, Results]:
    """Run the checklist in-process with the given options and return the results file by (check, target)."""
    result = pytester.runpytest(*args, "--ece-json", "r.json")
    data = json.loads(Path(pytester.path, "r.json").read_text(encoding="utf-8"))
    return result, {(row["check"], row["target"]): row for row in data["results"]}
