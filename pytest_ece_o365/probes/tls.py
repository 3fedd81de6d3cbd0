"""The secure session: STARTTLS (SMTP 587) or implicit TLS (443, 993, 995), verified, then the greeting.

TLS is always verified against the host name, with the system's trust store plus ``[network] ca_bundle``
(contract §7: there is no switch to turn it off). When verification or the handshake fails, a second,
non-verifying handshake on a fresh connection only *reads* the server's certificate or protocol
version, so that the finding can say "TLS inspection by Contoso TLS Inspection CA" or "the server only
speaks TLSv1"; nothing is ever sent over that connection, and the check still fails.
"""

from __future__ import annotations

import _ssl
import contextlib
import functools
import hashlib
import socket
import ssl
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pytest_ece_o365.config.deployment import Endpoint, Simulation
from pytest_ece_o365.files import CA_BUNDLE_LIMIT, read_bounded
from pytest_ece_o365.probes import inflight
from pytest_ece_o365.probes.capabilities import read_greeting, smtp_ehlo
from pytest_ece_o365.probes.observation import CertificateInfo, Deadline, TlsObservation, Transcript
from pytest_ece_o365.probes.tcp import RESET, LineReader, ProbeError, connect_address
from pytest_ece_o365.probes.tls_cert import also_named as _also_named
from pytest_ece_o365.probes.tls_cert import certificate_info

# OpenSSL X509_V_ERR_* codes that have a finding of their own; every other verify failure is "untrusted".
_VALIDITY = {9: ("tls-not-yet-valid", "not valid yet"), 10: ("tls-expired", "expired")}
_WRONG_NAME = {62, 64}  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
_MODERN = ("TLSv1.2", "TLSv1.3")


def verifying_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """System trust store plus ``ca_bundle``, host name checked, TLS 1.2 or later."""
    # Read bounded (files.py: a FIFO or /dev/zero is refused), then parsed as PEM (ASCII) text.
    cadata = read_bounded(ca_bundle, CA_BUNDLE_LIMIT).decode("ascii", "ignore") if ca_bundle is not None else None
    with _CONTEXTS_LOCK:  # hundreds of probes start at once: one builds the context, the others reuse it
        return _verifying_context(cadata)


_CONTEXTS_LOCK = threading.Lock()


@functools.lru_cache(maxsize=4)
def _verifying_context(cadata: str | None) -> ssl.SSLContext:
    # One per bundle text per process: loading the system store costs milliseconds of CPU, once per
    # connection of hundreds (issue 13); a context never changed after this is safe to share between threads.
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cadata is not None:
        context.load_verify_locations(cadata=cadata)
    return context


def trust_store(ca_bundle: Path | None) -> ssl.SSLContext:
    """:func:`verifying_context`, or :class:`ProbeError` ``ca-bundle-invalid`` for a bundle that cannot be loaded."""
    try:
        return verifying_context(ca_bundle)
    except (OSError, ValueError) as exc:  # unreadable, empty or non-PEM (SSLError is an OSError): not a crash
        raise ProbeError("ca-bundle-invalid", f"[network] ca_bundle {ca_bundle} cannot be loaded: {exc}") from None


