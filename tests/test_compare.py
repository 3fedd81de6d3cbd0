"""``--ece-compare PREVIOUS.json`` (contract §1): what is new, still failing, fixed and not checked again, by
(check, target, cause) — in the results file, the HTML report, a terminal line and the case note; on the
pytest run (real simulated runs) and on ``ece-o365 report``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365.cli import main
from pytest_ece_o365.report.compare import PreviousRun, compare
from pytest_ece_o365.report.results import ResultRow


def row(check: str, target: str, status: Any, cause: str = "") -> ResultRow:
    return ResultRow(check, target, status, "", check, "", cause=cause)


def test_each_kind_by_check_target_and_cause() -> None:
    before = (
        row("network.dns", "smtp.office365.com", "failed", "dns-nxdomain"),  # passes now: fixed
        row("token.refresh", "a@x", "failed", "aadsts-700082"),  # another cause now: fixed, and that one new
        row("mailbox.inbound", "a@x", "failed", "imap-not-connected"),  # still failing
        row("network.tls", "login.microsoftonline.com:443", "advisory", "tls-inspection"),  # skipped now
        row("license.exchange", "b@x", "failed", "licence-no-license"),  # not in this run
        row("network.tcp", "outlook.office365.com:993", "passed"),
    )
    now = [
        row("network.dns", "smtp.office365.com", "passed"),
        row("token.refresh", "a@x", "failed", "aadsts-50173"),
        row("mailbox.inbound", "a@x", "failed", "imap-not-connected"),
        row("network.tls", "login.microsoftonline.com:443", "skipped"),
        row("network.tcp", "outlook.office365.com:993", "advisory", "tcp-slow"),  # new
    ]
    result = compare(PreviousRun("old.json", "2026-12-01T10:00:00Z", "ece-svc01", before), now)

    def keys(kind: str) -> list[tuple[str, str, str, str, str]]:
        return [(c.check, c.target, c.cause, c.status, c.now) for c in result.of(kind)]

    assert keys("new") == [
        ("token.refresh", "a@x", "aadsts-50173", "failed", ""),
        ("network.tcp", "outlook.office365.com:993", "tcp-slow", "advisory", ""),
    ]
    assert keys("still_failing") == [("mailbox.inbound", "a@x", "imap-not-connected", "failed", "")]
    assert keys("fixed") == [
        ("network.dns", "smtp.office365.com", "dns-nxdomain", "failed", "passed"),
        ("token.refresh", "a@x", "aadsts-700082", "failed", "failed"),
    ]
    assert keys("not_checked_again") == [
        ("network.tls", "login.microsoftonline.com:443", "tls-inspection", "advisory", "skipped"),
        ("license.exchange", "b@x", "licence-no-license", "failed", ""),
    ]
    assert result.counts() == "2 new, 1 still failing, 2 fixed, 2 not checked again"
    document = result.as_json()
    assert document["previous"] == {"file": "old.json", "generated": "2026-12-01T10:00:00Z", "host": "ece-svc01"}
    assert document["fixed"][0] == {"check": "network.dns", "target": "smtp.office365.com", "cause": "dns-nxdomain",
                                    "status": "failed", "now": "passed"}  # fmt: skip


def _json(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _finding_keys(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (r["check"], r["target"], r["cause"])
        for r in document["results"]
        if r["status"] in ("failed", "advisory", "waived")
    }


def _keys(changes: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    return {(c["check"], c["target"], c["cause"]) for c in changes}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A broken run, then a healthy one compared with it, then a broken one without network checks compared
    with the healthy one and then with the broken one."""
    import subprocess
    import sys

    where = tmp_path_factory.mktemp("compare")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                              cwd=where, capture_output=True, text=True, timeout=300)  # fmt: skip

    assert run("--ece-simulate=broken", "--ece-json", "broken.json").returncode == 1
    healthy = run("--ece-simulate", "--ece-compare", "broken.json", "--ece-json", "healthy.json",
                  "--html", "healthy.html", "--self-contained-html")  # fmt: skip
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    (where / "healthy.out").write_text(healthy.stdout, encoding="utf-8")
    again = run(
        "--ece-simulate=broken", "-m", "not network", "--ece-compare", "broken.json", "--ece-json", "again.json"
    )
    assert again.returncode == 1, again.stdout + again.stderr
    return where


def test_a_healthy_run_after_a_broken_one_says_every_finding_is_fixed(runs: Path) -> None:
    broken, healthy = _json(runs / "broken.json"), _json(runs / "healthy.json")
    comparison = healthy["comparison"]
    assert comparison["previous"] == {"file": "broken.json", "generated": broken["generated"], "host": broken["host"]}
    assert _keys(comparison["fixed"]) == _finding_keys(broken) and len(comparison["fixed"]) >= 8
    assert comparison["new"] == comparison["still_failing"] == comparison["not_checked_again"] == []
    line = f"Since the run of {broken['generated']} (broken.json, host {broken['host']}): 0 new, 0 still failing, "
    line += f"{len(comparison['fixed'])} fixed, 0 not checked again"
    out = (runs / "healthy.out").read_text(encoding="utf-8")
    assert f"ece-o365: {line}" in out  # the terminal line
    note = out[out.index("case note (paste into the support case)") :]
    assert line in note.splitlines()  # and the case note's
    html = (runs / "healthy.html").read_text(encoding="utf-8")
    section = html[html.index("<h2 id='ece-comparison'>Since the previous run</h2>") : html.index("<h2>Findings</h2>")]
    assert f"{len(comparison['fixed'])} fixed: findings of the previous run" in section
    assert "FIXED" not in section and "network.dns</span>" not in section
    assert "network.dns for smtp.office365.com — cause <code>dns-nxdomain</code> (now passed)" in section


def test_checks_not_run_again_are_not_called_fixed(runs: Path) -> None:
    broken, again = _json(runs / "broken.json"), _json(runs / "again.json")
    comparison = again["comparison"]
    network = {key for key in _finding_keys(broken) if key[0].startswith("network.")}
    assert network and _keys(comparison["not_checked_again"]) == network
    assert _keys(comparison["still_failing"]) == _finding_keys(broken) - network
    assert comparison["fixed"] == []
    # Without network.dns in the run, the mailbox sessions that met its cause report it themselves: new by
    # (check, target, cause), with the cause network.dns had.
    new = _keys(comparison["new"])
    assert new == _finding_keys(again) - _finding_keys(broken)
    assert {cause for _, _, cause in new} == {"dns-nxdomain"} and (
        "network.dns",
        "smtp.office365.com",
        "dns-nxdomain",
    ) in network


def test_ece_o365_report_compares_too(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = runs / "rerendered.html"
    assert (
        main(["report", str(runs / "broken.json"), "--html", str(out), "--ece-compare", str(runs / "healthy.json")])
        == 1
    )
    printed = capsys.readouterr().out
    count = len(_finding_keys(_json(runs / "broken.json")))
    assert f"): {count} new, 0 still failing, 0 fixed, 0 not checked again" in printed
    html = out.read_text(encoding="utf-8")
    assert f"{count} new: findings the previous run did not have" in html


def test_a_bad_previous_file_stops_the_run_before_it_starts(pytester: pytest.Pytester) -> None:
    (pytester.path / "previous.json").write_text('{"schema": "pytest-ece-o365/results/1", "results": []', "utf-8")
    result = pytester.runpytest_subprocess("--ece-simulate", "--ece-compare", "previous.json", "--ece-json", "r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.stderr.lines if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ERROR: --ece-compare ") and "previous.json" in lines[0], lines
    assert "collected" not in result.stdout.str() and not (pytester.path / "r.json").exists()
