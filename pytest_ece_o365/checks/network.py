"""Checklist section 8: can *this* server reach what its role needs? DNS, TCP, TLS, XOAUTH2 per endpoint,
and does ECE's own Java trust the root each TLS endpoint chains to (network.java_trust).

The checks only judge observations the survey gathered (:class:`~pytest_ece_o365.survey.HostNeed` for
DNS, one :class:`~pytest_ece_o365.survey.EndpointNeed` chain per endpoint for the rest).

When a step fails, the checks of the later steps for that endpoint judge it as that step's finding, whose
cause the step's check owns: the run then reports them *blocked by* it (checks.base.settle), not failed
too — one blocked port is one finding with one fix. Three failures for one cause would send a TAC
engineer chasing three problems; a blocked result still shows in the report, with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.checks.network_java import judge_java_trust
from pytest_ece_o365.diagnosis.table import verdict_for
from pytest_ece_o365.probes.java_trust import JavaTrustNeed
from pytest_ece_o365.probes.observation import DnsObservation, EndpointObservation
from pytest_ece_o365.survey import EndpointNeed, HostNeed
from pytest_ece_o365.survey.needs import Need
from pytest_ece_o365.verdict import Verdict, cannot_tell, passed

_NO_SURVEY = "no network survey in this run (a static-only run opens no connection)"
_PROTOCOL_NAMES = {"https": "HTTPS", "imap": "IMAP", "pop3": "POP3", "smtp": "SMTP"}


def host_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    """network.dns reads one lookup per host."""
    return [HostNeed(target.endpoint.host)] if target.endpoint is not None else []


def endpoint_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    """network.tcp/tls/xoauth2 read one DNS -> TCP -> TLS -> capabilities chain per endpoint."""
    if target.endpoint is None or target.protocol is None:
        return []
    return [EndpointNeed(target.endpoint, target.protocol)]


@check("network.dns", needs=host_needs)
def dns(ctx: CheckContext, target: Target) -> Verdict:
    if target.endpoint is None:
        return cannot_tell("no host to look up")
    if ctx.survey is None:
        return cannot_tell(_NO_SURVEY)
    observation = ctx.survey.get(HostNeed(target.endpoint.host))
    return judge_dns(observation, ctx.options.timeout)


@check("network.tcp", needs=endpoint_needs)
def tcp(ctx: CheckContext, target: Target) -> Verdict:
    observation = _endpoint(ctx, target)
    return observation if isinstance(observation, Verdict) else judge_tcp(observation, ctx.options.timeout)


@check("network.tls", needs=endpoint_needs)
def tls(ctx: CheckContext, target: Target) -> Verdict:
    observation = _endpoint(ctx, target)
    return observation if isinstance(observation, Verdict) else judge_tls(observation, ctx.options.timeout)


@check("network.xoauth2", needs=endpoint_needs)
def xoauth2(ctx: CheckContext, target: Target) -> Verdict:
    # Its targets are the mail endpoints only (catalog: "mail_endpoint"): HTTPS has no XOAUTH2.
    observation = _endpoint(ctx, target)
    return observation if isinstance(observation, Verdict) else judge_xoauth2(observation, ctx.options.timeout)


def java_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    """network.java_trust reads network.tls's chain and, when ``[ece] java_home`` is set, that JRE's store."""
    java_home = ctx.config.ece.java_home
    if java_home is None:
        return []
    return [*endpoint_needs(ctx, target), JavaTrustNeed(java_home)]


@check("network.java_trust", needs=java_needs)
def java_trust(ctx: CheckContext, target: Target) -> Verdict:
    # ECE connects with its bundled Java: a pass from this server's Python trust store does not prove it can.
    java_home = ctx.config.ece.java_home
    if java_home is None:
        return cannot_tell(
            "`[ece] java_home` is not set: give the folder of ECE's Java runtime (e.g. 'C:\\Cisco\\ECE\\jdk') "
            "to check that its cacerts trusts the roots Office 365's certificates chain to"
        )
    observation = _endpoint(ctx, target)
    if isinstance(observation, Verdict):
        return observation
    # TLS itself failed: that is network.tls's finding, and this result is blocked by it (checks.base.settle).
    earlier = _upstream(observation, "java_trust", ctx.options.timeout)
    if earlier is not None or observation.tls is None:
        return earlier or cannot_tell(f"no TLS attempt was recorded for {observation.endpoint}")
    assert ctx.survey is not None  # _endpoint returned its skip otherwise
    store = ctx.survey.get(JavaTrustNeed(java_home))
    simulation = ctx.config.network.simulation
    stand_in = simulation is not None and simulation.java_home == java_home
    return judge_java_trust(observation.tls, store, _facts(observation, ctx.options.timeout), stand_in=stand_in)


def _endpoint(ctx: CheckContext, target: Target) -> EndpointObservation | Verdict:
    if target.endpoint is None or target.protocol is None:
        return cannot_tell("no endpoint to probe")
    if ctx.survey is None:
        return cannot_tell(_NO_SURVEY)
    observation = ctx.survey.get(EndpointNeed(target.endpoint, target.protocol))
    return observation


# --- Judging observations (pure functions, tested from recorded observations) ---------------------


def _facts(observation: EndpointObservation | DnsObservation, timeout: float) -> dict[str, object]:
    if isinstance(observation, DnsObservation):
        return {"host": observation.host, "resolver": observation.resolver, "timeout": f"{timeout:g}"}
    endpoint = observation.endpoint
    facts: dict[str, object] = {
        "host": endpoint.host,
        "port": endpoint.port,
        "endpoint": str(endpoint),
        "protocol": _PROTOCOL_NAMES.get(observation.protocol, observation.protocol),
        "timeout": f"{timeout:g}",
        "resolver": observation.dns.resolver,
    }
    tls = observation.tls
    if tls is not None:
        facts["version"] = tls.version
        if tls.certificate is not None:
            facts["issuer"] = tls.certificate.issuer
            facts["expiry"] = tls.certificate.not_after
            facts["names"] = ", ".join(tls.certificate.names) or tls.certificate.subject_cn
    return facts


def judge_dns(observation: DnsObservation, timeout: float) -> Verdict:
    """network.dns: the host resolves through the configured resolver."""
    evidence = _dns_evidence(observation)
    if not observation.ok:
        return verdict_for(
            "network.dns", observation.error, _facts(observation, timeout), seen=observation.message, evidence=evidence
        )
    chain = f"; CNAME chain {' -> '.join(observation.cname_chain)}" if observation.cname_chain else ""
    return passed(f"{observation.message}{chain}", evidence=evidence)


def _dns_evidence(observation: DnsObservation) -> tuple[str, ...]:
    lines = [f"resolver: {observation.resolver}"]
    if observation.answered_by:
        lines.append(f"answered by: {observation.answered_by}")
    if observation.cname_chain:
        lines.append("CNAME chain: " + " -> ".join(observation.cname_chain))
    if observation.addresses:
        lines.append("addresses: " + ", ".join(observation.addresses))
    return (*lines, *observation.transcript)


def _upstream(observation: EndpointObservation, upto: str, timeout: float) -> Verdict | None:
    """The finding of the earlier step that failed — that step's check reports it (one blocked port is one
    finding with one fix), so this check's result is blocked by it — or None when every step before
    ``upto`` worked."""
    if not observation.dns.ok:
        return replace(judge_dns(observation.dns, timeout), cause_at=observation.endpoint.host)
    if upto == "tcp":
        return None
    if observation.tcp is None or not observation.tcp.ok:
        return judge_tcp(observation, timeout)
    if upto == "tls":
        return None
    if observation.tls is None or not observation.tls.ok:
        return judge_tls(observation, timeout)
    return None


def judge_tcp(observation: EndpointObservation, timeout: float) -> Verdict:
    """network.tcp: a TCP connection to the resolved address opens within the timeout."""
    earlier = _upstream(observation, "tcp", timeout)
    if earlier is not None:
        return earlier
    step = observation.tcp
    assert step is not None  # _upstream returned None only because DNS worked, so TCP was attempted
    evidence = step.transcript
    if not step.ok:
        return verdict_for(
            "network.tcp", step.error, _facts(observation, timeout), seen=step.message, evidence=evidence
        )
    return passed(
        f"TCP connection to {observation.endpoint} ({step.address}) opened in {step.elapsed * 1000:.0f} ms",
        evidence=evidence,
    )


def judge_tls(observation: EndpointObservation, timeout: float) -> Verdict:
    """network.tls: TLS >= 1.2, certificate valid for the host, issuer one of Microsoft's CAs."""
    earlier = _upstream(observation, "tls", timeout)
    if earlier is not None:
        return earlier
    step = observation.tls
    if step is None:
        return cannot_tell(f"no TLS attempt was recorded for {observation.endpoint}")
    facts = _facts(observation, timeout)
    evidence = (*(observation.tcp.transcript if observation.tcp else ()), *step.transcript)
    certificate = step.certificate
    foreign = certificate is not None and not certificate.microsoft_issued  # or the simulator's stand-in
    if not step.ok:
        error = "tls-inspection-untrusted" if step.error == "tls-untrusted" and foreign else step.error
        return verdict_for("network.tls", error, facts, seen=step.message, evidence=evidence)
    if foreign:
        return verdict_for("network.tls", "tls-inspection", facts, seen=step.message, evidence=evidence)
    expiry = f", valid until {certificate.not_after}" if certificate is not None else ""
    return passed(f"{observation.endpoint}: {step.message} ({step.cipher}{expiry})", evidence=evidence)


def judge_xoauth2(observation: EndpointObservation, timeout: float) -> Verdict:
    """network.xoauth2: the mail server offers XOAUTH2 before login."""
    earlier = _upstream(observation, "xoauth2", timeout)
    if earlier is not None:
        return earlier
    step = observation.capabilities
    if step is None:
        return cannot_tell(f"{observation.endpoint} ({observation.protocol}) has no capability list to read")
    facts = _facts(observation, timeout)
    if not step.ok:
        return verdict_for("network.xoauth2", step.error, facts, seen=step.message, evidence=step.transcript)
    if not step.xoauth2:
        return verdict_for(
            "network.xoauth2",
            "no-xoauth2",
            facts,
            seen="offered: " + " ".join(step.capabilities),
            evidence=step.transcript,
        )
    return passed(
        f"{observation.endpoint} offers XOAUTH2 ({facts['protocol']}, before login)", evidence=step.transcript
    )
