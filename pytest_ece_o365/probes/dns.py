"""Resolve a host name the way every probe must (contract §2): through ``[network] nameservers`` when
given, else through the system resolver — which honours the hosts file, as ECE's own Java runtime does.

dnspython is imported inside the functions: the plugin module is imported by every pytest run in the
environment and must stay cheap.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

from pytest_ece_o365.config.deployment import Endpoint, is_ip_literal
from pytest_ece_o365.probes import inflight
from pytest_ece_o365.probes.observation import Deadline, DnsObservation, Transcript


def resolve(host: str, nameservers: tuple[Endpoint, ...], timeout: float, name: str = "") -> DnsObservation:
    """Look ``host`` up (A and AAAA); never raises for a DNS failure and ends within ``timeout``.

    ``name`` names the nameservers in the observation's resolver and messages (``Network.resolver_name``: a
    simulated run's DNS); the transcript always lists the addresses and ports actually asked."""
    deadline = Deadline(timeout)
    if is_ip_literal(host):
        return DnsObservation(
            host, "none (IP address)", (host,), message=f"{host} is an IP address; nothing to resolve"
        )

    def interrupted() -> DnsObservation:  # Ctrl-C: the lookup is left behind, the probe ends now
        message = f"the lookup of {host} was stopped: the run was interrupted"
        return DnsObservation(host, name or "system resolver", error="dns-timeout", message=message)

    if nameservers:
        return inflight.abortable(lambda: _resolve_with(host, nameservers, deadline, name), interrupted, f"dns {host}")
    return inflight.abortable(lambda: _resolve_system(host, deadline), interrupted, f"dns {host}")


# --- Through the configured nameservers (dnspython) ---------------------------------------------------


