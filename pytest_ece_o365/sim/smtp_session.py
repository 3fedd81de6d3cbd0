"""One SMTP submission session of the simulated Exchange Online server (the state machine behind
sim/smtp.py): EHLO, STARTTLS, AUTH XOAUTH2, then MAIL/RCPT/DATA or BDAT.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import TYPE_CHECKING, Protocol

from pytest_ece_o365.sim.mailserver import Connection, parse_xoauth2
from pytest_ece_o365.sim.mailwire import wire_of

if TYPE_CHECKING:
    import ssl

    from pytest_ece_o365.sim.authority import MailAuthority

__all__ = ["SentMessage", "SmtpSession", "smtp_date"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PATH = re.compile(r"^(FROM|TO):\s*<([^<>]*)>(.*)$", re.IGNORECASE)
EHLO_KEYWORDS = (
    "SIZE 157286400", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "{tls}", "8BITMIME", "BINARYMIME",
    "CHUNKING", "SMTPUTF8",
)  # fmt: skip
#: "for the Tenant": simonrob/email-oauth2-proxy#193 (XOAUTH2), nodemailer/nodemailer#1484 (AUTH LOGIN).
#: UNVERIFIED FOR XOAUTH2: the "for the Mailbox" form (Set-CASMailbox -SmtpClientAuthenticationDisabled);
#: no public capture of it was found (2026-12-05); the classifier reads "disabled for the (Tenant|Mailbox)".
DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the {what}. "
    "Visit https://aka.ms/smtp_auth_disabled for more information."
)

SEND_AS_DENIED = "550 5.7.60 SMTP; Client does not have permissions to send as this sender"


def smtp_date(now: datetime | None = None) -> str:
    """``Wed, 9 Nov 2022 10:09:41 +0000`` — Exchange's greeting date (English names whatever the locale)."""
    dt = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{_DAYS[dt.weekday()]}, {dt.day} {_MONTHS[dt.month - 1]} {dt:%Y %H:%M:%S} +0000"


@dataclass(frozen=True)
class SentMessage:
    """A message accepted for delivery: who authenticated, the envelope and the raw bytes."""

    account: str
    mail_from: str
    rcpt_to: tuple[str, ...]
    data: bytes
    message_id: str


class SmtpHost(Protocol):
    """What a session needs of its server (:class:`~pytest_ece_o365.sim.smtp.SmtpServer`)."""

    authority: MailAuthority
    backend: str
    fqdn: str
    max_message_size: int
    ssl_context: ssl.SSLContext

    def deliver(self, message: SentMessage) -> None: ...


