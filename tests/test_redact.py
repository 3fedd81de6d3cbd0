"""The second net for secrets: token-shaped strings and every revealed secret are masked."""

from __future__ import annotations

import base64
import json

import pytest

from pytest_ece_o365.redact import REDACTED, redact, remember
from pytest_ece_o365.secret import Secret

JWT = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9."
    "eyJ1cG4iOiJzdXBwb3J0QGV4YW1wbGUuY29tIiwic2NwIjoiSU1BUC5BY2Nlc3NBc1VzZXIuQWxsIn0."
    "c2lnbmF0dXJlLWJ5dGVz"
)
XOAUTH2 = f"user=support@example.com\x01auth=Bearer {JWT}\x01\x01"
XOAUTH2_B64 = base64.b64encode(XOAUTH2.encode()).decode()


@pytest.mark.parametrize(
    "text",
    [
        f"C: A01 AUTHENTICATE XOAUTH2 {XOAUTH2_B64}",
        f"C: AUTH XOAUTH2 {XOAUTH2_B64}",
        XOAUTH2,
        f"Authorization: Bearer {JWT}",
        json.dumps({"access_token": JWT, "refresh_token": "0.AyijOsd0UjByDLHFNyfO46BW", "token_type": "Bearer"}),
        "grant_type=refresh_token&refresh_token=0.AyijOsd0UjByDLHFNyfO46BW&client_secret=ful8Q~Mdoh",
        "https://ece.example.com/system/oauth?code=0.AVYA-abcdef123456&state=xyz",
    ],
)
def test_token_shaped_strings_are_masked(text: str) -> None:
    masked = redact(text)
    for secret in (JWT, XOAUTH2_B64, "0.AyijOsd0UjByDLHFNyfO46BW", "ful8Q~Mdoh", "0.AVYA-abcdef123456"):
        assert secret not in masked
    assert REDACTED in masked


def test_a_revealed_secret_is_masked_wherever_it_appears() -> None:
    secret = Secret("Sx8Q~plain-looking-secret-value")
    assert secret.reveal() == "Sx8Q~plain-looking-secret-value"
    assert redact("server said: bad secret Sx8Q~plain-looking-secret-value!") == f"server said: bad secret {REDACTED}!"


def test_ordinary_evidence_is_left_readable() -> None:
    text = (
        "S: * OK The Microsoft Exchange IMAP4 service is ready.\n"
        "S: A02 BAD User is authenticated but not connected.\n"
        "AADSTS700082: The refresh token has expired due to inactivity. support@example.com\n"
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
    )
    assert redact(text) == text


def test_secret_cannot_be_pickled() -> None:
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(Secret("do-not-serialise-me"))


@pytest.mark.parametrize(
    "text",
    [
        "SMTP status code: 535",
        "exit code: 4",
        "AADSTS error code: 700082",
        "https://login.microsoftonline.com/error?code=700082",
        "Unicode: yes",
        "azure_ad.client_secret: environment variable ECE_O365_CLIENT_SECRET is not set",
    ],
)
def test_words_that_merely_look_like_field_names_stay(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("Bearer abcdefgh12345678", "abcdefgh12345678"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("client_secret=abc,def&x=1", "def"),
        ("https://ece.example.com/cb?code=0.AVYA-abcdef&state=1", "0.AVYA-abcdef"),
    ],
)
def test_gaps_are_closed(text: str, leak: str) -> None:
    assert leak not in redact(text)


def test_redacted_json_stays_json() -> None:
    body = {"error": "invalid_grant", "error_description": 'AADSTS700082: "quoted"', "refresh_token": 'a"b\\c'}
    masked = json.loads(redact(json.dumps(body)))
    assert masked["refresh_token"] == REDACTED
    assert masked["error_description"] == 'AADSTS700082: "quoted"'


def test_results_file_with_an_aadsts_body_in_evidence_is_valid_json(tmp_path) -> None:
    from pytest_ece_o365.report.results import ResultRow, RunInfo, write_results

    evidence = (
        'S: HTTP 400 {"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired '
        'due to inactivity.","error_codes":[700082],"error_uri":"https://login.microsoftonline.com/error?code=700082"}',
    )
    row = ResultRow("token.refresh", "support@example.com", "failed", "Token generation", "t", "d", "r",
                    "ece-admin", evidence=evidence)  # fmt: skip
    info = RunInfo("host", ("services",), "name", "12.6(1)", ("ES10",), "example.onmicrosoft.com")
    write_results(tmp_path / "r.json", info, [row])
    document = json.loads((tmp_path / "r.json").read_text())
    assert "error?code=700082" in document["results"][0]["evidence"][0]


def test_every_remembered_value_is_masked_however_many_are_remembered() -> None:
    # Many values: a short text is searched by its windows; a long one for each value's start (issue 13).
    values = [f"s{i:05d}-{'q' * (i % 7)}-secret-value" for i in range(1000)]
    for value in values:
        remember(value)
    for value in (values[0], values[517], values[-1]):
        assert redact(f"got {value} back") == f"got {REDACTED} back"
        long_text = "x " * 2000 + value + " y"
        assert value not in redact(long_text)
        assert redact(long_text).endswith(f"{REDACTED} y")
    # The longer of two values sharing a start is masked whole, not left with a tail.
    remember("s00001-q-secret-value-and-more")
    assert redact("s00001-q-secret-value-and-more") == REDACTED


def test_a_field_spelt_with_unicode_that_matches_case_insensitively_is_still_masked() -> None:
    # "ſ" (long s) is an "s" to re.IGNORECASE: the quick pre-check must not let it through.
    assert redact("paſsword=hunter2-secret") == f"paſsword={REDACTED}"
