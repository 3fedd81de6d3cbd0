"""probes/entra_reply.py: one reading of Entra ID's replies for the token probe and the Graph reader's token
(verbatim replies from /work/shared/reference/office365-replies.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_ece_o365.probes.entra_reply import failed_reply, first_sentence, refusal

REPLIES = Path("/work/shared/reference/office365-replies.jsonl")


def reply(reply_id: str) -> str:
    if not REPLIES.exists():
        pytest.skip("the shared reference replies are not on this machine")
    for line in REPLIES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == reply_id:
            return str(record["reply"])
    raise AssertionError(f"no reply {reply_id}")


def test_a_refusal_keeps_the_ids_for_the_evidence_and_the_sentence_for_the_finding() -> None:
    # Microsoft365DSC-quoted refresh_token refusal: the trailer follows "\r\n", not a space.
    said = refusal(json.loads(reply("aadsts50057-user-disabled-json")))
    assert (said.error, said.aadsts, said.description) == (
        "invalid_grant",
        50057,
        "AADSTS50057: The user account is disabled.",
    )
    assert said.ids.startswith("Trace ID: b10c3263-8613-4979-ad46-63b2d4ac1501, Correlation ID: 262255b4")


def test_the_graph_readers_message_drops_a_trailer_after_crlf() -> None:
    # The Graph reader's token used to cut only at " Trace ID:", leaving the ids of this reply in the finding.
    assert first_sentence(reply("aadsts7000215-secret-value-not-id-json")) == (
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client "
        "secret value, not the client secret ID, for a secret added to app '4d856d1f-8648-456c-9bb2-f36273bbe4e3'."
    )
    assert first_sentence(reply("aadsts70000-refresh-token-or-assertion-invalid")) == (
        "AADSTS70000: The provided value for the input parameter 'refresh_token' or 'assertion' is not valid."
    )


def test_what_is_not_entra_json_is_told_by_status_and_url() -> None:
    url = "https://login.microsoftonline.com/contoso.com/v2.0/.well-known/openid-configuration"
    assert failed_reply(url, 502, "<html>bad gateway</html>", "ValueError").error == "server-error"
    assert failed_reply(url, 404, "<html>not found</html>", "ValueError").error == "discovery-failed"
    token_url = "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token"
    assert failed_reply(token_url, 200, "<html>proxy login</html>", "ValueError: x").error == "bad-response"
    # When MSAL raises on Entra's own JSON error, the reply is read as the refusal it is.
    said = failed_reply(token_url, 401, reply("aadsts7000215-secret-value-not-id-json"), "ValueError")
    assert (said.error, said.aadsts) == ("invalid_client", 7000215)
    assert said.ids.startswith("Trace ID: 6bad8289-db4a-49da-8609-0848d8d71700, Correlation ID: 63b8bb61")
