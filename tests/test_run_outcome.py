"""A whole simulated run's verdict, case note, JUnit properties and the pytest-xdist rule (contract §1, §4,
§5.5), through the simulator as a real network peer, each in a fresh interpreter."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from pytest_ece_o365.plugin import XDIST_REFUSAL


def _json(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _case_note(stdout: str) -> list[str]:
    """The lines after the case note's separator: the end of the terminal run."""
    lines = stdout.rstrip().splitlines()
    start = next(index for index, line in enumerate(lines) if "case note (paste into the support case)" in line)
    return lines[start + 1 :]


Broken = tuple["subprocess.CompletedProcess[str]", Path]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Broken:
    """One ``pytest --ece-simulate=broken`` run with every output, shared by the tests below."""
    where = tmp_path_factory.mktemp("broken")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--ece-simulate=broken", "--ece-json", "r.json",
         "--html", "r.html", "--self-contained-html", "--junitxml", "j.xml"],
        cwd=where, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    return done, where


def test_simulated_run_says_so_and_fails(broken: Broken) -> None:
    _, where = broken
    document = _json(where / "r.json")
    assert document["verdict"] == "FAIL" and document["simulated"] == "broken"
    example = Path(__file__).parent.parent / "pytest_ece_o365" / "example_config.toml"
    assert document["config_sha256"] == hashlib.sha256(example.read_bytes()).hexdigest()
    assert document["command"].startswith("pytest -p no:cacheprovider --ece-simulate=broken --ece-json r.json")


def test_the_terminal_run_ends_with_the_case_note_naming_the_report_and_its_sha256(broken: Broken) -> None:
    done, where = broken
    note = _case_note(done.stdout)
    assert 5 <= len(note) <= 25
    assert note[0] == "ECE <-> Office 365 OAuth check: FAIL (SIMULATED tenant, scenario broken)"
    document = _json(where / "r.json")
    failing = {(row["check"], row["owner"]) for row in document["results"] if row["status"] == "failed"}
    for check, owner in failing:
        assert any(f"FAILED {check}" in line and f"who acts: {owner}" in line for line in note), check
    assert any("mailbox.inbound [support@example.com]" in line for line in note)
    assert f"Config SHA-256 {document['config_sha256']}" in note
    assert f"knowledge tables dated {document['knowledge_date']}" in note[-4]
    sha = hashlib.sha256((where / "r.html").read_bytes()).hexdigest()
    assert note[-1] == f"Report r.html SHA-256 {sha}"  # the file as written, after the page rewrite


def test_junit_and_the_results_file_agree_and_advisories_are_not_plain_passes(broken: Broken) -> None:
    _, where = broken
    document = _json(where / "r.json")
    cases = []
    for case in ElementTree.parse(where / "j.xml").getroot().iter("testcase"):
        properties = {prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")}
        cases.append((properties, case))
    assert {(p["ece_check"], p["ece_target"], p["ece_status"]) for p, _ in cases} == {
        (row["check"], row["target"], row["status"]) for row in document["results"]
    }
    advisories = [(p, case) for p, case in cases if p["ece_status"] == "advisory"]
    assert advisories
    for properties, case in advisories:
        assert case.find("failure") is None  # JUnit has no advisory: a pass, which the property qualifies
        assert properties["ece_cause"] and properties["ece_owner"] and "what to do:" in properties["ece_finding"]
    tls = next(p for p, _ in advisories if p["ece_check"] == "network.tls")
    assert tls["ece_cause"] == "tls-inspection"


def test_xdist_distributing_is_refused_with_one_line(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess("--ece-simulate", "-n", "2", "--ece-json", "r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [f"ERROR: {XDIST_REFUSAL}"]
    assert not (pytester.path / "r.json").exists()  # never a report of a run that executed nothing


def test_xdist_n0_runs_in_process(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess("--ece-simulate", "-n", "0", "--ece-json", "r.json")
    assert result.ret == 0
    document = _json(pytester.path / "r.json")
    assert document["summary"]["passed"] > 20 and document["verdict"] == "PASS"
