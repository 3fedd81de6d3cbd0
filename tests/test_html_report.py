"""The HTML report: title, the findings summary on top, escaping, and what a browser shows."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from deployments import deployment_text
from html_run import EXTRA_MAILBOXES, article

from pytest_ece_o365.plugin.source import packaged_example
from pytest_ece_o365.report.finding_html import UNFOLDED_WORDINGS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
HOSTILE_NAME = "Contoso <script>alert(1)</script> & Co"


@pytest.fixture
def report(pytester: pytest.Pytester) -> Path:
    (pytester.path / "prod.toml").write_text(
        deployment_text(
            name=HOSTILE_NAME,
            specials='["ES1"]',
            external_url="http://ece.example.com",
            extra=(
                '\n[[waivers]]\ncheck = "rights.access_model"\ntarget = "sales@example.com"\n'
                'reason = "<b>CHG1</b>"\nexpires = 2999-01-01\n'
            ),
            sales_access="mailbox",
        ),
        encoding="utf-8",
    )
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "--html", "r.html",
                                "--self-contained-html")  # fmt: skip
    assert result.ret == 1
    return pytester.path / "r.html"


def test_title_and_summary_sit_above_the_table(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "ECE ↔ Office 365 OAuth check — Contoso &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert html.index("id='ece-verdict'") < html.index(
        '<div id="environment-header">'
    )  # our report before pytest-html's
    assert "<h2>Findings</h2>" in html
    assert "What was seen" in html and "What to do" in html and "Who acts" in html
    assert (
        "<dt>ECE setting</dt><dd>Partition &gt; Apps &gt; General Settings &gt; &quot;External URL of Application&quot;"
        in html
    )
    assert "Report generated on" not in html  # pytest-html's local time without a zone


def test_every_value_is_escaped(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "<b>CHG1</b>" not in html


@pytest.mark.skipif(CHROMIUM is None, reason="needs a Chromium binary (.ci/run installs Debian's chromium)")
def test_a_browser_shows_summary_rows_and_statuses(report: Path, tmp_path: Path) -> None:
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    # pytest-html builds its table with JavaScript: these rows exist only if the page ran.
    assert 'class="col-result">Advisory' in dom and 'class="col-result">Waived' in dom  # not "Passed"
    assert 'class="col-ecestatus">failed' in dom
    assert 'class="col-ecestatus">advisory' in dom
    assert 'class="col-ecestatus">waived' in dom
    assert "prod.toml::web_url.external_url" in dom
    assert "uses http://, not https://" in dom
    assert "<script>alert(1)</script>" not in dom


@pytest.mark.parametrize("strict", [True, False])
def test_an_advisory_fails_the_verdict_only_under_strict(pytester: pytest.Pytester, strict: bool) -> None:
    flags = ["--ece-strict"] if strict else []
    result = pytester.runpytest("--ece-simulate=client-secret-expiring", *flags, "--html", "r.html",
                                "--self-contained-html")  # fmt: skip
    assert result.ret == (1 if strict else 0)
    html = (pytester.path / "r.html").read_text(encoding="utf-8")
    assert ("<p class='ece-verdict ece-verdict-FAIL'>FAIL</p>" in html) is strict
    assert "ADVISORY</span> azure_app.client_secret" in html
    assert "SIMULATED RUN (scenario client-secret-expiring)" in html


def test_a_tenant_wide_cause_on_four_mailboxes_is_one_finding_with_the_rest_folded(pytester: pytest.Pytester) -> None:
    example = packaged_example().read_text(encoding="utf-8")
    (pytester.path / "prod.toml").write_text(example.replace("\n[o365]", EXTRA_MAILBOXES + "\n[o365]", 1))
    pytester.runpytest("--ece-config", "prod.toml", "--ece-simulate=smtp-auth-disabled", "-m", "mailbox",
                       "--html", "r.html", "--self-contained-html")  # fmt: skip
    html = (pytester.path / "r.html").read_text(encoding="utf-8")
    assert html.count("data-check='mailbox.smtp'") == 1
    card = article(html, "mailbox.smtp")
    addresses = ["support@example.com", "sales@example.com", "billing@example.com", "help@example.com"]
    assert "<dt>Targets</dt><dd>4 targets: " + ", ".join(addresses) in card
    assert card.count("Set-TransportConfig -SmtpClientAuthenticationDisabled $false") == 4  # each its own values
    folded = card[card.index("<details><summary>The same for") :]
    assert all(f"For {address}:" in folded for address in addresses[UNFOLDED_WORDINGS:])
