"""One finding model (issue 11, contract §4, §5): in a real simulated run with a waived finding and a waiver
that matches nothing, the set of (check, target, status) is the same in the terminal (-v), the pytest-html
report, the results file, JUnit XML and the report ``ece-o365 report`` renders from that file; advisory
and waived are never "passed" in pytest-html's counts nor plain passes in JUnit; the unused waiver is
reported everywhere it can be; no secret the simulator minted is in any byte of any output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from html_run import RECORDER

WAIVERS = """
[[waivers]]
check = "network.tls"
target = "login.microsoftonline.com:443"
reason = "Proxy exemption requested in CHG0042"
expires = 2999-12-31

[[waivers]]
check = "mailbox.inbound"
target = "nobody@example.com"
reason = "A target no mailbox has"
expires = 2999-12-31
"""


Key = tuple[str, str, str]


class Run:
    def __init__(self, where: Path, stdout: str, report_stdout: str) -> None:
        self.where = where
        self.stdout = stdout
        self.report_stdout = report_stdout
        self.results: dict[str, Any] = json.loads((where / "r.json").read_text(encoding="utf-8"))
        self.html = (where / "r.html").read_text(encoding="utf-8")
        self.again = (where / "again.html").read_text(encoding="utf-8")
        self.secrets: list[str] = json.loads((where / "secrets.json").read_text(encoding="utf-8"))

    def by_nodeid(self) -> dict[str, tuple[str, str]]:
        return {row["nodeid"]: (row["check"], row["target"]) for row in self.results["results"]}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    where = tmp_path_factory.mktemp("one-model")
    example = (resources.files("pytest_ece_o365") / "example_config.toml").read_text(encoding="utf-8")
    (where / "prod.toml").write_text(example + WAIVERS, encoding="utf-8")
    (where / "conftest.py").write_text(RECORDER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--ece-config", "prod.toml", "--ece-simulate=broken",
         "-v", "-rA", "--ece-json", "r.json", "--html", "r.html", "--self-contained-html", "--junitxml", "j.xml"],
        cwd=where, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    again = subprocess.run(
        [sys.executable, "-m", "pytest_ece_o365.cli", "report", "r.json", "--html", "again.html"],
        cwd=where, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 1, again.stdout + again.stderr
    return Run(where, done.stdout + done.stderr, again.stdout + again.stderr)


def test_the_same_results_everywhere(run: Run) -> None:
    expected: set[Key] = {(row["check"], row["target"], row["status"]) for row in run.results["results"]}
    assert {status for _, _, status in expected} == {"passed", "failed", "advisory", "waived", "skipped"}
    ids = run.by_nodeid()

    terminal = {
        (*ids[nodeid], word.lower())
        for nodeid, word in re.findall(r"^(\S+::\S+) (PASSED|FAILED|ADVISORY|WAIVED|SKIPPED)\b", run.stdout, re.M)
    }
    assert terminal == expected

    blob = re.search(r'data-jsonblob="([^"]*)"', run.html)
    assert blob
    tests = json.loads(unescape(blob.group(1)))["tests"]
    pytest_html = set()
    for nodeid, reports in tests.items():
        cells = "".join(reports[-1]["resultsTableRow"])
        status = re.search(r'<td class="col-ecestatus">(\w+)</td>', cells)
        assert status, cells
        pytest_html.add((*ids[nodeid], status.group(1)))
        assert reports[-1]["result"].lower() == status.group(1)  # pytest-html's own word: never "Passed"
    assert pytest_html == expected

    junit = set()
    for case in ElementTree.parse(run.where / "j.xml").getroot().iter("testcase"):
        properties = {prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")}
        junit.add((properties["ece_check"], properties["ece_target"], properties["ece_status"]))
    assert junit == expected

    table = run.again[run.again.index("<table class='ece-results'>") :]
    rerendered = {
        (unescape(check), unescape(target), status)
        for status, check, target in re.findall(r"<tr class='ece-(\w+)'><td>([^<]+)<br><small>.*?</small></td><td>([^<]*)</td>", table)
    }  # fmt: skip
    assert rerendered == expected


def test_advisory_and_waived_are_not_passed_in_pytest_html_counts(run: Run) -> None:
    summary = run.results["summary"]
    assert summary["waived"] == 1 and summary["advisory"] >= 2
    assert f'<span class="passed">{summary["passed"]} Passed,</span>' in run.html
    assert f'<span class="advisory">{summary["advisory"]} Advisory,</span>' in run.html
    assert f'<span class="waived">{summary["waived"]} Waived,</span>' in run.html


def test_waived_and_advisory_in_junit_carry_their_status_and_finding(run: Run) -> None:
    for case in ElementTree.parse(run.where / "j.xml").getroot().iter("testcase"):
        properties = {prop.get("name", ""): prop.get("value", "") for prop in case.iter("property")}
        if properties["ece_status"] in ("advisory", "waived"):
            assert case.find("failure") is None and case.find("skipped") is None
            assert properties["ece_cause"] and properties["ece_owner"] and "what to do:" in properties["ece_finding"]
    waived = [row for row in run.results["results"] if row["status"] == "waived"]
    assert [(row["check"], row["target"], row["cause"]) for row in waived] == [
        ("network.tls", "login.microsoftonline.com:443", "tls-inspection")
    ]


def test_a_waiver_that_matches_nothing_is_reported(run: Run) -> None:
    assert run.results["unused_waivers"] == [
        {"check": "mailbox.inbound", "target": "nobody@example.com", "expires": "2999-12-31",
         "reason": "A target no mailbox has"}
    ]  # fmt: skip
    assert (
        "ece-o365: the waiver for mailbox.inbound [nobody@example.com], expiring 2999-12-31, matched no" in run.stdout
    )
    for html in (run.html, run.again):
        section = html[html.index("<h2>Waivers that matched no finding</h2>") :]
        assert "mailbox.inbound for nobody@example.com, expiring 2999-12-31: A target no mailbox has" in section


def test_no_secret_in_any_byte_of_any_output(run: Run) -> None:
    assert len(run.secrets) >= 3
    outputs = {name: (run.where / name).read_bytes() for name in ("r.json", "r.html", "j.xml", "again.html")}
    outputs["terminal"] = run.stdout.encode()
    outputs["ece-o365 report"] = run.report_stdout.encode()
    leaks = [(name, secret[:6]) for name, data in outputs.items() for secret in run.secrets if secret.encode() in data]
    assert leaks == []


def test_token_times_in_the_evidence_are_also_iso_8601_utc(run: Run) -> None:
    import datetime as dt

    lines = [line for row in run.results["results"] for line in row["evidence"] if re.match(r"claim (iat|exp):", line)]
    assert lines  # the short token lifetime's evidence shows them
    for line in lines:
        found = re.fullmatch(r"claim (?:iat|exp): (\d+) \((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)", line)
        assert found, line
        when = dt.datetime.fromtimestamp(int(found.group(1)), dt.timezone.utc)
        assert when.strftime("%Y-%m-%dT%H:%M:%SZ") == found.group(2)
