"""The SMTP submission probe (587, STARTTLS): EHLO, STARTTLS, EHLO, ``AUTH XOAUTH2`` -> 235, QUIT.

The login is the token's own account: Office 365 refuses the shared-mailbox ``user=`` form for SMTP AUTH
(``535 5.7.3``, FullAccess and SendAs or not; it is for IMAP/POP only — nextcloud/mail#13668,
frappe/frappe#23079, simonrob/email-oauth2-proxy#426, checked 2026-12-04). Nothing is sent unless a
:class:`TestMessage` is given (``--ece-send-test-mail``): then one short, clearly labelled message goes
``MAIL FROM`` the mailbox's own address, which is what ECE's dispatcher does and what catches "SendAs
denied" on shared mailboxes (Office 365 answers it at the end of DATA).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes.capabilities import _smtp_reply, smtp_ehlo
from pytest_ece_o365.probes.mail_session import MailSessionObservation, Session, refused, run_session, say, xoauth2
from pytest_ece_o365.probes.observation import DnsObservation
from pytest_ece_o365.probes.tcp import LineReader, ProbeError
from pytest_ece_o365.secret import Secret


@dataclass(frozen=True)
class TestMessage:
    """The opt-in test message's envelope: to ``recipient``, from ``sender`` — always the mailbox's own
    address, which for a shared mailbox is not the account that logged in."""

    __test__ = False  # not a pytest test class, whatever its name

    recipient: str
    sender: str


def probe_smtp(
    endpoint: Endpoint,
    user: str,
    access_token: Secret,
    dns: DnsObservation,
    network: Network,
    timeout: float,
    *,
    account: str = "",
    send: TestMessage | None = None,
) -> MailSessionObservation:
    """Log in as ``user``, the token's own account (and, with ``send``, submit one test message from its
    sender); never raises, ends in ``timeout``."""

    def talk(session: Session, reader: LineReader) -> None:
        extensions = smtp_ehlo(reader)  # RFC 3207: what was learnt before STARTTLS no longer counts
        if not any(_offers_xoauth2(item) for item in extensions):
            raise ProbeError("no-xoauth2", f"{reader.what} offers no AUTH XOAUTH2 after STARTTLS")
        _authenticate(session, reader, user, access_token)
        if send is not None:
            session.stage = "send"
            _send(session, reader, send.sender, send.recipient)

    session = Session("smtp", endpoint, user, account or user, timeout)
    return run_session(session, dns, network, talk, say("QUIT", _final))


def _final(line: str) -> bool:
    return len(line) < 4 or line[3] != "-"


def _offers_xoauth2(extension: str) -> bool:
    words = extension.replace("=", " ").upper().split()
    return bool(words) and words[0] == "AUTH" and "XOAUTH2" in words[1:]


def classify_auth(reply: str) -> str:
    """The error class of a refused ``AUTH XOAUTH2`` reply (see :mod:`mail_session`).

    Read on the enhanced status code and Microsoft's stable phrase, anywhere in the text: clients quote
    the reply inside their own words ("Invalid login: 535 …", "(535, b'5.7.139 …')"), and Exchange Online
    ends it with a ``[HOST timestamp id]`` tag that changes every time.
    """
    for pattern, error in _AUTH_CLASSES:
        match = pattern.search(reply)
        if match:
            return error.format(*(group.lower() for group in match.groups()))
    if reply.lstrip().startswith("504"):  # "Unrecognized authentication type"
        return "no-xoauth2"
    return "auth-refused"


#: (phrase, error class) in order: the first that matches names the cause. Sources: office365-replies.jsonl
#: (zehm/sendEmail#1; simonrob/email-oauth2-proxy#193; nodemailer/nodemailer#1617, #1714;
#: docs.bookyourpto.com/features/smtp-troubleshoot), checked 2026-12-04.
_AUTH_CLASSES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), error)
    for pattern, error in (
        (r"\b4\.7\.66\b|TLS 1\.0 and 1\.1 are not supported", "smtp-tls-old"),
        (r"SmtpClientAuthentication is disabled for the (Tenant|Mailbox)", "smtp-auth-disabled-{0}"),
        (r"did not meet the criteria to be authenticated", "smtp-auth-conditional-access"),
        (r"security defaults policy", "smtp-auth-security-defaults"),
        (r"basic authentication is disabled", "smtp-basic-auth-disabled"),
    )
)


def _authenticate(session: Session, reader: LineReader, user: str, token: Secret) -> None:
    # Inline: Exchange Online takes the initial response on the AUTH line (and Dovecot too).
    reader.send_line(f"AUTH XOAUTH2 {xoauth2(user, token)}", shown="AUTH XOAUTH2 [redacted]")
    reply = _smtp_reply(reader, "the AUTH reply")
    if reply[-1].startswith("334"):
        session.acknowledge_challenge(reader, reply[-1][4:])  # an error challenge (``334 eyJ…``): then the 535
        reply = _smtp_reply(reader, "the AUTH reply")
    session.auth_reply = " / ".join(reply)
    if reply[-1].startswith("235"):
        return
    raise refused(reader, session.auth_reply, classify_auth(session.auth_reply))


def classify_send(reply: str) -> str:
    """The error class of a refused MAIL / RCPT / DATA reply (on codes and stable phrases, like
    :func:`classify_auth`): SendAs refusals come as ``550 5.7.60 …``, ``554 5.2.0 …SendAsDeniedException…``
    and ``554 5.2.252 SendAsDenied; …``, at the end of DATA (office365-replies.jsonl)."""
    if _SEND_AS.search(reply):
        return "send-as-denied"
    if _NOT_AUTHENTICATED.search(reply):
        return "not-authenticated"
    if _AUTH_CLASSES[0][0].search(reply):
        return "smtp-tls-old"
    return "send-refused"


_SEND_AS = re.compile(r"SendAsDenied|\b5\.7\.60\b", re.IGNORECASE)
_NOT_AUTHENTICATED = re.compile(r"\b5\.7\.57\b|^\s*530\b")


def _command(session: Session, reader: LineReader, line: str, expected: str, waiting_for: str) -> str:
    reader.send_line(line)
    reply = " / ".join(_smtp_reply(reader, waiting_for))
    if not reply.startswith(expected):
        session.follow_up = reply
        error = classify_send(reply)
        if error == "send-refused" and line.startswith("RCPT"):
            error = "recipient-refused"
        raise ProbeError(error, f"{reader.what} refused {line.split(':')[0]}: {reply}")
    return reply


def _send(session: Session, reader: LineReader, sender: str, recipient: str) -> None:
    _command(session, reader, f"MAIL FROM:<{sender}>", "250", "the MAIL FROM reply")
    _command(session, reader, f"RCPT TO:<{recipient}>", "250", "the RCPT TO reply")
    _command(session, reader, "DATA", "354", "the DATA reply")
    lines = build_test_message(sender, recipient).splitlines()
    reader.transcript.note(f"message body: {len(lines)} lines (headers: From {sender}, To {recipient})")
    for line in lines:
        # Dot-stuffing (RFC 5321 §4.5.2); the body is not worth repeating in the evidence line by line.
        reader.sock.settimeout(max(reader.deadline.remaining(), 0.001))
        try:
            reader.sock.sendall((("." + line) if line.startswith(".") else line).encode("utf-8") + b"\r\n")
        except OSError as exc:
            raise ProbeError("closed", f"{reader.what} broke the connection during DATA ({exc})") from None
    session.follow_up = _command(session, reader, ".", "250", "the reply to the message")


def build_test_message(sender: str, recipient: str) -> str:
    """The opt-in test message, CRLF-free text (the caller sends each line with CRLF)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = f"ECE Office 365 test message from {sender}"
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{uuid.uuid4()}@pytest-ece-o365>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a probe
    message["X-Mailer"] = "pytest-ece-o365 (--ece-send-test-mail)"
    # Short lines keep the body 7-bit plain text, readable as it is in any mail client or log.
    message.set_content(
        "This is a test message from pytest-ece-o365 (--ece-send-test-mail).\n"
        f"It checks that the ECE mailbox {sender}\n"
        "can send through Office 365 with OAuth (XOAUTH2), as ECE's dispatcher does.\n"
        "It needs no action and can be deleted.\n",
        cte="7bit",
    )
    return message.as_string().replace("\r\n", "\n")
