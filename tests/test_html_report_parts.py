"""The report's parts on their own: the chain order and grouping, the page rearrangement, the palettes."""

from __future__ import annotations

import pytest

from pytest_ece_o365.report import page
from pytest_ece_o365.report.chain import STAGES, group_findings, stage
from pytest_ece_o365.report.html import LOG_MAX_CHARS, capped_log
from pytest_ece_o365.report.results import ResultRow
from pytest_ece_o365.report.summary import summary_html
from pytest_ece_o365.report.theme import DARK, LIGHT, TEXT_ON, contrast


def row(check: str, target: str, status: str, cause: str = "", **more: object) -> ResultRow:
    return ResultRow(check, target, status, "S", check, f"seen {target}", f"fix {target}", "network", cause=cause,
                     **more)  # type: ignore[arg-type]  # fmt: skip


def test_stages_follow_the_dependency_chain() -> None:
    chain = ["web_url.external_url", "network.dns", "network.tcp", "network.tls", "token.refresh", "mailbox.inbound",
             "license.exchange", "future.check"]  # fmt: skip
    assert [stage(check) for check in chain] == list(range(len(STAGES) + 1))


def test_one_cause_on_several_targets_is_one_finding_and_blocked_results_join_it() -> None:
    rows = [
        row("mailbox.smtp", "a@x", "skipped", "dns-nxdomain", blocked_by=("network.dns", "smtp.office365.com")),
        row("azure_app.token_lifetime", "a@x", "failed", "token-short-lifetime"),
        row("azure_app.token_lifetime", "b@x", "failed", "token-short-lifetime"),
        row("network.dns", "smtp.office365.com", "failed", "dns-nxdomain"),
        row("network.java_trust", "h:443", "skipped"),  # a missing input: no finding explains it
        row("future.check", "t", "failed"),  # no cause: stands alone
        row("future.check", "u", "failed"),
    ]
    found, unexplained = group_findings(rows)
    assert [(f.check, f.targets) for f in found] == [
        ("network.dns", ["smtp.office365.com"]),
        ("azure_app.token_lifetime", ["a@x", "b@x"]),
        ("future.check", ["t"]),
        ("future.check", ["u"]),
    ]
    assert [blocked.check for blocked in found[0].blocked] == ["mailbox.smtp"]
    assert [r.check for r in unexplained] == ["network.java_trust"]
    assert found[1].distinct("remediation") == [("fix a@x", ["a@x"]), ("fix b@x", ["b@x"])]


def test_rearrange_puts_the_head_and_section_first_and_drops_pytest_htmls_heading() -> None:
    original = (
        '<html><body>\n<h1 id="title">r.html</h1>\n<p>Report generated on 04-Dec-2026 at 10:00:00 by x</p>'
        f"<div id='environment-header'></div><div class='prefix'>{page.marked('<p>VERDICT</p>')}</div>"
        f"<script>{page.FILTERS_JS}</script></body></html>"
    )
    result = page.rearrange(original, "<p>BANNER</p>")
    assert result.index("BANNER") < result.index("VERDICT") < result.index("environment-header")
    assert "Report generated on" not in result and 'id="title"' not in result
    assert page.FILTERS_JS_PATCHED in result and result.startswith("<html lang='en'>")


def test_rearrange_leaves_a_page_without_our_section_alone() -> None:
    original = '<html><body><h1 id="title">r.html</h1></body></html>'
    assert page.rearrange(original, "<p>BANNER</p>") == original


def test_the_installed_pytest_html_has_the_filter_list_the_report_extends() -> None:
    assert page.pytest_html_filters_patchable()  # else advisory rows would fall back to pytest's "Passed"


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=["light", "dark"])
def test_every_text_colour_meets_aa_on_every_background_it_is_drawn_on(palette: dict[str, str]) -> None:
    for text, backgrounds in TEXT_ON.items():
        for background in backgrounds:
            assert contrast(palette[text], palette[background]) >= 4.5, (text, background)


def test_a_rows_captured_output_is_cut_at_whole_lines_with_a_note() -> None:
    entry = "".join(f"DEBUG line {index} &amp; more\n" for index in range(2000))
    capped = capped_log(entry)
    assert len(capped) < LOG_MAX_CHARS + 200 and "characters of captured output cut" in capped
    assert capped.split("\n")[-3].endswith("&amp; more")  # no entity cut in half
    assert capped_log("short\n") == "short\n"


def test_a_run_that_executed_nothing_never_reads_as_all_well() -> None:
    html = summary_html("x", [], [])
    assert "No check ran: this report says nothing about the deployment." in html
    assert "'ece-verdict ece-verdict-PASS'" not in html and "could be judged" not in html and "No findings" in html
