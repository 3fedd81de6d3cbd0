"""Issue 15: every Entra refusal admins really meet, end to end through ``--ece-simulate=<scenario>``: the simulated
token endpoint answers in Microsoft's wording (Trace/Correlation ID trailer included), token.refresh reports it
with its own cause id, a fix with the deployment's values, a documentation link, and the ids in the evidence."""

from __future__ import annotations

import json

import pytest

from oauth.plugin_run import run_plugin
from pytest_ece_o365.probes.entra_reply import aadsts_in, first_sentence, refusal
from pytest_ece_o365.sim.aadsts import MESSAGES, aadsts
from pytest_ece_o365.sim.scenarios_entra import ENTRA_CODES

SUPPORT, SALES = "support@example.com", "sales@example.com"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
#: Values of the example deployment a fix names, by scenario (the account, the client id …).
FIX_NAMES: dict[str, tuple[str, ...]] = {
    "account-disabled": (SUPPORT, "Account enabled"),
    "account-locked": (SUPPORT, "Sign-in logs"),
    "user-not-assigned": (CLIENT_ID, SUPPORT, "Assignment required"),
    "guest-account": (SUPPORT, "private/incognito"),
    "ca-compliant-device": (CLIENT_ID, "compliant device"),
    "ca-domain-joined": (CLIENT_ID, "hybrid"),
    "external-mfa": (CLIENT_ID, SUPPORT),
    "security-defaults": ("security defaults",),
    "app-disabled": (CLIENT_ID, "accountEnabled=true"),
    "single-tenant-common": ("[azure_ad] tenant", "common"),
    "admin-consent-required": (CLIENT_ID, "Grant admin consent"),
    "consent-declined": (CLIENT_ID, "admin consent"),
    "permissions-not-listed": (CLIENT_ID, "Office 365 Exchange Online"),
    "permission-not-requested": (CLIENT_ID, "Office 365 Exchange Online"),
    "invalid-scope": ("space-separated", "[[mailboxes]] inbound"),
    "wrong-cloud": ("[o365] cloud",),
}


@pytest.mark.parametrize("scenario", sorted(ENTRA_CODES))
def test_entra_refusal_is_reported_by_token_refresh_with_its_cause_fix_and_doc(
    pytester: pytest.Pytester, scenario: str
) -> None:
    code = ENTRA_CODES[scenario]
    result, rows = run_plugin(pytester, f"--ece-simulate={scenario}", "-m", "oauth")
    assert result.ret == 1
    row = rows[("token.refresh", SUPPORT)]
    assert row["status"] == "failed"
    assert row["cause"] == f"aadsts-{code}"
    assert row["doc"].startswith("https://learn.microsoft.com/")
    assert f"AADSTS{code}" in row["detail"]
    assert "Trace ID" not in row["detail"]  # the trailer is evidence, not the finding
    for name in FIX_NAMES.get(scenario, ()):
        assert name in f"{row['detail']} {row['remediation']}", (scenario, name)
    assert "<" not in row["remediation"].replace("<-", ""), row["remediation"]  # every value filled in
    # The ids TAC and Microsoft support ask for are in the evidence.
    evidence = "\n".join(row["evidence"])
    assert "Trace ID: " in evidence and "Correlation ID: " in evidence


@pytest.mark.parametrize("code", sorted(set(ENTRA_CODES.values())))
@pytest.mark.parametrize("sep", ["\r\n", " ", ""])
def test_a_trace_id_trailer_on_lines_on_one_line_or_absent_does_not_change_the_reading(code: int, sep: str) -> None:
    error = aadsts(code, upn=SUPPORT, client_id=CLIENT_ID, name="ECE", tenant="Example", resource="r",
                   scope="s", other_tenant="t")  # fmt: skip
    body = error.body("https://login.microsoftonline.com")
    text = f"AADSTS{code}: {error.message}"
    trailer = ["Trace ID: a-1", "Correlation ID: b-2", "Timestamp: 2026-12-04 10:00:00Z"]
    body["error_description"] = text + (sep + sep.join(trailer) if sep else "")
    body.pop("trace_id") if not sep else None
    body.pop("correlation_id") if not sep else None
    read = refusal(json.loads(json.dumps(body)))
    assert read.aadsts == code
    assert read.error == MESSAGES[code][1]
    assert read.description == text
    assert ("Trace ID: a-1" in read.ids and "Correlation ID: b-2" in read.ids) is bool(sep)


@pytest.mark.parametrize("code", sorted(set(ENTRA_CODES.values())))
def test_ece_o365_login_advises_on_every_entra_refusal_with_its_source(code: int) -> None:
    from pytest_ece_o365.cli.login import aadsts_message
    from pytest_ece_o365.cli.login_advice import SOURCES

    message = aadsts_message(code, "login.microsoftonline.com")
    assert f"AADSTS{code}" in message
    assert "error?code=" not in message  # its own advice, not the generic lookup link
    # The thread that quotes the live reply; none was found for 530035 (its source is the reference alone).
    assert ("#" in SOURCES[code].ref) is (code != 530035)


def _real_replies() -> list[tuple[str, str, int]]:
    """The verbatim replies of office365-replies.jsonl (issue 15's test data) for this module's codes."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "shared" / "reference" / "office365-replies.jsonl"
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        code = aadsts_in(item["reply"]) if item["protocol"] == "token" else None
        if code in set(ENTRA_CODES.values()):
            found.append((item["id"], item["reply"], code))
    return found


@pytest.mark.parametrize(("name", "reply", "code"), _real_replies())
def test_every_real_reply_of_these_codes_finds_its_own_row(name: str, reply: str, code: int) -> None:
    from pytest_ece_o365.diagnosis import OWNERS
    from pytest_ece_o365.diagnosis.oauth import oauth_row

    described = first_sentence(reply.split('"invalid_grant" ', 1)[-1]) if reply.startswith("oauth2:") else reply
    assert aadsts_in(first_sentence(described)) == code, name  # the trailer, CRLF or one line, does not hide it
    row = oauth_row("token.refresh", f"AADSTS{code}")
    assert row.source is not None and row.cause_id == ""
    assert OWNERS[f"aadsts-{code}"] == "token.refresh"