def _reading_context(legacy: bool) -> ssl.SSLContext:
    """For reading a certificate or protocol version only (see the module docstring)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if legacy:
        # To *name* a TLS 1.0/1.1-only server instead of reporting a bare handshake failure.
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def secure(
    endpoint: Endpoint,
    protocol: str,
    sock: socket.socket,
    address: str,
    ca_bundle: Path | None,
    deadline: Deadline,
    simulation: Simulation | None = None,
) -> tuple[TlsObservation, LineReader | None]:
    """Turn a connected socket into a verified TLS session and read the greeting; never raises.

    Returns the observation and, on success, a reader on the TLS socket for the capability step.
    ``simulation`` (a ``--ece-simulate`` run): where a second, reading connection must dial, and the
    fingerprints of the simulator's CA, recognised as the stand-in for Microsoft's.
    """
    mode = "starttls" if protocol == "smtp" else "implicit"
    transcript = Transcript()
    started = deadline.elapsed()
    what = str(endpoint)
    greeting = version = cipher = ""
    certificate: CertificateInfo | None = None
    tls_sock: ssl.SSLSocket | None = None
    try:
        if protocol == "smtp":
            greeting = _starttls(LineReader(sock, deadline, transcript, what))
        trust = "the system store" + (f" + {ca_bundle.name}" if ca_bundle else "")
        transcript.note(f"TLS handshake, SNI {endpoint.host}, verifying against {trust}")
        tls_sock = _handshake(sock, endpoint.host, trust_store(ca_bundle), deadline, what)
        version, cipher = tls_sock.version() or "", (tls_sock.cipher() or ("",))[0]
        presented, verified_chain = peer_chains(tls_sock)
        cert = certificate_info(tls_sock.getpeercert(binary_form=True))
        cert = certificate = recognise(cert, (*presented[1:], *verified_chain[1:]), simulation, transcript)
        transcript.note(
            f"{version} {cipher}; certificate verified for {endpoint.host}{_also_named(cert, endpoint.host)}, "
            f"issued by {cert.issuer}"
        )
        reader = LineReader(tls_sock, deadline, transcript, what)
        if protocol in ("imap", "pop3"):
            greeting = read_greeting(protocol, reader)
    except ProbeError as exc:
        _close(tls_sock or sock)
        if tls_sock is None:  # the handshake itself failed: find out what the server has to offer
            peer = _Peer(endpoint, protocol, address, simulation)
            version, certificate = _diagnose(exc, peer, deadline, transcript)
        else:
            transcript.note(exc.message)
        return TlsObservation(
            mode, tls_sock is not None, version, cipher, certificate, greeting, exc.error, exc.message,
            deadline.elapsed() - started, transcript.lines(),
        ), None  # fmt: skip
    message = f"{version} with a certificate valid for {endpoint.host}, issued by {cert.issuer}"
    return TlsObservation(
        mode, True, version, cipher, cert, greeting, "", message, deadline.elapsed() - started, transcript.lines(),
        presented, verified_chain,
    ), reader  # fmt: skip


def peer_chains(tls_sock: ssl.SSLSocket) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    """The chain the server presented and the one this server verified (DER, leaf first); ``()`` for either
    this Python cannot tell. Public from Python 3.13; 3.10-3.12 have the same calls on the ssl object."""
    owner: Any = tls_sock if hasattr(tls_sock, "get_verified_chain") else getattr(tls_sock, "_sslobj", None)
    chains: list[tuple[bytes, ...]] = []
    for name in ("get_unverified_chain", "get_verified_chain"):
        try:
            certs = getattr(owner, name)() or []
            chains.append(tuple(c if isinstance(c, bytes) else c.public_bytes(_ssl.ENCODING_DER) for c in certs))
        except (AttributeError, TypeError, ValueError, ssl.SSLError):
            chains.append(())
    return chains[0], chains[1]


def _starttls(reader: LineReader) -> str:
    """SMTP: greeting, EHLO, STARTTLS, 220 — then the caller hands the raw socket to TLS."""
    greeting = read_greeting("smtp", reader)
    extensions = smtp_ehlo(reader)
    if not any(item.upper() == "STARTTLS" for item in extensions):
        raise ProbeError("no-starttls", f"{reader.what} does not offer STARTTLS, so ECE cannot secure the session")
    reader.send_line("STARTTLS")
    reply = reader.read_line("the STARTTLS reply")
    if not reply.startswith("220"):
        raise ProbeError("starttls-refused", f"{reader.what} refused STARTTLS: {reply}")
    if reader.pending():  # bytes before the handshake would be injected into the session: refuse them
        raise ProbeError("garbage", f"{reader.what} sent data after 220 to STARTTLS, before the handshake")
    return greeting


def _handshake(sock: socket.socket, host: str, context: ssl.SSLContext, deadline: Deadline, what: str) -> ssl.SSLSocket:
    """One handshake bounded by the deadline; failures close the socket and raise :class:`ProbeError`."""
    try:  # wrap_socket reads already when the peer has reset the connection
        tls_sock = inflight.register(context.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False))
    except OSError as exc:
        _close(sock)
        raise handshake_error(exc, host, what, deadline.seconds) from None
    try:
        _do_handshake(tls_sock, host, deadline, what)
    except ProbeError:
        _close(tls_sock)  # wrap_socket took the descriptor over: closing ``sock`` would not free it
        raise
    return tls_sock


def _do_handshake(tls_sock: ssl.SSLSocket, host: str, deadline: Deadline, what: str) -> None:
    try:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise TimeoutError
        # The ssl module applies one deadline to the whole handshake, so a dripping server cannot stretch it.
        tls_sock.settimeout(remaining)
        tls_sock.do_handshake()
    except OSError as exc:  # ssl.SSLError, TimeoutError and ConnectionError are all OSErrors
        raise handshake_error(exc, host, what, deadline.seconds) from None


def handshake_error(exc: OSError, host: str, what: str, seconds: float) -> ProbeError:
    """What a failed TLS handshake with ``host`` (``what``: "host:port", for messages) means: the one
    classification of every probe's handshake, mail and HTTPS alike."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = exc.verify_code
        if code in _VALIDITY:
            error, state = _VALIDITY[code]
            return ProbeError(error, f"{what}: the certificate is {state}")
        if code in _WRONG_NAME:
            return ProbeError("tls-wrong-name", f"{what}: the certificate is not valid for {host}")
        return ProbeError("tls-untrusted", f"{what}: the certificate is not trusted ({exc.verify_message})")
    if isinstance(exc, TimeoutError):
        return ProbeError(
            "read-timeout", f"{what}: the TCP connection opened but no TLS handshake answer came within {seconds:g} s"
        )
    if isinstance(exc, ConnectionResetError):
        return ProbeError("reset", f"{what}: {RESET}")
    if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionError)):
        return ProbeError("closed", f"{what}: the server closed the connection during the TLS handshake ({exc})")
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or str(exc)
        if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST"):
            return ProbeError("tls-handshake", f"{what}: the server did not answer with TLS ({reason})")
        return ProbeError("tls-handshake", f"{what}: TLS handshake failed ({reason})")
    return ProbeError("closed", f"{what}: the connection broke during the TLS handshake ({exc})")


