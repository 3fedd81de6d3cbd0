"""What the live mailbox probes share: the XOAUTH2 string, the way in and the runner (the observation
they make is a plain value in :mod:`pytest_ece_o365.probes.mail_observation`, re-exported here).

A mailbox session runs as one chain inside one deadline (:func:`run_session`, under a :class:`Watchdog`):
DNS (the survey's shared lookup) -> TCP -> TLS (implicit for IMAP/POP3, STARTTLS for SMTP) and greeting
-> XOAUTH2 login -> one follow-up command.
The way in is the network probes' own code (:func:`~pytest_ece_o365.probes.tcp.connect`,
:func:`~pytest_ece_o365.probes.tls.secure`), so a session reaches Office 365 exactly as the network
checks do: through the configured resolver, to the resolved address, with SNI and verification.

Error classes of a session (``MailSessionObservation.error``; "" when it worked):

- before login (``stage`` dns / tcp / tls): the network probes' classes (``nxdomain``, ``refused``,
  ``tcp-timeout``, ``tls-untrusted``, ``read-timeout`` …) — the network checks' findings (the mailbox
  checks word them with the network rows when those checks are not in the run);
- ``no-token``: no access token to log in with (``stage`` token; nothing was sent);
- ``no-xoauth2``: the server offers no XOAUTH2 (``stage`` login);
- ``auth-refused``: the login was refused (IMAP ``NO``/``BAD``, POP3 ``-ERR``, SMTP ``5xx`` other than
  the two below), also after a ``+ eyJ…`` error challenge;
- ``smtp-auth-disabled-tenant`` / ``smtp-auth-disabled-mailbox``: ``535 5.7.139 … disabled for the
  Tenant`` / ``… for the Mailbox``;
- ``not-connected``: IMAP accepted the login, then ``BAD User is authenticated but not connected.``, or
  a ``* BYE`` / hang-up instead of any tagged reply to EXAMINE;
- ``examine-failed`` / ``stat-failed``: the mailbox could not be opened otherwise;
- ``send-as-denied``, ``not-authenticated``, ``recipient-refused``, ``send-refused``: the test message;
- any stage: ``read-timeout``, ``closed``, ``garbage`` (the server stopped answering or spoke nonsense).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import socket
from collections.abc import Callable

from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes.alarms import Alarm, set_alarm
from pytest_ece_o365.probes.mail_observation import NETWORK_STAGES as NETWORK_STAGES
from pytest_ece_o365.probes.mail_observation import PROTOCOL_NAMES as PROTOCOL_NAMES
from pytest_ece_o365.probes.mail_observation import STAGES as STAGES
from pytest_ece_o365.probes.mail_observation import MailSessionObservation as MailSessionObservation
from pytest_ece_o365.probes.observation import CertificateInfo, Deadline, DnsObservation, Transcript
from pytest_ece_o365.probes.tcp import LineReader, ProbeError, connect
from pytest_ece_o365.probes.tls import secure
from pytest_ece_o365.secret import Secret


def xoauth2(user: str, access_token: Secret) -> str:
    """The base64 SASL XOAUTH2 initial response (revealed here, at the socket, and nowhere else)."""
    raw = f"user={user}\x01auth=Bearer {access_token.reveal()}\x01\x01"
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


def base64_text(payload: str) -> str:
    """The text that ``payload`` encodes in base64, or "" when it is not base64 of UTF-8 text."""
    try:
        return base64.b64decode(payload.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def challenge_json(text: str) -> str:
    """``text`` when it is the JSON of a SASL error challenge, else "".

    Gmail and Dovecot send one (``+ eyJzdGF0dXMi…``) when they refuse a token; Microsoft is not known to,
    but a client must cope (answer with an empty line, then read the refusal). The JSON holds no secret,
    only ``status``, ``schemes`` and ``scope``, and says why: worth showing as evidence.
    """
    try:
        json.loads(text)
    except ValueError:
        return ""
    return text.strip()


class Session:
    """The mutable state of one session while it runs; :meth:`observation` freezes it."""

    def __init__(self, protocol: str, endpoint: Endpoint, user: str, account: str, timeout: float) -> None:
        self.protocol = protocol
        self.endpoint = endpoint
        self.user = user
        self.account = account
        self.deadline = Deadline(timeout)
        self.transcript = Transcript()
        self.stage = "dns"
        self.auth_reply = ""
        self.follow_up = ""
        self.challenge = ""
        self.messages: int | None = None
        self.reader: LineReader | None = None
        self.greeting = ""
        self.network_lines: tuple[str, ...] = ()
        self.resolver = ""
        self.tls_version = ""
        self.certificate: CertificateInfo | None = None

    def observation(self, error: str = "", message: str = "") -> MailSessionObservation:
        if not error:
            self.stage = "done"
        return MailSessionObservation(
            self.protocol, self.endpoint, self.user, self.account, self.stage, error, message,
            self.auth_reply, self.follow_up, self.challenge, self.messages, self.deadline.elapsed(),
            (*self.network_lines, *self.transcript.lines()), self.resolver, self.tls_version, self.certificate,
        )  # fmt: skip

    def open(self, dns: DnsObservation, network: Network) -> MailSessionObservation | None:
        """DNS -> TCP -> TLS + greeting; None when the session is up (then ``self.reader`` talks to it)."""
        self.resolver = dns.resolver
        if not dns.ok:
            self.network_lines = dns.transcript
            return self.observation(dns.error, dns.message)
        self.stage = "tcp"
        tcp, sock = connect(self.endpoint, dns.addresses, self.deadline, network.port_for(self.endpoint))
        self.network_lines = tcp.transcript
        if sock is None:
            return self.observation(tcp.error, tcp.message)
        self.stage = "tls"
        tls, reader = secure(
            self.endpoint, self.protocol, sock, tcp.address, network.ca_bundle, self.deadline, network.simulation
        )
        self.network_lines += tls.transcript
        self.tls_version, self.certificate = tls.version, tls.certificate
        if reader is None:
            return self.observation(tls.error, tls.message)
        reader.transcript = self.transcript
        self.reader, self.greeting = reader, tls.greeting
        self.stage = "login"
        return None

    def note_challenge(self, text: str) -> None:
        """Keep the JSON of an error challenge (already decoded) as evidence."""
        self.challenge = challenge_json(text)
        if self.challenge:
            self.transcript.note(f"error challenge: {self.challenge}")

    def acknowledge_challenge(self, reader: LineReader, payload: str) -> None:
        """A base64 error challenge (POP3 ``+ eyJ…``, SMTP ``334 eyJ…``): keep it, answer with the empty line
        after which the server sends its refusal."""
        self.note_challenge(base64_text(payload))
        reader.send_line("")

    def end(self, goodbye: Goodbye, exc: ProbeError | None = None) -> MailSessionObservation:
        """Close the session and freeze it: say ``goodbye`` unless the server hung up already.

        After a hang-up (``closed``, or IMAP's trap, which Exchange Online follows with ``* BYE``) only
        the server's last words are read: nothing more is sent to a server that has said goodbye.
        """
        if exc is None:
            self.close(goodbye)
            return self.observation()
        self.transcript.note(exc.message)  # the conclusion, before the goodbye
        if exc.error == "closed":
            self.drain(0.0)
        elif exc.error in ("not-connected", "bye"):
            self.drain()
        else:
            self.close(goodbye)
        return self.observation(exc.error, exc.message)

    def close(self, goodbye: Goodbye) -> None:
        """Say goodbye with at most a second to spare: politeness must not cost the timeout."""
        reader = self.reader
        if reader is None:
            return
        with contextlib.suppress(ProbeError, OSError):
            reader.deadline = Deadline(min(1.0, self.deadline.remaining()))
            goodbye(reader)
        self.drain(0.0)

    def drain(self, seconds: float = 0.5) -> None:
        """Read what the server still says (a farewell) for at most ``seconds``, then close."""
        reader = self.reader
        if reader is None:
            return
        with contextlib.suppress(ProbeError):
            reader.deadline = Deadline(min(seconds, self.deadline.remaining()))
            for _ in range(5 if seconds else 0):
                reader.read_line("the farewell")
        with contextlib.suppress(OSError):
            reader.sock.close()
        self.reader = None


#: One protocol's part of a session: everything after the greeting (raises :class:`ProbeError`).
Talk = Callable[[Session, LineReader], None]
#: The polite end of a session (its failures are ignored).
Goodbye = Callable[[LineReader], None]


def run_session(
    session: Session, dns: DnsObservation, network: Network, talk: Talk, goodbye: Goodbye
) -> MailSessionObservation:
    """The one runner of every mailbox session: the way in, ``talk`` and ``goodbye`` under a watchdog; never
    raises, ends within the session's deadline."""
    failed = session.open(dns, network)
    if failed is not None:
        return failed
    reader = session.reader
    assert reader is not None
    with Watchdog(session.deadline, reader.sock) as watchdog:
        try:
            talk(session, reader)
        except ProbeError as exc:
            return session.end(goodbye, watchdog.overrule(exc, reader.what))
        return session.end(goodbye)


def say(goodbye: str, is_last: Callable[[str], bool]) -> Goodbye:
    """The goodbye of a line protocol: send ``goodbye``, read the answer up to the line ``is_last`` accepts."""

    def farewell(reader: LineReader) -> None:
        reader.send_line(goodbye)
        for _ in range(5):
            if is_last(reader.read_line(f"the answer to {goodbye.split()[-1]}")):
                return

    return farewell


class Watchdog:
    """Shuts the session's socket down if the session outlives its deadline (plus a little grace).

    The line reader bounds every read by the deadline already; the watchdog is the guarantee that holds
    whatever a protocol library does with the socket in between (imaplib reads and waits on its own
    terms). A conversation it cut off is a ``read-timeout``, whatever error the cut caused.
    """

    GRACE = 0.5  # the reader's own timeout should win; the watchdog is the last resort

    def __init__(self, deadline: Deadline, sock: socket.socket) -> None:
        self.fired = False
        self._deadline = deadline
        self._sock = sock
        self._alarm: Alarm | None = None

    def __enter__(self) -> Watchdog:
        self._alarm = set_alarm(self._deadline.remaining() + self.GRACE, self._fire)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._alarm is not None:
            self._alarm.cancel()

    def _fire(self) -> None:
        self.fired = True
        # The plain socket's shutdown wakes a thread blocked in recv; SSLSocket.shutdown would first drop
        # the TLS object that thread is using.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def overrule(self, exc: ProbeError, what: str) -> ProbeError:
        if not self.fired:
            return exc
        return ProbeError(
            "read-timeout", f"{what}: the session had not ended after {self._deadline.seconds:g} s and was cut off"
        )


def refused(reader: LineReader, reply: str, error: str = "auth-refused") -> ProbeError:
    """The login refusal, worded for the finding."""
    return ProbeError(error, f"{reader.what} refused the XOAUTH2 login: {reply}")