def _resolve_with(host: str, nameservers: tuple[Endpoint, ...], deadline: Deadline, label: str) -> DnsObservation:
    import dns.exception
    import dns.nameserver
    import dns.rcode
    import dns.resolver

    asked = ", ".join(str(ns) for ns in nameservers)
    listed = label or asked
    transcript = Transcript()
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver(ns.host, ns.port) for ns in nameservers]
    # SERVFAIL is an answer worth reporting as such, not a reason to keep retrying until the deadline.
    resolver.retry_servfail = False
    addresses: list[str] = []
    chain: tuple[str, ...] = ()
    answered_by = ""

    def observation(error: str = "", message: str = "") -> DnsObservation:
        return DnsObservation(
            host, listed, tuple(addresses), chain, label or answered_by, error, message,
            deadline.elapsed(), transcript.lines(),
        )  # fmt: skip

    for rdtype in ("A", "AAAA"):
        remaining = deadline.remaining()
        if remaining <= 0:
            if addresses:
                break
            return observation("dns-timeout", f"no answer for {host} from {listed} within {deadline.seconds:g} s")
        transcript.client(f"{host} {rdtype}? (asking {asked}{f', {label}' if label else ''})")
        try:
            answer = resolver.resolve(host, rdtype, lifetime=remaining, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            transcript.server(f"{host}: NXDOMAIN")
            return observation("nxdomain", f"{listed} answered that {host} does not exist (NXDOMAIN)")
        except dns.resolver.NoNameservers as exc:
            error, said = _classify_no_nameservers(exc, dns.rcode)
            transcript.server(f"{host}: {said}")
            if addresses:  # AAAA failing after a good A answer is not worth failing the lookup for
                break
            return observation(error, f"no usable answer for {host}: {said}")
        except dns.exception.Timeout:
            transcript.server(f"{host} {rdtype}: no answer within {remaining:.1f} s")
            if addresses:
                break
            return observation("dns-timeout", f"{listed} did not answer for {host} within {deadline.seconds:g} s")
        except (dns.exception.DNSException, OSError) as exc:
            transcript.server(f"{host} {rdtype}: {exc}")
            if addresses:
                break
            return observation("dns-error", f"looking up {host} through {listed} failed: {exc}")
        server = str(answer.nameserver)
        port = answer.port or 53
        answered_by = str(Endpoint(server, port)) if port != 53 else server
        found = [item.to_text() for item in answer.rrset] if answer.rrset is not None else []
        chain = chain or _cname_chain(host, answer.response)
        for name in chain[1:]:
            transcript.server(f"CNAME -> {name}")
        transcript.server(f"{host} {rdtype}: {', '.join(found) or '(no records)'} (from {answered_by})")
        addresses.extend(found)
    if not addresses:
        return observation("no-answer", f"{host} exists but has no A or AAAA record ({listed})")
    return observation(message=f"{host} resolves to {', '.join(addresses)} (answered by {label or answered_by})")


def _classify_no_nameservers(exc: Any, rcode: Any) -> tuple[str, str]:
    """Tell SERVFAIL from REFUSED from a broken server, from dnspython's per-server error list."""
    codes: list[str] = []
    for entry in exc.kwargs.get("errors", []) or []:
        # entries are (server, tcp, port, error, response); response is a dns.message.Message or None
        response = entry[4] if len(entry) > 4 else None
        if response is not None:
            codes.append(rcode.to_text(response.rcode()))
        else:
            codes.append(str(entry[3]))
    said = ", ".join(codes) or "no server gave an answer"
    if any(code == "SERVFAIL" for code in codes):
        return "servfail", f"SERVFAIL ({said})"
    if any(code == "REFUSED" for code in codes):
        return "dns-refused", f"the query was REFUSED ({said})"
    return "dns-error", said


def _cname_chain(host: str, response: Any) -> tuple[str, ...]:
    """host -> alias -> … as the answer section links them (empty when the name is not an alias)."""
    import dns.rdatatype

    links: dict[str, str] = {}
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.CNAME:
            for item in rrset:
                links[rrset.name.to_text().rstrip(".").lower()] = item.target.to_text().rstrip(".")
    chain = [host]
    while chain[-1].lower() in links and len(chain) < 16:  # 16: a loop in a broken zone must end
        chain.append(links[chain[-1].lower()])
    return tuple(chain) if len(chain) > 1 else ()


# --- The system resolver ------------------------------------------------------------------------


def _resolve_system(host: str, deadline: Deadline) -> DnsObservation:
    transcript = Transcript()
    transcript.client(f"{host}? (system resolver: hosts file, then the DNS servers this machine uses)")
    outcome: list[Any] = []

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_CANONNAME))
        except (OSError, UnicodeError) as exc:
            outcome.append(exc)

    # getaddrinfo takes no timeout; run it where it may overrun the deadline without holding the probe.
    worker = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if not outcome:
        transcript.server(f"no answer within {deadline.seconds:g} s")
        return DnsObservation(
            host, "system resolver", error="dns-timeout",
            message=f"the system resolver did not answer for {host} within {deadline.seconds:g} s",
            elapsed=deadline.elapsed(), transcript=transcript.lines(),
        )  # fmt: skip
    result = outcome[0]
    if isinstance(result, BaseException):
        error, message = _classify_gaierror(host, result)
        transcript.server(f"{host}: {result}")
        return DnsObservation(
            host, "system resolver", error=error, message=message,
            elapsed=deadline.elapsed(), transcript=transcript.lines(),
        )  # fmt: skip
    v4 = [info[4][0] for info in result if info[0] == socket.AF_INET]
    v6 = [info[4][0] for info in result if info[0] == getattr(socket, "AF_INET6", None)]
    addresses = tuple(dict.fromkeys(v4 + v6))  # getaddrinfo repeats an address per socket type
    canonical = next((info[3] for info in result if info[3]), "")
    # Best-effort CNAME evidence: the system resolver only tells the canonical name, not each link.
    chain = (host, canonical) if canonical and canonical.lower().rstrip(".") != host.lower() else ()
    if chain:
        transcript.server(f"canonical name {canonical}")
    transcript.server(f"{host}: {', '.join(addresses) or '(no address)'}")
    if not addresses:
        return DnsObservation(
            host, "system resolver", (), chain, error="no-answer",
            message=f"{host} has no IPv4 or IPv6 address", elapsed=deadline.elapsed(),
            transcript=transcript.lines(),
        )  # fmt: skip
    return DnsObservation(
        host, "system resolver", addresses, chain, "",
        message=f"{host} resolves to {', '.join(addresses)} (system resolver)",
        elapsed=deadline.elapsed(), transcript=transcript.lines(),
    )  # fmt: skip


def _classify_gaierror(host: str, exc: BaseException) -> tuple[str, str]:
    code = exc.errno if isinstance(exc, OSError) else None
    # Names differ per platform (Windows has no EAI_NODATA); compare with what this platform defines.
    if code is not None and code in _codes("EAI_NONAME"):
        return "nxdomain", f"{host} does not exist for this server's resolver ({exc})"
    if code is not None and code in _codes("EAI_NODATA", "EAI_ADDRFAMILY"):
        return "no-answer", f"{host} exists but has no address record ({exc})"
    if code is not None and code in _codes("EAI_AGAIN"):
        return "dns-unavailable", f"the DNS servers this machine uses failed or did not answer for {host} ({exc})"
    return "dns-error", f"looking up {host} failed: {exc}"


def _codes(*names: str) -> set[int]:
    return {value for name in names if isinstance(value := getattr(socket, name, None), int)}