@dataclass(frozen=True)
class _Peer:
    """Where the failed handshake went, for the reading connection that follows it."""

    endpoint: Endpoint
    protocol: str
    address: str
    simulation: Simulation | None

    @property
    def port(self) -> int:
        """The port actually dialled: the endpoint's, or a simulated run's loopback port."""
        return self.simulation.port_for(self.endpoint) if self.simulation is not None else self.endpoint.port


def _diagnose(
    exc: ProbeError, peer: _Peer, deadline: Deadline, transcript: Transcript
) -> tuple[str, CertificateInfo | None]:
    """After a failed handshake, read what the findings need: the certificate, or the old version."""
    transcript.note(exc.message)
    if exc.error in ("tls-expired", "tls-not-yet-valid", "tls-wrong-name", "tls-untrusted"):
        version, certificate = _peek(peer, deadline, transcript, legacy=False)
        if certificate is not None:
            names = ", ".join(certificate.names) or certificate.subject_cn
            transcript.note(
                f"certificate (read without trusting it): for {names}; issued by {certificate.issuer}; "
                f"valid until {certificate.not_after}"
            )
        return version, certificate
    if exc.error == "tls-handshake":
        version, certificate = _peek(peer, deadline, transcript, legacy=True)
        if version and version not in _MODERN:
            transcript.note(f"the server completes a handshake only with {version}")
            exc.error = "tls-old-protocol"
            exc.message = (
                f"{peer.endpoint}: the server speaks only {version}; ECE and Office 365 require TLS 1.2 or later"
            )
        return version, certificate
    return "", None


def _peek(
    peer: _Peer, deadline: Deadline, transcript: Transcript, *, legacy: bool
) -> tuple[str, CertificateInfo | None]:
    """A second connection that only reads the version and certificate (see the module docstring)."""
    if not peer.address or deadline.remaining() <= 0:
        return "", None
    sock: socket.socket | None = None
    what = str(peer.endpoint)
    try:
        sock = connect_address(peer.address, peer.port, deadline, what)
        if peer.protocol == "smtp":
            _starttls(LineReader(sock, deadline, Transcript(), what))
        tls_sock = _handshake(sock, peer.endpoint.host, _reading_context(legacy), deadline, what)
        sock = tls_sock
        certificate = certificate_info(tls_sock.getpeercert(binary_form=True))
        presented, _ = peer_chains(tls_sock)
        return tls_sock.version() or "", recognise(certificate, presented[1:], peer.simulation, transcript)
    except (ProbeError, OSError, ValueError):
        return "", None
    finally:
        if sock is not None:
            _close(sock)


def recognise(
    certificate: CertificateInfo, issuers: tuple[bytes, ...], simulation: Simulation | None, transcript: Transcript
) -> CertificateInfo:
    """Mark a certificate issued by the simulator's own CA: in a ``--ece-simulate`` run only, and only when a
    CA certificate of its chain (DER, the leaf left out) has one of the fingerprints the run was handed.
    Every other issuer — the ``tls-inspection`` scenario's included — is judged by its name as in the field."""
    if simulation is None or not simulation.ca_sha256:
        return certificate
    if not {hashlib.sha256(der).hexdigest() for der in issuers} & simulation.ca_sha256:
        return certificate
    transcript.note(
        f"issuer {certificate.issuer}: the simulated Office 365 CA of this --ece-simulate run "
        f"(scenario {simulation.scenario}; matched by SHA-256 fingerprint), standing in for Microsoft's CAs"
    )
    return replace(certificate, simulated_ca=True)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()
