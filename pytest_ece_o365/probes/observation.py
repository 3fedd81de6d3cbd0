"""What the network probes saw: immutable observations, plus the deadline and transcript they share.

An observation records what was asked, what came back, a classified ``error`` ("" when the step
worked), a one-line human ``message``, the elapsed time and a redacted transcript (``S: …`` / ``C: …``
lines). Checks judge observations; they never touch the network themselves.

Error classes (stable strings; :mod:`pytest_ece_o365.diagnosis` maps them to causes and fixes):

- DNS: ``nxdomain``, ``servfail``, ``dns-refused``, ``dns-timeout``, ``dns-unavailable`` (the system
  resolver's "try again"), ``no-answer``, ``dns-error``.
- TCP: ``refused``, ``tcp-timeout``, ``unreachable``, ``tcp-error``, ``reset`` (also during the TLS handshake).
- TLS: ``tls-untrusted``, ``tls-expired``, ``tls-not-yet-valid``, ``tls-wrong-name``, ``tls-old-protocol``,
  ``tls-handshake``, ``no-starttls``, ``starttls-refused``, ``ca-bundle-invalid``.
- Any conversation: ``read-timeout``, ``garbage`` (also: over 1 MiB in one mail session, an endless reply),
  ``closed``, ``rejected`` (the server said no); HTTPS: ``too-large`` (a reply body over 1 MiB).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from pytest_ece_o365.abort import abort_requested
from pytest_ece_o365.config.deployment import Endpoint
from pytest_ece_o365.knowledge import is_microsoft_issuer
from pytest_ece_o365.redact import clip


class Deadline:
    """One absolute end time for a whole probe.

    Per-``recv`` socket timeouts alone let a server that drips one byte a second keep a probe alive
    forever; every blocking call gets ``remaining()`` instead, so the probe ends when the budget does.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()
        self.ends = self.started + seconds

    def remaining(self) -> float:
        if abort_requested():  # Ctrl-C: no time left for anything (pytest_ece_o365/abort.py)
            return 0.0
        return max(0.0, self.ends - time.monotonic())

    @property
    def expired(self) -> bool:
        return abort_requested() or time.monotonic() >= self.ends

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class Transcript:
    """A probe's dialogue, redacted line by line as it is recorded (so nothing unredacted is kept).

    At most ``MAX_LINES`` are kept — the first ones and the last ``TAIL`` (the conclusion), with one line
    saying how many between them were cut — whatever a peer keeps sending.
    """

    MAX_LINE = 300  # a server spewing binary must not blow up the report
    MAX_LINES = 200
    TAIL = 30

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._tail: deque[str] = deque(maxlen=self.TAIL)
        self._cut = 0

    def server(self, text: str) -> None:
        self._add("S", text)

    def client(self, text: str) -> None:
        self._add("C", text)

    def note(self, text: str) -> None:
        """Something the probe did or concluded that is not a protocol line (connect, handshake)."""
        self._add("*", text)

    def include(self, lines: Iterable[str]) -> None:
        """Another transcript's lines, as they were (a step done once for the run, shown in each probe's own)."""
        for line in lines:
            who, _, text = line.partition(": ")
            self._add(who, text)

    def _add(self, who: str, text: str) -> None:
        text = clip(text.rstrip("\r\n"), self.MAX_LINE)  # redacted, then cut
        line = f"{who}: {text}"
        if len(self._lines) < self.MAX_LINES - self.TAIL:
            self._lines.append(line)
            return
        if len(self._tail) == self.TAIL:
            self._cut += 1
        self._tail.append(line)

    def lines(self) -> tuple[str, ...]:
        if not self._cut:
            return (*self._lines, *self._tail)
        return (*self._lines, f"*: [… {self._cut} lines cut here: a transcript keeps {self.MAX_LINES} …]", *self._tail)


class Outcome:
    """What every step's observation answers alike: whether the step worked (it has no ``error``)."""

    error: str

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class DnsObservation(Outcome):
    """A host name looked up through the configured resolver (or the system's)."""

    host: str
    resolver: str  # "system resolver" or the nameservers asked, "10.0.0.53:53, 127.0.0.1:5353"
    addresses: tuple[str, ...] = ()  # IPv4 first, then IPv6, in the order the answer gave them
    cname_chain: tuple[str, ...] = ()  # host -> alias -> ... -> canonical name ("" when none)
    answered_by: str = ""  # which server answered ("" for the system resolver)
    error: str = ""
    message: str = ""
    elapsed: float = 0.0
    transcript: tuple[str, ...] = ()


