"""Issue 12: a Hypothesis fuzz of what the probes read from peers — the token endpoint's replies, Graph's
replies, IMAP/POP3/SMTP replies and capability lists. Whatever comes, the result is an observation, a
classified error or a finding; never any other exception."""

from __future__ import annotations

import json
import socket
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ece_o365.probes.capabilities import read_capabilities
from pytest_ece_o365.probes.entra_reply import failed_reply, first_sentence, refusal
from pytest_ece_o365.probes.graph_client import GraphFailed, graph_reply
from pytest_ece_o365.probes.graph_parse import (
    parse_application,
    parse_assigned_plans,
    parse_grants,
    parse_license_details,
    parse_scope_names,
)
from pytest_ece_o365.probes.mail_imap import classify_imap
from pytest_ece_o365.probes.mail_pop3 import classify_pop3
from pytest_ece_o365.probes.mail_smtp import classify_auth, classify_send
from pytest_ece_o365.probes.observation import Deadline, Transcript
from pytest_ece_o365.probes.peer_values import PeerValueError, expires_in, message_count
from pytest_ece_o365.probes.tcp import LineReader
from pytest_ece_o365.probes.token import TokenNeed, TokenObservation, _from_result
from pytest_ece_o365.verdict import MAX_EVIDENCE_LINES, failed

FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

#: Any JSON value, with the numbers and strings peers get wrong: huge integers, floats, non-ASCII digits.
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["3599", "-1", "²", "1e400", "AADSTS70000", "AADSTS" + "9" * 50, "0x10"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
TOKEN_KEYS = ["access_token", "expires_in", "scope", "token_type", "error", "error_description", "error_codes", "correlation_id", "trace_id"]  # fmt: skip
token_replies = st.dictionaries(st.sampled_from(TOKEN_KEYS), json_values, max_size=6) | st.fixed_dictionaries(
    {"access_token": st.text(min_size=1, max_size=40)},
    optional={"expires_in": scalars, "scope": json_values, "token_type": json_values},
)
NEED = TokenNeed("mailboxes[0].refresh_token", "a@example.com", ("https://outlook.office.com/IMAP.AccessAsUser.All",))


@FAST
@given(token_replies)
def test_a_token_reply_is_an_observation(reply: dict[str, Any]) -> None:
    if reply.get("error"):
        said = refusal(reply)
        assert isinstance(said.error, str) and (said.aadsts is None or 0 < said.aadsts < 10**9)
        return
    seen = _from_result(NEED, reply, Transcript(), "https://login.example", Deadline(5))
    assert isinstance(seen, TokenObservation)
    assert seen.ok or seen.error == "bad-response"
    assert seen.expires_in is None or 1 <= seen.expires_in <= 10**7


@FAST
@given(st.integers(min_value=100, max_value=599), st.text(max_size=300) | json_values.map(json.dumps))
def test_a_failed_token_reply_is_a_refusal(status: int, text: str) -> None:
    said = failed_reply("https://login.example/t/oauth2/v2.0/token", status, text, "ValueError: x")
    assert said.error and isinstance(said.description, str)
    assert isinstance(first_sentence(text), str)


@FAST
@given(json_values)
def test_peer_numbers_are_numbers_or_peer_value_errors(value: Any) -> None:
    for read in (expires_in, message_count):
        try:
            number = read(value)
        except PeerValueError as exc:
            assert exc.message and len(exc.message) < 200
        else:
            assert number is None or isinstance(number, int)


@FAST
@given(
    st.sampled_from([200, 204, 400, 401, 403, 404, 429, 500, 503]),
    json_values.map(json.dumps) | st.text(max_size=200) | st.integers(1, 3000).map(lambda n: "[" * n),
)
def test_a_graph_reply_is_an_object_or_graph_failed(status: int, text: str) -> None:
    try:
        body = graph_reply("users/a@example.com", status, text, "User.Read.All")
    except GraphFailed as exc:
        assert exc.error and isinstance(exc.message, str)
    else:
        assert isinstance(body, dict)


@FAST
@given(st.dictionaries(st.sampled_from(["appId", "id", "displayName", "web", "spa", "publicClient", "passwordCredentials", "requiredResourceAccess", "assignedPlans", "assignedLicenses", "value"]), json_values, max_size=6))  # fmt: skip
def test_graph_objects_parse_whatever_their_members_hold(item: dict[str, Any]) -> None:
    parse_application(item)
    parse_assigned_plans(item)
    for parse in (parse_grants, parse_scope_names, parse_license_details):
        parse(item.get("value"))
        parse([item])


@FAST
@given(st.text(max_size=200), st.sampled_from(["login", "mailbox"]))
def test_mail_replies_classify_to_an_error_class(reply: str, stage: str) -> None:
    for error in (classify_imap(reply, stage), classify_pop3(reply), classify_auth(reply), classify_send(reply)):
        assert isinstance(error, str) and error


mail_bytes = st.lists(
    st.binary(max_size=120)
    | st.sampled_from([b"* CAPABILITY IMAP4rev1 AUTH=XOAUTH2\r\n", b"A1 OK done\r\n", b"+OK\r\n", b".\r\n",
                       b"250-AUTH XOAUTH2\r\n", b"250 OK\r\n", b"* BYE\r\n", b"-ERR no\r\n", b"\xff\xfe\r\n"]),
    max_size=12,
).map(b"".join)  # fmt: skip


@FAST
@given(st.sampled_from(["imap", "pop3", "smtp"]), mail_bytes)
def test_a_capability_reply_is_an_observation(protocol: str, data: bytes) -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(data)
        theirs.shutdown(socket.SHUT_WR)
        reader = LineReader(ours, Deadline(2), Transcript(), "mail.example:993")
        seen = read_capabilities(protocol, reader)
    assert seen.ok or seen.error in ("garbage", "closed", "rejected", "read-timeout"), seen
    verdict = failed(seen.message or "x", "r", "network", cause="c", evidence=seen.transcript)
    assert len(verdict.evidence) <= MAX_EVIDENCE_LINES + 1
