"""Wordings the simulator gives an XOAUTH2 client (or a refresh-token grant) that no public capture confirms
(issue 15): listed here so that they cannot grow silently, each marked where it is defined, and the classifier
reads both the simulated wording and the verified alternative to a row of their own."""

from __future__ import annotations

from pathlib import Path

import pytest

import pytest_ece_o365.sim
from pytest_ece_o365.diagnosis import TABLE
from pytest_ece_o365.probes.entra_reply import aadsts_in
from pytest_ece_o365.probes.mail_imap import classify_imap
from pytest_ece_o365.probes.mail_pop3 import classify_pop3
from pytest_ece_o365.probes.mail_smtp import classify_auth
from pytest_ece_o365.sim.aadsts import MESSAGES, UNVERIFIED_LIVE
from pytest_ece_o365.sim.scenarios_mail import CA_CRITERIA, SECURITY_DEFAULTS, UNVERIFIED_FOR_XOAUTH2
from pytest_ece_o365.sim.smtp_session import DISABLED

MARK = "UNVERIFIED FOR XOAUTH2:"
TAG = " [DM6PR11CA0012.namprd11.prod.outlook.com 2026-12-04T09:15:27.123Z 08DE12AB34CD56EF]"

#: Every unverified wording, as the simulator speaks it. Adding one means adding it here, with its evidence.
LISTED = {
    "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.",
    "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.",
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.",
    "* BYE Connection closed. 14",
    "-ERR Logon failure: unknown user name or bad password.",
}


def test_the_unverified_wordings_are_these_and_no_more() -> None:
    assert set(UNVERIFIED_FOR_XOAUTH2) == LISTED
    assert frozenset({530035}) == UNVERIFIED_LIVE
    assert all(evidence.strip() for evidence in UNVERIFIED_FOR_XOAUTH2.values())


def test_each_is_marked_where_it_is_defined_and_nothing_else_is() -> None:
    sim = Path(pytest_ece_o365.sim.__file__).parent
    marks = sum(path.read_text(encoding="utf-8").count(MARK) for path in sim.glob("*.py"))
    assert marks == len(UNVERIFIED_FOR_XOAUTH2) + len(UNVERIFIED_LIVE)


@pytest.mark.parametrize(
    ("simulated", "verified", "classes"),
    [
        # the same phrase after AUTH XOAUTH2 (simulated) and after AUTH LOGIN (seen): one class, mechanism aside
        (CA_CRITERIA, "Invalid login: 535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.", ("smtp-auth-conditional-access",) * 2),
        (SECURITY_DEFAULTS, "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. [LO4P123CA0207.GBRP123.PROD.OUTLOOK.COM 2024-10-10T21:50:33.251Z 08DCE9686F3D146F]", ("smtp-auth-security-defaults",) * 2),
        (DISABLED.format(what="Mailbox"), "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [MN2PR05CA0004.namprd05.prod.outlook.com 2023-09-12T20:59:57.214Z 08DBB276B7E699C4]", ("smtp-auth-disabled-mailbox", "smtp-auth-disabled-tenant")),
    ],
)  # fmt: skip
def test_smtp_wordings_and_their_verified_alternatives(simulated: str, verified: str, classes: tuple[str, str]) -> None:
    assert simulated in LISTED
    assert (classify_auth(simulated + TAG), classify_auth(verified)) == classes
    for error in classes:
        assert ("mailbox.smtp", error) in TABLE


def test_pop3_logon_failure_and_the_xoauth2_authentication_failure_each_have_a_row() -> None:
    simulated, verified = (
        "-ERR Logon failure: unknown user name or bad password.",
        "-ERR Authentication failure: unknown user name or bad password.",
    )
    assert (classify_pop3(simulated), classify_pop3(verified)) == ("logon-failure", "auth-refused")
    assert ("mailbox.inbound", "pop3-logon-failure") in TABLE and ("mailbox.inbound", "pop3-auth-refused") in TABLE


def test_a_bye_with_or_without_a_tagged_refusal_before_it() -> None:
    assert classify_imap("* BYE Connection closed. 14", "mailbox") == "bye"  # the simulated: BYE alone
    # the seen sequence after XOAUTH2: a tagged BAD first (jstedfast/MailKit#1494), the BYE at the next command
    assert classify_imap("A3 BAD User is authenticated but not connected.", "mailbox") == "not-connected"
    assert ("mailbox.inbound", "imap-bye") in TABLE and ("mailbox.inbound", "imap-not-connected") in TABLE


def test_530035_is_read_on_its_code_whatever_its_words() -> None:
    short = "AADSTS530035: Access has been blocked by security defaults. Trace ID: 1 Correlation ID: 2 Timestamp: 3"
    assert aadsts_in(short) == aadsts_in("AADSTS530035: " + MESSAGES[530035][2]) == 530035
