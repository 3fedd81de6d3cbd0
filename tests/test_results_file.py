"""The one bounded reader of results files (report/results_file.py) that ``ece-o365 report``, ``merge`` and
``--ece-compare`` share: whatever is wrong with a file is one exit-4 line naming it, never a traceback,
and what it cannot bound never reaches ``json.loads``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ece_o365.cli import main
from pytest_ece_o365.report import results_file
from pytest_ece_o365.report.results import ResultRow, RunInfo, results_document
from pytest_ece_o365.report.results_file import (
    MAX_BYTES,
    MAX_DEPTH,
    ResultsFileError,
    nesting_depth,
    read_results,
)

ROWS = [
    ResultRow("network.dns", "smtp.office365.com", "failed", "Network connectivity", "Host name resolves",
              "NXDOMAIN", "fix DNS", "network", cause="dns-nxdomain"),
    ResultRow("network.tcp", "outlook.office365.com:993", "passed", "Network connectivity", "TCP", "open"),
]  # fmt: skip


def document(rows: list[ResultRow] = ROWS) -> dict[str, Any]:
    info = RunInfo("ece-svc01", ("services",), "Contoso", "12.6(1)", ("ES10",), "example.onmicrosoft.com")
    return results_document(info, rows)


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ResultsFileError) as caught:
        read_results(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_a_good_file_is_read_with_its_rows_and_provenance(tmp_path: Path) -> None:
    doc = document()
    doc["interrupted"] = True
    read = read_results(write(tmp_path / "r.json", doc))
    assert [(row.check, row.target, row.status, row.cause) for row in read.rows] == [
        ("network.dns", "smtp.office365.com", "failed", "dns-nxdomain"),
        ("network.tcp", "outlook.office365.com:993", "passed", ""),
    ]
    assert read.info.host == "ece-svc01" and read.info.tenant == "example.onmicrosoft.com"
    assert read.interrupted and read.info.interrupted
    assert read.as_previous("old.json").rows == tuple(read.rows)


def test_a_bom_written_by_a_windows_editor_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document()).encode())
    assert read_results(path).info.host == "ece-svc01"


def test_not_a_regular_file(tmp_path: Path) -> None:
    assert "a directory, not a regular file" in refusal(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFO")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "r.json"
    os.mkfifo(fifo)
    assert "a FIFO (named pipe), not a regular file" in refusal(fifo)


def test_more_than_32_mb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    with path.open("wb") as file:
        file.truncate(MAX_BYTES + 1)  # sparse: nothing is written, and nothing is read
    assert "larger than 32 MiB" in refusal(path)


def test_nul_bytes_and_non_utf8_are_refused(tmp_path: Path) -> None:
    nul = tmp_path / "nul.json"
    nul.write_bytes(json.dumps(document()).encode()[:-1] + b"\0}")
    assert "NUL bytes" in refusal(nul)
    latin = tmp_path / "latin.json"
    latin.write_bytes(json.dumps(document()).replace("Contoso", "Contoso \xe9").encode("latin-1"))
    assert "not UTF-8 text" in refusal(latin)


def test_100000_nested_brackets_never_reach_the_parser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("json.loads was reached")

    monkeypatch.setattr(results_file.json, "loads", never)
    assert "nested deeper than 64 levels" in refusal(path)


def test_nesting_is_measured_outside_strings_and_exactly() -> None:
    assert nesting_depth('{"a": [1, {"b": "[[[[{{{{"}], "c": "\\"[["}') == 3
    assert nesting_depth("[" * MAX_DEPTH + "]" * MAX_DEPTH) == MAX_DEPTH
    assert nesting_depth("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)) == MAX_DEPTH + 1
    assert nesting_depth('"' + "\\" + '"' * 3 + "[[[") == 3  # an escaped quote does not end the string


def test_64_levels_are_read_and_65_refused(tmp_path: Path) -> None:
    doc = document()
    doc["extra"] = json.loads("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))  # + the document's own level
    assert read_results(write(tmp_path / "ok.json", doc)).rows
    doc["extra"] = [doc["extra"]]
    assert "nested deeper" in refusal(write(tmp_path / "deep.json", doc))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc: doc.update(schema="pytest-ece-o365/merged/1"), "schema is 'pytest-ece-o365/merged/1'"),
        (lambda doc: doc.update(results=[]), "the run executed no check"),
        (lambda doc: doc["results"][0].update(status="x" * 500), "results[0].status is 'xxxx"),
        (lambda doc: doc.update(interrupted="yes"), "interrupted should be true or false"),
        (lambda doc: doc.update(generated="yesterday"), "generated is 'yesterday'"),
        (lambda doc: doc.update(unused_waivers=[1]), "unused_waivers should be a list of objects"),
        (lambda doc: doc["results"][1].update(blocked_by="network.dns"), "results[1].blocked_by"),
    ],
)
def test_a_wrong_schema_is_one_line(tmp_path: Path, change: Any, message: str) -> None:
    doc = document()
    change(doc)
    text = refusal(write(tmp_path / "r.json", doc))
    assert message in text and len(text) < 300


def test_ece_o365_report_refuses_each_in_one_line_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000, encoding="utf-8")
    empty = write(tmp_path / "empty.json", document([]))
    good = write(tmp_path / "good.json", document())
    for argv in (
        ["report", str(deep), "--html", str(tmp_path / "o.html")],
        ["report", str(empty), "--html", str(tmp_path / "o.html")],
        ["report", str(good), "--html", str(tmp_path / "o.html"), "--ece-compare", str(deep)],
        ["report", str(good), "--html", str(good)],
    ):
        assert main(argv) == 4
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("ece-o365: error: ") and "Traceback" not in err, err
    assert not (tmp_path / "o.html").exists()
    assert json.loads(good.read_text(encoding="utf-8"))["schema"]  # the input was not overwritten


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(["schema", "host", "roles", "deployment", "generated", "results", "tool", "verdict",
                         "command", "interrupted", "unused_waivers"]),
    row_key=st.sampled_from(["check", "target", "status", "evidence", "blocked_by", "duration_s", "owner"]),
    value=JSON_VALUES,
)  # fmt: skip
def test_any_value_in_any_place_is_read_or_one_line(tmp_path: Path, key: str, row_key: str, value: Any) -> None:
    for place in ("top", "row"):
        doc = document()
        if place == "top":
            doc[key] = value
        else:
            doc["results"][0][row_key] = value
        path = write(tmp_path / f"{place}.json", doc)
        try:
            read_results(path)
        except ResultsFileError as exc:
            assert "\n" not in str(exc)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_any_bytes_are_read_or_one_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(data)
    try:
        read_results(path)
    except ResultsFileError as exc:
        assert "\n" not in str(exc)