@dataclass(frozen=True)
class TcpObservation(Outcome):
    """A TCP connection to the resolved address (never to the name: that would bypass the resolver)."""

    endpoint: Endpoint
    address: str = ""  # the address that answered, or the last one tried
    error: str = ""
    message: str = ""
    elapsed: float = 0.0
    transcript: tuple[str, ...] = ()
    port: int = 0  # the port dialled: the endpoint's, or in a simulated run the simulator's loopback port


@dataclass(frozen=True)
class CertificateInfo:
    """The server's leaf certificate as far as the findings need it."""

    subject_cn: str = ""
    issuer_o: str = ""
    issuer_cn: str = ""
    not_after: str = ""  # ISO 8601, UTC
    names: tuple[str, ...] = ()  # subjectAltName DNS names / addresses
    #: Issued by the simulator's own CA, recognised by its SHA-256 fingerprint (a ``--ece-simulate`` run only)
    simulated_ca: bool = False

    @property
    def microsoft_issued(self) -> bool:
        """Issued by one of Microsoft's public CAs — or, in a simulated run, by the simulator's stand-in for
        them. Anything else presenting a Microsoft host name is TLS inspection."""
        return self.simulated_ca or is_microsoft_issuer(self.issuer_o, self.issuer_cn)

    def names_text(self, limit: int = 8) -> str:
        """The subjectAltNames for evidence, cut after ``limit``: "a, b, c (+4 more)"."""
        shown = ", ".join(self.names[:limit])
        return shown + (f" (+{len(self.names) - limit} more)" if len(self.names) > limit else "")

    @property
    def issuer(self) -> str:
        """The issuer as a person would name it: "CN (O)", or whichever of the two is known."""
        if self.issuer_cn and self.issuer_o and self.issuer_o not in self.issuer_cn:
            return f"{self.issuer_cn} ({self.issuer_o})"
        return self.issuer_cn or self.issuer_o or "an unnamed issuer"


@dataclass(frozen=True)
class TlsObservation(Outcome):
    """The secure session: STARTTLS dialogue (587), handshake, and the mail server's greeting.

    The greeting belongs here because a server that completes TCP but never speaks (a proxy or
    firewall holding the connection) must be reported where a TAC engineer looks first, not as a
    missing capability.
    """

    mode: str  # "implicit" | "starttls"
    verified: bool = False  # the certificate chain and name verified against system store + ca_bundle
    version: str = ""  # "TLSv1.3"; for tls-old-protocol, what the server offered instead
    cipher: str = ""
    certificate: CertificateInfo | None = None
    greeting: str = ""
    error: str = ""
    message: str = ""
    elapsed: float = 0.0
    transcript: tuple[str, ...] = ()
    #: What network.java_trust needs to tell which root ECE's Java must hold (DER certificates): the chain
    #: as the server sent it (leaf first), and as this server verified it, ending in the trust anchor used.
    presented: tuple[bytes, ...] = field(default=(), repr=False)
    verified_chain: tuple[bytes, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class CapabilityObservation(Outcome):
    """What the mail server announces before login: IMAP CAPABILITY, POP3 CAPA, SMTP EHLO after TLS."""

    protocol: str
    capabilities: tuple[str, ...] = ()
    xoauth2: bool = False
    error: str = ""
    message: str = ""
    elapsed: float = 0.0
    transcript: tuple[str, ...] = ()


@dataclass(frozen=True)
class EndpointObservation:
    """One endpoint probed as a chain: DNS -> TCP -> TLS (+ greeting) -> capabilities.

    The chain stops at the first failing step (a failed DNS lookup must not cost a TCP timeout); the
    steps never reached are None.
    """

    endpoint: Endpoint
    protocol: str  # https | imap | pop3 | smtp
    dns: DnsObservation
    tcp: TcpObservation | None = None
    tls: TlsObservation | None = None
    capabilities: CapabilityObservation | None = None
    elapsed: float = 0.0

    @property
    def transcript(self) -> tuple[str, ...]:
        lines: list[str] = []
        for step in (self.tcp, self.tls, self.capabilities):
            if step is not None:
                lines.extend(step.transcript)
        return tuple(lines)
