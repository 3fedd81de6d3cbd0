"""Every token-endpoint reply of shared/reference/office365-replies.jsonl (Entra ID's real words, each with its
source) is a test case: its AADSTS code — read with or without the Trace/Correlation trailer — names a row of
its own (not the generic AADSTS fallback), with a source, and the check that reports that row's cause."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365.cli.login_advice import AADSTS_ADVICE
from pytest_ece_o365.diagnosis import OWNERS, TABLE
from pytest_ece_o365.diagnosis.causes import cause_id
from pytest_ece_o365.diagnosis.oauth import AADSTS_FALLBACK
from pytest_ece_o365.probes.entra_reply import aadsts_in, aadsts_key, first_sentence


def _reference() -> Path:
    """shared/reference/ beside the clone (CI) or beside the work tree."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / "office365-replies.jsonl"
        if candidate.is_file():
            return candidate
    return Path("/work/shared/reference/office365-replies.jsonl")


REPLIES = _reference()


def _token_replies() -> list[dict[str, Any]]:
    if not REPLIES.is_file():
        return []
    rows = [json.loads(line) for line in REPLIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row["protocol"] == "token"]


#: Replies met before any token exists (the sign-in page of ``ece-o365 login``): the row that names them and
#: the login's own advice, instead of token.refresh.
SIGN_IN = {"aadsts50011-redirect-mismatch-signin-page": ("azure_app.registration", "redirect-uri-not-registered")}


@pytest.mark.skipif(not REPLIES.is_file(), reason=f"the reference replies are not at {REPLIES}")
@pytest.mark.parametrize("reply", _token_replies(), ids=lambda row: row["id"])
def test_every_real_token_reply_has_a_row_of_its_own_and_its_reporter(reply: dict[str, Any]) -> None:
    text = reply["reply"]
    code = aadsts_in(text)
    assert code is not None, reply["id"]
    assert aadsts_in(first_sentence(text)) == code  # the trailer (CRLF, one line, commas) does not hide it
    if reply["id"] in SIGN_IN:
        key = SIGN_IN[reply["id"]]
        assert f"AADSTS{code}" in TABLE[key].cause and code in AADSTS_ADVICE
    else:
        key = ("token.refresh", aadsts_key(code, text))
    row = TABLE[key]
    assert row is not AADSTS_FALLBACK, reply["id"]
    assert row.source is not None and row.cause.strip() and row.remediation.strip()
    reporter = OWNERS[row.cause_id or cause_id(*key)]
    assert reporter in ("token.refresh", "token.scopes", "azure_app.registration"), reporter
    assert reporter == (row.reported_by or key[0])
