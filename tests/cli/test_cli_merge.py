"""``ece-o365 merge``: one report for the deployment from per-server results files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365.cli import main
from pytest_ece_o365.report.results import ResultRow, RunInfo, results_document

WHEN = dt.datetime(2026, 11, 28, 14, 0, tzinfo=dt.timezone.utc)


def document(host: str, roles: tuple[str, ...], rows: list[ResultRow], name: str = "Contoso (prod)") -> dict[str, Any]:
    info = RunInfo(host, roles, name, "12.6(1)", ("ES10",), "example.onmicrosoft.com", WHEN)
    return results_document(info, rows)


def row(
    check: str, target: str, status: Any, detail: str = "", owner: str | None = None, section: str = ""
) -> ResultRow:
    return ResultRow(check, target, status, section or "Network connectivity", check, detail,
                     remediation="do it" if owner else "", owner=owner)  # fmt: skip


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def merge(*argv: str | Path) -> int:
    return main(["merge", *map(str, argv)])


SVC = [
    row("network.dns", "outlook.office365.com", "passed"),
    row("token.refresh", "support@example.com", "failed", "AADSTS700082 <expired>", "ece-admin", "Token generation"),
]
APP = [
    row("network.tls", "login.microsoftonline.com:443", "advisory", "TLS inspected by Contoso", "network"),
    row("future.check", "x", "failed", "a check from a newer version", "network", "Something new"),
]


def test_merged_html_has_every_host_and_findings_with_their_host(tmp_path: Path) -> None:
    svc = write(tmp_path / "svc.json", document("ece-svc01", ("services",), SVC))
    app = write(tmp_path / "app.json", document("ece-app01", ("application",), APP))
    assert merge(svc, app, "--html", tmp_path / "out" / "m.html", "--json", tmp_path / "m.json") == 1
    page = (tmp_path / "out" / "m.html").read_text(encoding="utf-8")
    assert "<title>ECE ↔ Office 365 OAuth check — Contoso (prod)</title>" in page
    assert "<dt>Roles</dt><dd>services</dd><dt>Host</dt><dd>ece-svc01</dd>" in page  # provenance per host
    assert "<dt>Roles</dt><dd>application</dd><dt>Host</dt><dd>ece-app01</dd>" in page
    finding = page[page.index("<h2>Findings</h2>") :]
    token = finding[finding.index("FAILED</span> token.refresh") :]
    assert token.index("<dt>Target</dt><dd>support@example.com</dd><dt>Seen from</dt><dd>ece-svc01</dd>") < 200
    tls = finding[finding.index("ADVISORY</span> network.tls") :]
    assert tls.index("<dd>login.microsoftonline.com:443</dd><dt>Seen from</dt><dd>ece-app01</dd>") < 200
    assert "FAILED</span> future.check" in finding  # unknown id: still shown, last
    assert "AADSTS700082 &lt;expired&gt;" in page
    assert "<li class='ece-s-failed'>2 failed</li>" in page and "<li class='ece-s-passed'>1 passed</li>" in page
    per_host = page[page.index("Results per host") :]
    assert "ece-svc01 — services" in per_host and "ece-app01 — application" in per_host
    assert "<script" not in page

    merged = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert merged["schema"] == "pytest-ece-o365/merged/1"
    assert merged["deployment"] == {"name": "Contoso (prod)", "other_names": []}
    assert [h["host"] for h in merged["hosts"]] == ["ece-svc01", "ece-app01"]
    assert merged["summary"] == {"passed": 1, "failed": 2, "advisory": 1, "waived": 0, "skipped": 0}
    assert merged["failed"] is True
    assert merged["runs"][0]["host"] == "ece-svc01" and merged["runs"][1]["results"][0]["check"] == "network.tls"


def test_exit_0_without_failures_and_names_are_escaped(tmp_path: Path) -> None:
    evil = "<script>alert('x')</script> & Co"
    svc = write(tmp_path / "svc.json", document("ece-svc01", ("services",), SVC[:1], name=evil))
    app = write(tmp_path / "app.json", document("<b>app</b>", ("application",), APP[:1], name="Other name"))
    assert merge(svc, app, "--html", tmp_path / "m.html") == 0  # an advisory alone does not fail
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<b>app" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in page
    assert "&lt;b&gt;app&lt;/b&gt;" in page
    assert "do not agree on the deployment name" in page and "Other name" in page


def test_secrets_in_an_input_are_redacted(tmp_path: Path) -> None:
    leaky = [row("token.refresh", "a@example.com", "failed", "sent refresh_token=0.AAAAsecretvalue", "ece-admin")]
    doc = document("h", ("services",), leaky)
    doc["results"][0]["detail"] = "sent refresh_token=0.AAAAsecretvalue"  # as if written by a buggy version
    path = write(tmp_path / "r.json", doc)
    assert merge(path, "--html", tmp_path / "m.html", "--json", tmp_path / "m.json") == 1
    for out in ("m.html", "m.json"):
        assert "0.AAAAsecretvalue" not in (tmp_path / out).read_text(encoding="utf-8")


def test_same_host_twice_is_told_apart_by_file(tmp_path: Path) -> None:
    first = write(tmp_path / "monday.json", document("ece-svc01", ("services",), SVC[:1]))
    second = write(tmp_path / "tuesday.json", document("ece-svc01", ("services",), SVC[:1]))
    assert merge(first, second, "--html", tmp_path / "m.html") == 0
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "ece-svc01 (monday.json)" in page and "ece-svc01 (tuesday.json)" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the file"),
        ("{not json", "not a JSON results file"),
        ('{"schema": "pytest-ece-o365/results/2"}', "schema is 'pytest-ece-o365/results/2'"),
        ("[]", "not a results file"),
        ("BROKEN_STATUS", "results[0].status is 'broke'"),
        ("NO_HOST", "host is missing"),
        ("NO_RESULTS", "the run executed no check (no results)"),
        ("BAD_COMMAND", "command should be a string"),
    ],
)
def test_a_bad_input_is_exit_4_with_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    good = write(tmp_path / "good.json", document("ece-svc01", ("services",), SVC))
    bad = tmp_path / "bad.json"
    if content == "BROKEN_STATUS":
        doc = document("h", ("services",), SVC)
        doc["results"][0]["status"] = "broke"
        write(bad, doc)
    elif content == "NO_HOST":
        doc = document("h", ("services",), SVC)
        del doc["host"]
        write(bad, doc)
    elif content == "NO_RESULTS":  # everything deselected, or xdist workers ran it: nothing was judged
        write(bad, document("h", ("services",), []))
    elif content == "BAD_COMMAND":
        doc = document("h", ("services",), SVC)
        doc["command"] = ["pytest"]
        write(bad, doc)
    elif content is not None:
        bad.write_text(content, encoding="utf-8")
    assert merge(good, bad, "--html", tmp_path / "m.html") == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and message in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "m.html").exists()


def test_merge_of_real_runs_on_both_roles(pytester: pytest.Pytester) -> None:
    services = pytester.runpytest("--ece-simulate", "--ece-role", "services", "--ece-json", "svc.json")
    application = pytester.runpytest("--ece-simulate=broken", "--ece-role", "application", "--ece-json", "app.json")
    assert services.ret in (0, 1) and application.ret in (0, 1)
    code = merge(pytester.path / "svc.json", pytester.path / "app.json", "--html", pytester.path / "m.html",
                 "--json", pytester.path / "m.json")  # fmt: skip
    merged = json.loads((pytester.path / "m.json").read_text(encoding="utf-8"))
    assert [h["roles"] for h in merged["hosts"]] == [["services"], ["application"]]
    assert code == (1 if merged["summary"]["failed"] else 0) == max(services.ret, application.ret)
    page = (pytester.path / "m.html").read_text(encoding="utf-8")
    host = merged["hosts"][0]["host"]
    assert f"{host} (svc.json)" in page and f"{host} (app.json)" in page  # one machine ran both roles
    assert "Contoso contact center (example)" in page


def test_the_same_file_given_twice_is_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "a.json").write_text("{}")
    result = subprocess.run(
        [sys.executable, "-m", "pytest_ece_o365.cli", "merge", "a.json", "./a.json", "--html", "m.html"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 4
    assert "a.json: given twice" in result.stderr


ADDED_2026_12_03 = ("verdict", "simulated", "knowledge_date", "config_sha256", "command", "unused_waivers")


def test_files_with_and_without_the_keys_added_on_2026_12_03_merge(tmp_path: Path) -> None:
    old = document("ece-svc01", ("services",), SVC)
    for key in ADDED_2026_12_03:
        del old[key]
    info = RunInfo("ece-app01", ("application",), "Contoso (prod)", "12.6(1)", ("ES10",), "example.onmicrosoft.com",
                   WHEN, knowledge_date="2026-12-04", simulated="broken", config_sha256="ab" * 32,
                   raw_command="pytest --ece-config prod.toml --ece-json app.json")  # fmt: skip
    new = results_document(info, APP)
    assert {key for key in ADDED_2026_12_03 if key in new} == set(ADDED_2026_12_03)
    code = merge(write(tmp_path / "old.json", old), write(tmp_path / "new.json", new), "--html", tmp_path / "m.html",
                 "--json", tmp_path / "m.json")  # fmt: skip
    assert code == 1
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    provenance = page[page.index("<h2>Provenance</h2>") :]
    assert f"<dt>Configuration SHA-256</dt><dd>{'ab' * 32}</dd>" in provenance  # read from the new file
    assert "pytest --ece-config prod.toml --ece-json app.json" in provenance
    assert "<dt>Configuration SHA-256</dt><dd>not recorded</dd>" in provenance  # the old file has none
    runs = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))["runs"]
    assert runs[1]["simulated"] == "broken" and runs[1]["verdict"] == "FAIL"


def test_read_run_takes_the_strict_flag_from_the_verdict(tmp_path: Path) -> None:
    from pytest_ece_o365.report.merge import read_run

    doc = document("h", ("services",), APP[:1])  # one advisory, no failure
    assert read_run(write(tmp_path / "lenient.json", doc)).info.strict is False
    doc["verdict"] = "FAIL"  # written under --ece-strict
    info = read_run(write(tmp_path / "strict.json", doc)).info
    assert info.strict is True and info.simulated is None and info.command == ""