class SmtpSession:
    """Talks SMTP to one client until QUIT, a timeout or server stop.

    Each command ``X`` is handled by ``cmd_x(args) -> bool`` (False ends the session) after :meth:`dispatch`
    has recorded it; an unknown command gets ``500 5.3.3 Unrecognized command``.
    """

    def __init__(self, server: SmtpHost, conn: Connection) -> None:
        self.server = server
        self.conn = conn
        self.tls = False
        self.helo = False
        self.account: str | None = None  # whom the accepted token was issued to
        self.mail_from: str | None = None
        self.rcpt_to: list[str] = []
        self.chunks: list[bytes] = []
        #: The session's id, in the greeting's tag and in every refusal's (since 2024: email-oauth2-proxy#251,
        #: #297, #372 show one id for a whole session; checked 2026-12-04).
        self.session_id = uuid.uuid4().hex[:16].upper()

    def reset(self) -> None:
        self.mail_from, self.rcpt_to, self.chunks = None, [], []

    def run(self) -> None:
        """Greet, then serve commands until the client quits.

        The greeting ends with the session id since 2024: ``220 BE1P281CA0440.outlook.office365.com Microsoft
        ESMTP MAIL Service ready at Mon, 4 Aug 2025 11:15:30 +0000 [08DDD30471EE4ED5]``
        (simonrob/email-oauth2-proxy#372, #297; checked 2026-12-04)."""
        greeting = f"220 {self.server.fqdn} Microsoft ESMTP MAIL Service ready at {smtp_date()}"
        self.conn.send(f"{greeting} [{self.session_id}]")
        while self.dispatch(self.conn.read_line()):
            pass

    def dispatch(self, line: str) -> bool:
        """Handle one command; False ends the session."""
        name, _, args = line.strip().partition(" ")
        cmd = name.upper()
        if cmd == "AUTH":
            self.conn.record_auth(name, args)
        else:
            self.conn.record(line, mutation=cmd in ("DATA", "BDAT"))
        handler = getattr(self, f"cmd_{cmd.lower()}", None) if cmd.isalpha() else None
        if handler is None:
            # The line itself is quoted: "500 5.3.3 Unrecognized command 'Length: 3' [host time id]"
            # (simonrob/email-oauth2-proxy#251, #234, #372; checked 2026-12-04).
            self.conn.send(f"500 5.3.3 Unrecognized command '{line.strip()}'" + self.tag())
            return True
        return bool(handler(args.strip()))

    # -- connection ----------------------------------------------------------------------------
    def cmd_ehlo(self, domain: str) -> bool:
        if not domain:
            self.conn.send("501 5.5.4 Invalid domain name")
            return True
        self.helo = True
        self.reset()
        tls = "AUTH LOGIN XOAUTH2" if self.tls else "STARTTLS"
        lines = [f"{self.server.fqdn} Hello [{self.conn.peer_ip}]", *(k.format(tls=tls) for k in EHLO_KEYWORDS)]
        self.conn.send(*(f"250-{ln}" for ln in lines[:-1]), f"250 {lines[-1]}")
        return True

    def cmd_helo(self, domain: str) -> bool:
        if not domain:
            self.conn.send("501 5.5.4 Invalid domain name")
            return True
        self.helo = True
        self.reset()
        self.conn.send(f"250 {self.server.fqdn} Hello [{self.conn.peer_ip}]")
        return True

    def cmd_starttls(self, args: str) -> bool:
        if self.tls:
            self.conn.send("503 5.5.1 Bad sequence of commands")
            return True
        self.conn.send("220 2.0.0 SMTP server ready")
        self.conn.start_tls(self.server.ssl_context)
        # RFC 3207: forget everything learned before the handshake; the client must EHLO again.
        self.tls, self.helo, self.account = True, False, None
        self.reset()
        return True

    def cmd_noop(self, args: str) -> bool:
        self.conn.send("250 2.0.0 OK")
        return True

    def cmd_rset(self, args: str) -> bool:
        self.reset()
        self.conn.send("250 2.0.0 Resetting")
        return True

    def cmd_vrfy(self, args: str) -> bool:
        self.conn.send("252 2.1.5 Cannot VRFY user")
        return True

    def cmd_quit(self, args: str) -> bool:
        self.conn.send("221 2.0.0 Service closing transmission channel")
        return False

    # -- authentication ------------------------------------------------------------------------
    def cmd_auth(self, args: str) -> bool:
        mech, _, blob = args.partition(" ")
        mech = mech.upper()
        if not self.helo:
            self.conn.send("503 5.5.2 Send hello first")
        elif self.account is not None:
            self.conn.send("503 5.5.2 Already authenticated")
        elif not self.tls or mech not in ("XOAUTH2", "LOGIN"):
            # Before STARTTLS Exchange Online offers no AUTH at all, so every mechanism is "unrecognized".
            self.conn.send(f"504 5.7.4 Unrecognized authentication type [{self.server.backend}]")
        elif wire_of(self.server.authority).smtp_auth_close:
            # A refusal of the connection itself (421 4.7.66, TLS 1.0/1.1): the token is not read, the
            # server hangs up (sim/scenarios_mail.py TLS_OLD).
            self.conn.send(wire_of(self.server.authority).smtp_auth_close + self.tag())
            return False
        elif mech == "LOGIN":
            for prompt in ("334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6")[(1 if blob else 0) :]:
                self.conn.send(prompt)
                self.conn.read_line()
                self.conn.record("[redacted]")
            self.conn.send(
                f"535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [{self.server.backend}]"
            )
        else:
            self._xoauth2(blob)
        return True

    def _xoauth2(self, blob: str) -> None:
        if not blob:
            self.conn.send("334 ")
            blob = self.conn.read_line()
            self.conn.record("[redacted]")
            if blob.strip() == "*":
                self.conn.send("501 5.0.0 Authentication canceled")
                return
        parsed = parse_xoauth2(blob)
        verdict = self.server.authority.mail_login("smtp", *parsed) if parsed else None
        policy = wire_of(self.server.authority).smtp_auth
        if verdict is not None and verdict.token_accepted and policy:
            # An Entra policy (Conditional Access, security defaults) refuses the sign-in whatever the token.
            self.conn.send(policy + self.tag())
        elif verdict is not None and verdict.ok and verdict.account:
            self.account = verdict.account
            self.conn.send("235 2.7.0 Authentication successful")
        elif verdict is not None and verdict.refusal == "smtp-auth-disabled-tenant":
            self.conn.send(DISABLED.format(what="Tenant") + self.tag())
        elif verdict is not None and verdict.refusal == "smtp-auth-disabled-mailbox":
            self.conn.send(DISABLED.format(what="Mailbox") + self.tag())
        else:
            self.conn.send("535 5.7.3 Authentication unsuccessful" + self.tag())

    def tag(self) -> str:
        """The trailer Exchange Online puts on its SMTP refusals since 2024: ``[backend timestamp id]``,
        e.g. ``[AM0PR02CA0134.eurprd02.prod.outlook.com 2024-07-11T11:46:49.042Z 08DCA18218166FB4]``
        (jstedfast/MailKit#1770, simonrob/email-oauth2-proxy#193; checked 2026-12-04)."""
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return f" [{self.server.backend} {stamp} {self.session_id}]"

    # -- mail transaction ----------------------------------------------------------------------
    def cmd_mail(self, args: str) -> bool:
        match = _PATH.match(args)
        if not self.helo:
            self.conn.send("503 5.5.2 Send hello first")
        elif self.account is None:
            self.conn.send("530 5.7.57 Client not authenticated to send mail.")
        elif self.mail_from is not None:
            self.conn.send("503 5.5.1 Sender already specified")
        elif match is None or match.group(1).upper() != "FROM":
            self.conn.send("501 5.5.4 Invalid arguments")
        else:
            self.mail_from = match.group(2)
            self.conn.send("250 2.1.0 Sender OK")
        return True

    def cmd_rcpt(self, args: str) -> bool:
        match = _PATH.match(args)
        if self.mail_from is None:
            self.conn.send("503 5.5.1 Need mail command")
        elif match is None or match.group(1).upper() != "TO" or not match.group(2):
            self.conn.send("501 5.5.4 Invalid arguments")
        else:
            self.rcpt_to.append(match.group(2))
            self.conn.send("250 2.1.5 Recipient OK")
        return True

    def cmd_data(self, args: str) -> bool:
        if not self.rcpt_to:
            self.conn.send("503 5.5.1 Need rcpt command")
            return True
        self.conn.send("354 Start mail input; end with <CRLF>.<CRLF>")
        size, too_big = 0, False
        while (line := self.conn.read_line()) != ".":
            raw = (line[1:] if line.startswith(".") else line).encode("latin-1") + b"\r\n"
            size += len(raw)
            too_big = too_big or size > self.server.max_message_size
            if not too_big:  # keep reading to the end, but stop buffering
                self.chunks.append(raw)
        if too_big:
            self.reset()
            self.conn.send("552 5.3.4 Message size exceeds fixed maximum message size")
        else:
            self._finish()
        return True

    def cmd_bdat(self, args: str) -> bool:
        parts = args.split()
        if not parts or not parts[0].isdigit() or (len(parts) > 1 and parts[1].upper() != "LAST"):
            self.conn.send("501 5.5.4 Invalid arguments")
            return True
        chunk = self.conn.read_exact(int(parts[0]))  # the chunk follows whatever we answer
        if not self.rcpt_to:
            self.conn.send("503 5.5.1 Need rcpt command")
        elif sum(map(len, self.chunks)) + len(chunk) > self.server.max_message_size:
            self.reset()
            self.conn.send("552 5.3.4 Message size exceeds fixed maximum message size")
        elif len(parts) > 1:
            self.chunks.append(chunk)
            self._finish()
        else:
            self.chunks.append(chunk)
            self.conn.send(f"250 2.0.0 {len(chunk)} bytes received")
        return True

    def _finish(self) -> None:
        assert self.account is not None and self.mail_from is not None
        data = b"".join(self.chunks)
        headers = BytesHeaderParser().parsebytes(data)
        senders = [self.mail_from] + [a for _, a in getaddresses(headers.get_all("From", [])) if a]
        for sender in dict.fromkeys(s for s in senders if s):
            if not self.server.authority.may_send_as(self.account, sender):
                # At the end of DATA, not at MAIL FROM (PHPMailer "DATA END command failed: 550 5.7.60",
                # WWBN/AVideo#1017; swiftmailer/swiftmailer#1030; checked 2026-12-04). Exchange also words it
                # "554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException…" and "554 5.2.252
                # SendAsDenied…" (MicrosoftDocs/OfficeDocs-Support#1187, gophish/gophish#2900).
                self.reset()
                refusal = wire_of(self.server.authority).send_as or SEND_AS_DENIED
                self.conn.send(refusal + self.tag())
                return
        message_id = str(headers.get("Message-ID") or f"<{uuid.uuid4()}@{self.server.backend}>").strip()
        self.server.deliver(SentMessage(self.account, self.mail_from, tuple(self.rcpt_to), data, message_id))
        self.reset()
        self.conn.send(f"250 2.0.0 OK {message_id} [Hostname={self.server.backend}]")
