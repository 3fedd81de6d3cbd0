"""The static checks of the catalog, each passing and failing, judged from the deployment file alone."""

from __future__ import annotations

import pytest

from pytest_ece_o365.checks import REGISTRY
from pytest_ece_o365.checks.base import CheckContext, Target
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.knowledge import ROLES
from pytest_ece_o365.verdict import Verdict


@pytest.fixture
def judge(write_deployment):
    def run(check_id: str, target: str = "", **changes: str | None) -> Verdict:
        config = load_config(write_deployment(**changes))
        mailbox = next((m for m in config.mailboxes if m.address == target), None)
        return REGISTRY[check_id].run(CheckContext(config, ROLES), Target(target, mailbox=mailbox))

    return run


@pytest.mark.parametrize("version", ["11.6(1)", "12.0(1)", "12.5(1)", "12.6(1)", "15.0(1)", "15.0.1"])
def test_versions_with_oauth_pass(judge, version: str) -> None:
    assert judge("version.supported", version=version).status == "passed"


def test_11_5_has_no_oauth_and_must_upgrade(judge) -> None:
    verdict = judge("version.supported", version="11.5(1)")
    assert verdict.status == "failed"
    assert "11.5(1) has no OAuth" in verdict.detail
    assert "Upgrade" in verdict.remediation and verdict.owner == "ece-admin"


def test_unknown_release_between_known_ones_fails(judge) -> None:
    verdict = judge("version.supported", version="12.1(1)")
    assert verdict.status == "failed" and "not a release this tool knows" in verdict.detail


def test_future_release_is_assumed_to_have_oauth(judge) -> None:
    assert judge("version.supported", version="16.0(1)").status == "passed"


@pytest.mark.parametrize(
    ("version", "specials", "status"),
    [
        ("11.6(1)", '["ES12", "ES12_ET1"]', "passed"),
        ("11.6(1)", '["ES12_ET1"]', "passed"),
        ("11.6(1)", '["ES13"]', "passed"),  # ESs are cumulative
        ("11.6(1)", '["ES12"]', "failed"),  # the ET is missing
        ("11.6(1)", '["ES11_ET3"]', "failed"),
        ("12.0(1)", '["ES6"]', "passed"),
        ("12.0(1)", '["ES5"]', "failed"),
        ("12.5(1)", '["ES3"]', "passed"),
        ("12.5(1)", '["ES2"]', "failed"),
        ("12.6(1)", '["ES1"]', "passed"),
        ("12.6(1)", "[]", "failed"),
    ],
)
def test_engineering_special_for_oauth(judge, version: str, specials: str, status: str) -> None:
    assert judge("version.engineering_special", version=version, specials=specials).status == status


def test_missing_et_names_both_es_and_et(judge) -> None:
    verdict = judge("version.engineering_special", version="11.6(1)", specials='["ES12"]')
    assert "needs ES12 and ES12_ET1" in verdict.detail
    assert "Install ES12 and ES12_ET1 for 11.6(1)" in verdict.remediation


def test_12_5_without_es3_names_es3(judge) -> None:
    verdict = judge("version.engineering_special", version="12.5(1)", specials='["ES2"]')
    assert verdict.status == "failed" and "Install ES3 for 12.5(1)" in verdict.remediation


def test_latest_es_is_advisory_when_cisco_names_a_later_es(judge) -> None:
    verdict = judge("version.latest_es", version="12.6(1)", specials='["ES1"]')
    assert verdict.status == "advisory" and "ES10" in verdict.detail and verdict.owner == "ece-admin"
    assert "rcct_m_1501_ece-and-wxconnect-on-same-deployment.html" in verdict.detail  # the Cisco page naming ES10
    assert "ece126_userguide_email_administration.pdf" in verdict.remediation


@pytest.mark.parametrize(
    ("version", "es"), [("11.6(1)", "ES12_ET1"), ("12.0(1)", "ES6"), ("12.5(1)", "ES3"), ("12.6(1)", "ES10")]
)
def test_latest_es_never_calls_a_tac_minimum_the_newest(judge, version: str, es: str) -> None:
    # TAC 218453's figures are minimums: at or above them the check passes, saying the newest ES is unknown
    # to the tool and where to look, instead of claiming the installed ES is the newest (audit P0-7).
    verdict = judge("version.latest_es", version=version, specials=f'["{es}"]')
    assert verdict.status == "passed"
    assert "newest ES for" in verdict.detail and "unknown to this tool" in verdict.detail
    assert "newest ES known" not in verdict.detail
    assert "https://software.cisco.com/download/home/268439622/type/286310764/release/" in verdict.detail


def test_latest_es_below_the_tac_minimum_is_left_to_the_engineering_special_check(judge) -> None:
    verdict = judge("version.latest_es", version="12.5(1)", specials='["ES2"]')
    assert verdict.status == "skipped" and "version.engineering_special" in verdict.detail


def test_missing_es_names_the_download_page_and_the_admin_guides(judge) -> None:
    verdict = judge("version.engineering_special", version="12.5(1)", specials='["ES2"]')
    assert (
        "https://software.cisco.com/download/home/268439622/type/286310764/release/12.5(1)_ES3" in verdict.remediation
    )
    assert "ece125_userguide_administration_email_for_ucce.pdf" in verdict.remediation
    assert "ece125_userguide_administration_chat_email_for_pcce.pdf" in verdict.remediation


def test_a_later_es_passes_with_the_cumulative_assumption_stated(judge) -> None:
    later = judge("version.engineering_special", version="11.6(1)", specials='["ES13"]')
    assert later.status == "passed" and "not a Cisco statement" in later.detail
    exact = judge("version.engineering_special", version="11.6(1)", specials='["ES12", "ES12_ET1"]')
    assert exact.status == "passed" and "not a Cisco statement" not in exact.detail


