"""Hypothesis fuzz of ``ece-o365 merge`` inputs (issue 12): whatever a results file holds, merge exits 0
or 1 with a report, or 4 with one line naming the file — never an internal error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ece_o365.cli import main
from pytest_ece_o365.report.results import ResultRow, RunInfo, results_document

INFO = RunInfo("ece-svc01", ("services",), "Contoso", "12.6(1)", ("ES10",), "example.onmicrosoft.com")
ROWS = [
    ResultRow("network.dns", "outlook.office365.com", "passed", "Network connectivity", "DNS", "ok"),
    ResultRow("token.refresh", "support@example.com", "failed", "Token generation", "Refresh", "AADSTS700082",
              "sign in again", "ece-admin", cause="aadsts-700082", doc="https://learn.microsoft.com/"),
]  # fmt: skip
BASE = results_document(INFO, ROWS)
TOP_KEYS = [*sorted(BASE), "interrupted"]
ROW_KEYS = [*sorted(ROWS[1].as_json()), "blocked_by", "setting"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
mutation = st.tuples(
    st.sampled_from(["top", "row", "deployment", "drop-top", "drop-row"]), st.integers(0, 40), json_values
)


def mutated(changes: list[tuple[str, int, Any]]) -> dict[str, Any]:
    document = json.loads(json.dumps(BASE))
    for where, index, value in changes:
        rows = document.get("results")
        row = rows[index % len(rows)] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else None
        if where == "top":
            document[TOP_KEYS[index % len(TOP_KEYS)]] = value
        elif where == "drop-top":
            document.pop(TOP_KEYS[index % len(TOP_KEYS)], None)
        elif where == "deployment" and isinstance(document.get("deployment"), dict):
            document["deployment"][["name", "ece_version", "engineering_specials", "tenant"][index % 4]] = value
        elif row is not None and where == "row":
            row[ROW_KEYS[index % len(ROW_KEYS)]] = value
        elif row is not None and where == "drop-row":
            row.pop(ROW_KEYS[index % len(ROW_KEYS)], None)
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(mutation, min_size=1, max_size=4))
def test_a_mutated_results_file_merges_or_gives_one_exit_4_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], changes: list[tuple[str, int, Any]]
) -> None:
    path = tmp_path / "svc.json"
    path.write_text(json.dumps(mutated(changes)), encoding="utf-8")
    capsys.readouterr()
    code = main(["merge", str(path), "--html", str(tmp_path / "m.html")])
    err = capsys.readouterr().err
    assert code in (0, 1, 4), err
    if code == 4:
        assert err.count("\n") == 1 and "svc.json" in err, err
