"""The POP3 mailbox probe (995, implicit TLS): two-step ``AUTH XOAUTH2``, then ``STAT``, read-only.

Two steps (``AUTH XOAUTH2``, wait for ``+``, then the blob) because Exchange Online refuses the one-line
form with ``-ERR Protocol error. Connection is closed. 10``. ``STAT`` only counts messages: the probe never
sends RETR, TOP or DELE, so nothing is downloaded, marked or deleted (and QUIT commits nothing).
"""

from __future__ import annotations

from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes.mail_session import MailSessionObservation, Session, refused, run_session, say, xoauth2
from pytest_ece_o365.probes.observation import DnsObservation
from pytest_ece_o365.probes.peer_values import PeerValueError, message_count
from pytest_ece_o365.probes.tcp import LineReader, ProbeError
from pytest_ece_o365.secret import Secret


def probe_pop3(
    endpoint: Endpoint,
    user: str,
    access_token: Secret,
    dns: DnsObservation,
    network: Network,
    timeout: float,
    *,
    account: str = "",
) -> MailSessionObservation:
    """Log in as ``user`` with ``access_token`` and count the messages; never raises, ends in ``timeout``."""

    def talk(session: Session, reader: LineReader) -> None:
        _authenticate(session, reader, user, access_token)
        session.stage = "mailbox"
        _stat(session, reader)

    session = Session("pop3", endpoint, user, account or user, timeout)
    return run_session(session, dns, network, talk, say("QUIT", _signed_off))


def _signed_off(line: str) -> bool:
    return line.startswith(("+OK", "-ERR"))


def _authenticate(session: Session, reader: LineReader, user: str, token: Secret) -> None:
    reader.send_line("AUTH XOAUTH2")
    line = reader.read_line("the AUTH continuation")
    if line.startswith("-ERR"):
        session.auth_reply = line
        raise refused(reader, line, classify_pop3(line))
    if not line.startswith("+"):
        raise ProbeError("garbage", f"{reader.what} answered AUTH XOAUTH2 with something that is not POP3: {line!r}")
    reader.send_line(xoauth2(user, token), shown="[redacted]")
    line = reader.read_line("the AUTH reply")
    if line.startswith("+") and not line.startswith("+OK"):
        session.acknowledge_challenge(reader, line[1:])  # an error challenge (Dovecot): then the -ERR
        line = reader.read_line("the AUTH reply")
    session.auth_reply = line
    if line.startswith("+OK"):
        return
    if line.startswith("-ERR"):
        raise refused(reader, line, classify_pop3(line))
    raise ProbeError("garbage", f"{reader.what} answered the XOAUTH2 login with something that is not POP3: {line!r}")


def _stat(session: Session, reader: LineReader) -> None:
    reader.send_line("STAT")
    line = reader.read_line("the STAT reply")
    session.follow_up = line
    if line.startswith("+OK"):
        words = line.split()
        try:
            session.messages = message_count(words[1]) if len(words) > 1 else None
        except PeerValueError as exc:
            raise ProbeError("garbage", f"{reader.what} answered STAT with {exc.message}") from None
        return
    error = classify_pop3(line, default="stat-failed")
    raise ProbeError(error, f"{reader.what} accepted the login, then STAT got '{line}'")


#: Exchange Online's stable phrases -> error class (office365-replies.jsonl: simonrob/email-oauth2-proxy#244,
#: #379, #162; jakartaee/mail-api#614; checked 2026-12-04). "Authentication failure" is the XOAUTH2 refusal,
#: "Logon failure" the wording of a USER/PASS (basic) login (jakartaee/mail-api#614 saw both in one issue).
_PHRASES: tuple[tuple[str, str], ...] = (
    ("authentication failure", "auth-refused"),
    ("logon failure", "logon-failure"),
    ("unrecognized authentication type", "no-xoauth2"),
    ("server unavailable", "server-unavailable"),
    ("command is not valid in this state", "rejected"),
)


def classify_pop3(reply: str, default: str = "auth-refused") -> str:
    """The error class of a POP3 ``-ERR`` reply, on its stable phrase anywhere in the text."""
    text = reply.lower()
    return next((error for phrase, error in _PHRASES if phrase in text), default)