def test_11_6_without_the_et_is_not_said_to_lack_oauth(judge) -> None:
    # ES12_ET1 is what TAC requires, not (publicly) what brings OAuth: the finding says "TAC requires".
    verdict = judge("version.engineering_special", version="11.6(1)", specials='["ES12"]')
    assert verdict.status == "failed" and "lacks OAuth" not in verdict.detail
    assert "Cisco TAC 218453 requires" in verdict.detail


def test_15_0_passes_without_claiming_a_cisco_source(judge) -> None:
    verdict = judge("version.supported", version="15.0(1)")
    assert verdict.status == "passed" and "no Cisco source" in verdict.detail


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://ece.example.com", "uses http://, not https://"),
        ("https://10.1.2.3", "names the IP address 10.1.2.3"),
        ("https://[2001:db8::1]", "names the IP address 2001:db8::1"),
        ("https://localhost", 'names "localhost"'),
        ("https://ece", 'names "ece", not a fully qualified host name'),
        ("https://ece.example.com/system", 'has the path "/system"'),
        ("https://ece.example.com/?a=1", "has a query string"),
        ("https://ece.example.com/#x", "has a fragment"),
    ],
)
def test_external_url_problems_are_named(judge, url: str, problem: str) -> None:
    verdict = judge("web_url.external_url", external_url=url, admin_console_url=None)
    assert verdict.status == "failed"
    assert problem in verdict.detail
    assert verdict.owner == "ece-admin"


@pytest.mark.parametrize("url", ["https://ece.example.com", "https://ece.example.com/", "https://ECE.example.com:8443"])
def test_good_external_url_passes(judge, url: str) -> None:
    assert judge("web_url.external_url", external_url=url).status == "passed"


def test_setting_label_follows_the_version(judge) -> None:
    old = judge("web_url.external_url", version="12.5(1)", external_url="http://ece.example.com")
    new = judge("web_url.external_url", version="12.6(1)", external_url="http://ece.example.com")
    assert "Web Server URL or Load Balancer URL" in (old.setting or "")
    assert "External URL of Application" in (new.setting or "")
    assert "External URL of Application" in new.remediation
    assert "System Resources" not in (old.setting or "")  # TAC gives no console path before 12.6
    assert "ece126_userguide_email_administration.pdf" in new.remediation
    assert "ece125_userguide_administration_email_for_ucce.pdf" in old.remediation


def test_admin_console_on_another_host_fails(judge) -> None:
    verdict = judge("web_url.admin_console", admin_console_url="https://ece-app01.example.com/system")
    assert verdict.status == "failed"
    assert "ece-app01.example.com" in verdict.detail and "ece.example.com" in verdict.detail


def test_admin_console_host_compares_case_insensitively(judge) -> None:
    assert judge("web_url.admin_console", admin_console_url="https://ECE.Example.com/system").status == "passed"


def test_admin_console_not_given_is_skipped(judge) -> None:
    verdict = judge("web_url.admin_console", admin_console_url=None)
    assert verdict.status == "skipped" and "admin_console_url is not given" in verdict.detail


def test_redirect_uri_on_another_host_fails_for_the_azure_admin(judge) -> None:
    verdict = judge("azure_app.redirect_uri", redirect_uri="https://other.example.com/system/oauth")
    assert verdict.status == "failed" and verdict.owner == "azure-admin"
    assert "other.example.com" in verdict.detail and "https://ece.example.com/" in verdict.remediation


def test_redirect_uri_must_be_https(judge) -> None:
    verdict = judge("azure_app.redirect_uri", redirect_uri="http://ece.example.com/system/oauth")
    assert verdict.status == "failed" and "not an https:// URL" in verdict.detail


def test_redirect_uri_cannot_be_judged_against_an_invalid_external_url(judge) -> None:
    verdict = judge("azure_app.redirect_uri", external_url="https://10.0.0.5")
    assert verdict.status == "skipped" and "web_url.external_url" in verdict.detail


def test_redirect_uri_on_external_host_passes(judge) -> None:
    assert judge("azure_app.redirect_uri").status == "passed"


@pytest.mark.parametrize(
    ("access", "account", "status", "words"),
    [
        ("shared", "ece-mail@example.com", "passed", "shared model"),
        ("shared", None, "failed", "no token_account"),
        ("shared", "sales@example.com", "failed", "that is the mailbox model"),
        ("mailbox", None, "passed", "signs in as itself"),
        ("mailbox", "Sales@example.com", "passed", "signs in as itself"),
        ("mailbox", "ece-mail@example.com", "failed", 'access = "mailbox" but names token_account'),
    ],
)
def test_access_model(judge, access: str, account: str | None, status: str, words: str) -> None:
    verdict = judge("rights.access_model", "sales@example.com", sales_access=access, sales_token_account=account)
    assert verdict.status == status and words in verdict.detail


def test_12_6_2_fails_naming_the_likely_cce_version_mix_up_as_unverified(judge) -> None:
    verdict = judge("version.supported", version="12.6(2)")
    assert verdict.status == "failed" and "not a release this tool knows" in verdict.detail
    assert "CCE 12.6(2)" in verdict.detail and "Unverified" in verdict.detail
    assert "Help > About" not in verdict.remediation  # no source says where ECE shows its version


def test_unknown_maintenance_release_does_not_borrow_another_releases_es(judge) -> None:
    assert judge("version.supported", version="12.6(2)").status == "failed"
    verdict = judge("version.engineering_special", version="12.6(2)", specials="[]")
    assert verdict.status == "skipped" and "12.6(2)" in verdict.detail and "12.6(1)" not in verdict.detail
