"""contract §4 ``doc``: every finding links one documentation page, carried from its diagnosis row to the
results file (and read back by merge)."""

from __future__ import annotations

import pytest
from oauth.plugin_run import run_plugin

from pytest_ece_o365.diagnosis import TABLE
from pytest_ece_o365.diagnosis.table import Diagnosis, doc_url, finding
from pytest_ece_o365.knowledge.sources import AADSTS_REFERENCE, TAC_218453, Source
from pytest_ece_o365.report.results import ResultRow
from pytest_ece_o365.report.results_file import _row as merged_row

LEARN = "https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes"


def _diagnosis(source: Source | None, doc: str = "") -> Diagnosis:
    return Diagnosis("cause", "fix", "azure-admin", 4, source=source, doc=doc)


def test_a_rows_own_doc_wins_over_its_source() -> None:
    row = _diagnosis(AADSTS_REFERENCE, doc="https://learn.microsoft.com/x")
    assert finding("token.refresh", "AADSTS1", row, "d", "r").doc == "https://learn.microsoft.com/x"


def test_without_one_the_sources_first_learn_or_cisco_url_is_the_doc() -> None:
    assert finding("token.refresh", "AADSTS1", _diagnosis(AADSTS_REFERENCE), "d", "r").doc == LEARN
    assert doc_url(_diagnosis(TAC_218453)) == TAC_218453.ref
    assert doc_url(_diagnosis(Source(f"{LEARN}; owner/repo#1", "2026-12-04"))) == LEARN


def test_a_thread_or_another_site_first_is_not_a_doc() -> None:
    assert doc_url(_diagnosis(Source(f"owner/repo#1; {LEARN}", "2026-12-04"))) == LEARN  # threads are skipped
    assert doc_url(_diagnosis(Source("https://www.rfc-editor.org/rfc/rfc1035", "2026-12-04"))) == ""
    assert doc_url(_diagnosis(Source("https://learn.microsoft.com.evil.example/x", "2026-12-04"))) == ""
    assert doc_url(_diagnosis(None)) == ""


def test_results_file_has_doc_on_findings_only() -> None:
    failed = ResultRow("c", "t", "failed", "s", "T", "d", owner="network", cause="x", doc=LEARN).as_json()
    passed = ResultRow("c", "t", "passed", "s", "T", "d", doc=LEARN).as_json()
    assert failed["doc"] == LEARN
    assert "doc" not in passed


def test_an_rfc_before_a_learn_page_is_skipped_not_taken_for_the_doc() -> None:
    rfc = "https://www.rfc-editor.org/rfc/rfc1035"
    assert doc_url(_diagnosis(Source(f"{rfc}; {LEARN}", "2026-12-04"))) == LEARN


#: Rows with no documentation page on record, and why (contract §4 ``doc``: "" rather than a guess).
NO_DOC = {
    # `[network] ca_bundle` is this tool's own setting, and the product has no public page yet.
    ("network.tls", "ca-bundle-invalid"): "own setting",
    ("token.refresh", "ca-bundle-invalid"): "own setting",
    # Office 365 refusing TLS 1.0/1.1 is on record in an issue thread (zehm/sendEmail#1) and RFC 8996 only.
    ("network.tls", "tls-old-protocol"): "no Microsoft page on record",
}


def test_every_diagnosis_row_links_a_documentation_page_but_the_few_named() -> None:
    missing = {key for key, row in TABLE.items() if not doc_url(row)}
    assert missing == set(NO_DOC)


def test_merge_reads_doc_back() -> None:
    row = ResultRow("c", "t", "advisory", "s", "T", "d", owner="network", cause="x", doc=LEARN)
    assert merged_row(row.as_json(), "results[0]").doc == LEARN


def test_a_simulated_finding_carries_its_doc_to_the_results_file(pytester: pytest.Pytester) -> None:
    _, rows = run_plugin(pytester, "--ece-simulate=refresh-token-expired", "-m", "oauth")
    row = rows[("token.refresh", "support@example.com")]
    assert row["status"] == "failed"
    assert row["doc"].startswith("https://learn.microsoft.com/")
    assert "doc" not in rows[("token.refresh", "sales@example.com")]  # passed
