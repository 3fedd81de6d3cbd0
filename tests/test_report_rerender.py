"""``ece-o365 report RESULTS.json --html OUT.html`` (contract §1): the report rendered again from the results
file of a real ``--ece-simulate=broken`` run with four mailboxes (html_run.py) — the same report section
the run wrote, every result, no script, no secret, the case note with the new file's SHA-256 — and as
headless Chromium shows it (no console error, findings in the DOM, AA contrast in both themes, the fixes
in a PDF print)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from html import escape, unescape
from pathlib import Path
from typing import Any

import pytest
from html_run import BrokenRun, article, broken_run_fixture, text_of  # noqa: F401  (the fixture)
from test_html_report_browser import CHROMIUM, CONTRAST_PROBE, PDFTOTEXT, chromium, console_lines

from pytest_ece_o365.cli import main

FINDINGS = ("failed", "advisory", "waived")


@pytest.fixture(scope="module")
def rerendered(broken_run: BrokenRun, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("rerendered") / "again.html"
    results = broken_run.path.with_name("r.json")
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["report", str(results), "--html", str(out)]) == 1  # the run's verdict is FAIL
    return out, printed.getvalue()


def _section(html: str) -> str:
    return html[html.index("<section class='ece-report'") : html.index("</section>") + len("</section>")]


def _findings(run: BrokenRun) -> list[dict[str, Any]]:
    return [row for row in run.results["results"] if row["status"] in FINDINGS]


def test_the_report_section_is_the_one_the_run_wrote(broken_run: BrokenRun, rerendered: tuple[Path, str]) -> None:
    html = rerendered[0].read_text(encoding="utf-8")
    # Verdict, could-not-be-judged, findings (fix, doc, evidence, blocked results), provenance, case note.
    assert _section(html) == _section(broken_run.html)
    body = html[html.index("<body>") :]
    assert body.index("SIMULATED RUN (scenario broken)") < body.index("<h1 id='ece-title'>") < body.index("ece-verdict")
    assert "<p class='ece-verdict ece-verdict-FAIL'>FAIL</p>" in html
    assert "Rendered by ece-o365 report from r.json" in html


def test_every_finding_with_its_fix_doc_and_evidence(broken_run: BrokenRun, rerendered: tuple[Path, str]) -> None:
    html = rerendered[0].read_text(encoding="utf-8")
    text = text_of(html)
    for row in _findings(broken_run):
        card = article(html, row["check"], row["target"])
        assert f"{row['status'].upper()}</span> {row['check']}" in card
        assert row["remediation"] in text and row["detail"] in text
        if row.get("doc"):
            assert f"<a href='{escape(row['doc'], quote=True)}'" in card
        assert escape(row["evidence"][0], quote=True) in card
        assert f"<code>{row['cause']}</code>" in card


def test_every_result_is_in_the_table_with_its_status(broken_run: BrokenRun, rerendered: tuple[Path, str]) -> None:
    html = rerendered[0].read_text(encoding="utf-8")
    table = html[html.index("<table class='ece-results'>") :]
    shown = {
        (unescape(check), unescape(target), status)
        for status, check, target in re.findall(
            r"<tr class='ece-(\w+)'><td>([^<]+)<br><small>.*?</small></td><td>([^<]*)</td>", table
        )
    }
    assert shown == {(row["check"], row["target"], row["status"]) for row in broken_run.results["results"]}


def test_the_case_note_names_the_new_report_and_its_sha256(rerendered: tuple[Path, str]) -> None:
    out, printed = rerendered
    lines = printed.rstrip().splitlines()
    assert lines[0] == f"ece-o365: report written to {out}"
    assert "case note (paste into the support case)" in lines[1]
    note = lines[2:]
    assert (
        5 <= len(note) <= 25 and note[0] == "ECE <-> Office 365 OAuth check: FAIL (SIMULATED tenant, scenario broken)"
    )
    assert note[-1] == f"Report {out} SHA-256 {hashlib.sha256(out.read_bytes()).hexdigest()}"


def test_no_script_no_external_request_no_secret_and_small(broken_run: BrokenRun, rerendered: tuple[Path, str]) -> None:
    out, printed = rerendered
    raw = out.read_bytes()
    html = raw.decode("utf-8")
    assert "<script" not in html.lower()
    assert not re.search(r"<(?:img|link|iframe|video|source)[^>]+(?:src|href)=['\"]?https?:", html)
    assert len(raw) <= 300_000
    assert broken_run.secrets
    for secret in broken_run.secrets:
        assert secret.encode() not in raw and secret not in printed


def test_an_interrupted_run_is_shown_as_partial_and_never_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_ece_o365.report.results import ResultRow, RunInfo, results_document

    info = RunInfo("ece-svc01", ("services",), "Contoso", "12.6(1)", (), "example.onmicrosoft.com")
    document = results_document(info, [ResultRow("network.dns", "outlook.office365.com", "passed", "", "DNS", "ok")])
    assert document["verdict"] == "PASS"
    document["interrupted"] = True
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["report", str(path), "--html", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert (
        html.count("<strong>INTERRUPTED</strong>") == 1
        and "<p class='ece-verdict ece-verdict-INCOMPLETE'>INCOMPLETE</p>" in html
    )
    assert "ECE <-> Office 365 OAuth check: INCOMPLETE" in capsys.readouterr().out
    assert main(["merge", str(path), "--html", str(tmp_path / "m.html")]) == 4  # merge refuses it
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted before every check ran" in err


# --- In a browser ----------------------------------------------------------------------------------------

browser = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (.ci/run installs Debian's chromium)")


@browser
def test_rendered_dom_holds_every_finding_and_no_console_error(
    broken_run: BrokenRun, rerendered: tuple[Path, str], tmp_path: Path
) -> None:
    shown = chromium(tmp_path / "profile", "--dump-dom", rerendered[0].as_uri())
    assert console_lines(shown.stderr) == []
    dom = unescape(shown.stdout)
    for row in _findings(broken_run):
        assert f'data-check="{row["check"]}"' in dom
        if row["status"] == "failed":
            assert row["remediation"] in dom and row["evidence"][0] in dom


@browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_rendered_text_meets_wcag_aa_contrast(rerendered: tuple[Path, str], tmp_path: Path, theme: str) -> None:
    probe = tmp_path / "probe.html"
    probe.write_text(rerendered[0].read_text(encoding="utf-8").replace("</body>", CONTRAST_PROBE + "</body>"), "utf-8")
    flags = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if theme == "dark" else []
    dom = chromium(tmp_path / "profile", *flags, "--dump-dom", probe.as_uri()).stdout
    found = re.search(r'<pre id="ece-contrast">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the probe did not run"
    result = json.loads(unescape(found.group(1)))
    assert result["dark"] is (theme == "dark") and result["count"] > 200
    assert result["low"] == [], result


@browser
@pytest.mark.skipif(PDFTOTEXT is None, reason="needs pdftotext (.ci/run installs poppler-utils)")
def test_the_pdf_print_holds_every_fix_in_full(
    broken_run: BrokenRun, rerendered: tuple[Path, str], tmp_path: Path
) -> None:
    import subprocess

    pdf = tmp_path / "again.pdf"
    chromium(tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", rerendered[0].as_uri())
    text = subprocess.run([PDFTOTEXT or "pdftotext", "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip

    def squeeze(value: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))

    printed = squeeze(text)
    for row in _findings(broken_run):
        assert squeeze(row["remediation"]) in printed, row["check"]


def test_a_file_written_before_doc_links_gets_this_versions(broken_run: BrokenRun, tmp_path: Path) -> None:
    """Contract §1: re-rendered "with this version's rule text": titles and the documentation link of each
    cause come from this version's tables; what was seen and the fix stay the run's."""
    old = json.loads(json.dumps(broken_run.results))
    for row in old["results"]:
        row.pop("doc", None)
        row["title"] = "an older title"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    assert main(["report", str(path), "--html", str(tmp_path / "old.html")]) == 1
    html = (tmp_path / "old.html").read_text(encoding="utf-8")
    assert "an older title" not in html
    linked = [row for row in _findings(broken_run) if row.get("doc")]
    assert linked
    for row in linked:
        assert f"<a href='{escape(row['doc'], quote=True)}'" in article(html, row["check"], row["target"])
