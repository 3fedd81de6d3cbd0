"""HTTPS the way every probe connects (contract §2): the run's resolver, the host name as SNI, the
certificate verified against the system store plus ``[network] ca_bundle``.

:class:`ResolvingHttpClient` is what MSAL gets as its ``http_client`` (MSAL's default, ``requests``,
would let ``REQUESTS_CA_BUNDLE`` override the trust anchors and would ask the system resolver), and
what the Graph probes use. Standard library only. Every request and reply is recorded, redacted, in
the client's transcript, so the token and Graph checks can show their evidence.

Given a number of seconds, each request gets that long; given a :class:`Deadline`, all of the client's
requests share it, so that a probe of several requests (MSAL's discovery and token POST, or four Graph GETs)
ends within one timeout, not one per request. A reply body is read up to :data:`MAX_BODY` (``too-large``
beyond), each read waiting only for what is left of the deadline.

Given a ``lookup``, host names are resolved through it instead of one lookup per request: a survey's
probes pass :func:`pytest_ece_o365.survey.run_lookup`, so that a run of 200 mailboxes asks DNS for the login
host once, not 400 times (issue 13).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes import inflight
from pytest_ece_o365.probes.alarms import set_alarm
from pytest_ece_o365.probes.observation import Deadline, DnsObservation, Transcript
from pytest_ece_o365.probes.tcp import ProbeError, connect_address
from pytest_ece_o365.probes.tls import handshake_error, trust_store
from pytest_ece_o365.redact import clip

if TYPE_CHECKING:
    from pytest_ece_o365.survey.needs import SurveyEnv

#: Reply bodies longer than this are cut in the transcript (the full text still reaches the caller).
_EVIDENCE_BODY = 600
#: The largest reply body read (``too-large`` beyond): Entra's and Graph's JSON replies are a few KiB, a Graph
#: page of 100 objects some 100 KiB; a peer sending more is not them, and must not fill this server's memory.
MAX_BODY = 1 << 20
_CHUNK = 64 * 1024

#: Resolves a host name within a number of seconds, never raising for a DNS failure
#: (the signature of :func:`pytest_ece_o365.probes.dns.resolve` bound to the run's resolver).
Lookup = Callable[[str, float], DnsObservation]


def probe_client(env: SurveyEnv, transcript: Transcript, deadline: Deadline | None = None) -> ResolvingHttpClient:
    """The HTTPS client of a survey probe: one deadline for all its requests (``env.timeout`` from now
    unless given) and the run's shared lookups (:func:`pytest_ece_o365.survey.run_lookup`)."""
    from pytest_ece_o365.survey import run_lookup

    timeout = deadline if deadline is not None else Deadline(env.timeout)
    return ResolvingHttpClient(env.config.network, timeout, transcript, lookup=run_lookup(env))


class HttpProbeError(OSError):
    """The request could not be made or answered: ``error`` classifies it like the network probes do
    (nxdomain, refused, tcp-timeout, tls-untrusted, read-timeout, …)."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


@dataclass
class HttpResponse:
    """What MSAL expects of a response: ``status_code``, ``text``, ``headers``, ``raise_for_status``."""

    status_code: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HttpProbeError("http-error", f"HTTP {self.status_code}: {clip(self.text, 200)}")

    def json(self) -> Any:
        return json.loads(self.text)


class ResolvingHttpClient:
    """A small HTTPS client bound to one run's network settings and to a per-request timeout (seconds)
    or to one :class:`Deadline` for all its requests."""

    def __init__(
        self,
        network: Network,
        timeout: float | Deadline,
        transcript: Transcript | None = None,
        *,
        lookup: Lookup | None = None,
    ) -> None:
        self.network = network
        self.lookup = lookup
        self.budget = timeout if isinstance(timeout, Deadline) else None
        self.timeout = timeout.seconds if isinstance(timeout, Deadline) else timeout
        self.transcript = transcript if transcript is not None else Transcript()
        #: the last reply and the URL it answered: MSAL's exceptions drop the body, the findings need it
        self.last: tuple[str, HttpResponse] | None = None
        self._context: ssl.SSLContext | None = None

    def get(self, url: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
            **_: Any) -> HttpResponse:  # fmt: skip
        return self.request("GET", _with_params(url, params), headers=headers)

    def post(self, url: str, params: dict[str, Any] | None = None, data: Any = None,
             headers: dict[str, str] | None = None, **_: Any) -> HttpResponse:  # fmt: skip
        headers = dict(headers or {})
        if isinstance(data, dict):
            data = urlencode(data)
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        body = data.encode() if isinstance(data, str) else data
        return self.request("POST", _with_params(url, params), body=body, headers=headers)

    def close(self) -> None:
        """Nothing to release: every request uses its own connection."""

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> HttpResponse:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise HttpProbeError("bad-url", f"{url} is not an https:// URL")
        host, port = parts.hostname, parts.port or 443
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        self.transcript.client(f"{method} https://{host}{'' if port == 443 else f':{port}'}{path}")
        # One deadline for the whole request — lookup, connection, handshake and reading — and a watchdog
        # that shuts the socket when it passes: per-operation socket timeouts alone let a server that
        # trickles one byte at a time hold a request for ever.
        deadline = self._deadline(url)
        address, dial = self._address(host, deadline), self.network.port_for(Endpoint(host, port))
        if dial != port:  # a simulated run: the evidence says where the simulator really answered
            self.transcript.note(f"connect {address}:{dial} ({host}:{port}, simulated)")
        connection = _Connection(host, port, address, self._trust(), deadline, dial)
        watchdog = set_alarm(deadline.remaining(), connection.abort)
        try:
            connection.request(method, path, body=body, headers={"Host": parts.netloc, **(headers or {})})
            response = connection.getresponse()
            text = _read_body(response, connection, deadline).decode("utf-8", "replace")
        except HttpProbeError as exc:  # classified while connecting (TCP, TLS)
            self.transcript.note(exc.message)
            raise
        except _TooLarge:
            raise self._failed(
                "too-large", f"{host}:{port} sent a reply larger than 1 MiB (not Entra ID's or Graph's JSON)"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            if deadline.expired or isinstance(exc, TimeoutError):
                raise self._failed("read-timeout", f"{host}:{port} did not answer within {self.timeout:g} s") from None
            raise self._failed("http-error", f"{method} {host}:{port} failed: {exc}") from None
        finally:
            watchdog.cancel()
            connection.close()
        if deadline.expired:
            raise self._failed("read-timeout", f"{host}:{port} did not answer within {self.timeout:g} s")
        reply = HttpResponse(response.status, text, {k.lower(): v for k, v in response.getheaders()})
        shown = " ".join(text.split())
        self.transcript.server(f"HTTP {response.status} {clip(shown, _EVIDENCE_BODY)}")
        self.last = (url, reply)
        return reply

    def _deadline(self, url: str) -> Deadline:
        """This request's deadline: its own, or what is left of the client's."""
        if self.budget is None:
            return Deadline(self.timeout)
        remaining = self.budget.remaining()
        if remaining <= 0:
            raise self._failed("read-timeout", f"the {self.timeout:g} s the probe may take were spent before {url}")
        return Deadline(remaining)

    def _address(self, host: str, deadline: Deadline) -> str:
        timeout = max(deadline.remaining(), 0.05)
        if self.lookup is not None:
            observation = self.lookup(host, timeout)
        else:
            from pytest_ece_o365.probes.dns import resolve

            network = self.network
            observation = resolve(host, network.nameservers, timeout, network.resolver_name)
        if not observation.ok or not observation.addresses:
            raise self._failed(observation.error or "dns-error", observation.message or f"{host} did not resolve")
        return observation.addresses[0]

    def _trust(self) -> ssl.SSLContext:
        if self._context is None:
            try:
                self._context = trust_store(self.network.ca_bundle)
            except ProbeError as exc:  # an unreadable or non-PEM bundle: classified, not a crash
                raise self._failed(exc.error, exc.message) from None
        return self._context

    def _failed(self, error: str, message: str) -> HttpProbeError:
        self.transcript.note(message)
        return HttpProbeError(error, message)


class _Connection(http.client.HTTPSConnection):
    """Connects to the resolved ``address`` while TLS (SNI, certificate name) speaks of ``host``."""

    def __init__(
        self, host: str, port: int, address: str, context: ssl.SSLContext, deadline: Deadline, dial: int = 0
    ) -> None:
        super().__init__(host, port, timeout=max(deadline.remaining(), 0.05), context=context)
        self._address = address
        self._dial = dial or port  # the port dialled: a simulated run's loopback port, else the URL's
        self._tls_context = context
        self._deadline = deadline
        self._seconds = deadline.seconds
        self._raw: socket.socket | None = None

    def abort(self) -> None:
        """Called by the watchdog at the deadline: wake any read blocked on this connection.

        socket.socket.shutdown on the TLS socket, not SSLSocket.shutdown: the latter would tear down the
        TLS state under the reading thread. Before the handshake the plain socket is the one to wake.
        """
        target = self.sock if self.sock is not None else self._raw
        if target is not None:
            with contextlib.suppress(OSError, ValueError):
                socket.socket.shutdown(target, socket.SHUT_RDWR)

    def connect(self) -> None:
        # TCP and TLS failures are classified here, where it is still known which step failed (a
        # timeout while connecting is a firewall dropping packets, not a slow server).
        what = f"{self.host}:{self.port}"
        try:
            sock = connect_address(self._address, self._dial, self._deadline, "" if self._dial == self.port else what)
        except ProbeError as exc:
            raise HttpProbeError(exc.error, f"{what}: {exc.message}") from None
        self._raw = sock
        sock.settimeout(max(self._deadline.remaining(), 0.05))
        try:
            self.sock = inflight.register(self._tls_context.wrap_socket(sock, server_hostname=self.host))
        except OSError as exc:  # ssl.SSLError, TimeoutError and ConnectionError are all OSErrors
            sock.close()
            failure = handshake_error(exc, self.host, what, self._seconds)
            raise HttpProbeError(failure.error, failure.message) from None
        except BaseException:
            sock.close()
            raise


class _TooLarge(Exception):
    """The reply body passed :data:`MAX_BODY`."""


def _read_body(response: http.client.HTTPResponse, connection: _Connection, deadline: Deadline) -> bytes:
    """The body, at most :data:`MAX_BODY` bytes, by the deadline: every read waits only for what is left of it,
    so neither a flood nor a trickle holds the request (a flood is :class:`_TooLarge`, a trickle a timeout)."""
    body = bytearray()
    while True:
        if deadline.expired:
            raise TimeoutError
        if connection.sock is not None:
            connection.sock.settimeout(max(deadline.remaining(), 0.01))
        chunk = response.read1(_CHUNK)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > MAX_BODY:
            raise _TooLarge


def _with_params(url: str, params: dict[str, Any] | None) -> str:
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
