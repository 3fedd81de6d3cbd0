"""Diagnosis is data: a signature (check id, classified error) -> cause, remediation, owner, section.

Adding a newly seen error is one row in :data:`NETWORK_ROWS` (or the module of its check, and a test). Remediation templates may use the
facts listed in :data:`FACTS`; :func:`verdict_for` fills them in and builds the check's Verdict.
Later issues add AADSTS codes and IMAP/POP/SMTP replies to this same table, e.g.
``("token.refresh", "AADSTS700082"): _row("...", "...", "ece-admin", 4)``.
"""

# The table keeps one row per line, so that adding a signature is a one-line change: long lines are wanted.
# ruff: noqa: E501

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import urlsplit

from pytest_ece_o365.diagnosis.causes import cause_id
from pytest_ece_o365.knowledge.java import JDK_8304760, KEYTOOL_DOCS
from pytest_ece_o365.knowledge.sources import (
    MS_ENDPOINTS,
    MS_MAIL_OAUTH,
    NETWORK_PATHS,
    NETWORK_RFCS,
    TAC_218453,
    Source,
)
from pytest_ece_o365.verdict import Owner, Verdict, advisory, failed


@dataclass(frozen=True)
class Diagnosis:
    cause: str  # what is wrong, in a TAC engineer's words (a template, like the remediation)
    remediation: str  # what to do, addressed to whoever ``owner`` is
    owner: Owner
    section: int  # checklist section (checklist.md §A)
    status: Literal["failed", "advisory"] = "failed"
    source: Source | None = None  # where the row's facts about Microsoft/Cisco come from (every row has one)
    #: The cause's stable id; "" derives it from the row's signature (diagnosis.causes.cause_id).
    cause_id: str = ""
    #: The check that reports this cause when it is not the one the row is filed under: a row that words
    #: another check's cause for a check that meets it too (used when that check is not in the run).
    reported_by: str = ""
    #: One documentation URL for the finding (contract §4 ``doc``); "" takes the source's first URL when it
    #: is Microsoft Learn's or Cisco's (:func:`doc_url`).
    doc: str = ""


def _row(
    cause: str,
    remediation: str,
    owner: Owner = "network",
    section: int = 8,
    status: Literal["failed", "advisory"] = "failed",
    source: Source = NETWORK_PATHS,
) -> Diagnosis:
    return Diagnosis(cause, remediation, owner, section, status, source)


# What the network rows rest on besides the RFCs' meaning of a socket or resolver error (checked 2026-12-04):
#: the hosts and ports (TAC 218453 §8 and Microsoft's endpoint list: *.office365.com TCP 587/993/995).
_PATHS = Source(f"{TAC_218453.ref}; {MS_ENDPOINTS.ref}", "2026-12-04")
#: the CAs Office 365's certificates chain to: DigiCert Cloud Services CA-1 under DigiCert Global Root CA
#: seen on outlook.office365.com (simonrob/email-oauth2-proxy#209, ddeboer/imap#449), Microsoft's own
#: issuing CAs (Azure Certificate Authority details).
_MICROSOFT_CAS = Source(
    "https://learn.microsoft.com/en-us/azure/security/fundamentals/azure-ca-details; "
    "simonrob/email-oauth2-proxy#209; ddeboer/imap#449",
    "2026-12-04",
)
#: TLS 1.0/1.1 refused by Office 365 ("421 4.7.66 TLS 1.0 and 1.1 are not supported", zehm/sendEmail#1);
#: RFC 8996 deprecates both.
_TLS_12 = Source("zehm/sendEmail#1; https://www.rfc-editor.org/rfc/rfc8996", "2026-12-04")
#: ECE's Java trust store: cacerts and keytool -importcert (-cacerts from Java 9, -keystore on Java 8).
_JAVA = KEYTOOL_DOCS
#: ... and Microsoft's 2017 roots, in Java's cacerts only since 8u381 / 11.0.20 / 17.0.8 (JDK-8304760).
_JAVA_2017 = Source(f"{JDK_8304760.ref}; {KEYTOOL_DOCS.ref}", "2026-12-04")
_JAVA_IMPORT = "Import {root} into ECE's Java trust store ({store}) and restart the ECE services: `{keytool}` (the root as a Base-64 .cer/.pem file, e.g. exported from this server's Windows certificate store)."
#: XOAUTH2 as Office 365 offers it: IMAP AUTH=XOAUTH2, POP3 SASL XOAUTH2, SMTP AUTH XOAUTH2 after STARTTLS.
_XOAUTH2 = Source(f"{MS_MAIL_OAUTH.ref}; jstedfast/MailKit#1770", "2026-12-04")


#: The facts a template may name. ``scope`` is what a firewall rule must allow: "*.office365.com
#: (outlook.office365.com)" for Office 365 hosts, the host itself otherwise.
FACTS: Final = frozenset(
    {"host", "port", "endpoint", "protocol", "timeout", "resolver", "issuer", "scope", "version", "expiry", "names",
     "root", "java", "java_home", "store", "keytool"}
)  # fmt: skip

_DNS_FIX = (
    "Make this server's DNS resolve {host} ({resolver}): check the DNS servers it uses and any conditional "
    "forwarder or hosts-file entry for {host}; `nslookup {host}` on this server must return its addresses."
)
_FIREWALL = "the firewall or proxy between this server and {scope} (TCP {port})"
#: A TCP reset (RST) as the answer: the connection is aborted (RFC 9293 §3.5.2; NETWORK_RFCS' RFC 9293).
_RESET = "The connection to {endpoint} was reset by something on the path right after it opened (a TCP reset: a firewall's or IPS's \"reset\" action, or a proxy refusing the destination)."
_RESET_FIX = (
    "Check " + _FIREWALL + ": a rule or IPS signature resets this traffic; allow it to {scope}, then run again."
)
_OPEN_PORT = "Open TCP {port} from this server to {scope} in the firewall (and in any proxy in between)."

NETWORK_ROWS: Final[dict[tuple[str, str], Diagnosis]] = {
    # --- network.dns ---------------------------------------------------------------------------
    ("network.dns", "nxdomain"): _row("This server's DNS cannot resolve {host}: the name does not exist for {resolver}.", _DNS_FIX),
    ("network.dns", "no-answer"): _row("{host} exists for {resolver} but has no address (A/AAAA) record.", _DNS_FIX),
    ("network.dns", "servfail"): _row("The DNS server failed to resolve {host} (SERVFAIL): its upstream or forwarder is broken.", _DNS_FIX),
    ("network.dns", "dns-refused"): _row("The DNS server refused to resolve {host} for this server (REFUSED).", _DNS_FIX),
    ("network.dns", "dns-timeout"): _row("No DNS answer for {host} within {timeout} s from {resolver}.", "Check that this server can reach its DNS servers (UDP and TCP 53) and that they answer; " + _DNS_FIX),
    ("network.dns", "dns-unavailable"): _row("This server's resolver could not get an answer for {host} (temporary failure).", _DNS_FIX),
    ("network.dns", "dns-error"): _row("Looking up {host} failed.", _DNS_FIX),
    # --- network.tcp ---------------------------------------------------------------------------
    ("network.tcp", "refused"): _row("The connection to {endpoint} was refused: a firewall rejects it, or a proxy answers in place of Office 365.", _OPEN_PORT, source=_PATHS),
    ("network.tcp", "tcp-timeout"): _row("No answer to the connection to {endpoint} within {timeout} s: a firewall drops the packets.", _OPEN_PORT, source=_PATHS),
    ("network.tcp", "unreachable"): _row("{endpoint} is unreachable from this server: no route.", "Give this server a route to {scope} (default gateway, proxy or NAT), then open TCP {port}.", source=_PATHS),
    ("network.tcp", "tcp-error"): _row("The connection to {endpoint} failed.", "Check " + _FIREWALL + "."),
    ("network.tcp", "reset"): _row(_RESET, _RESET_FIX),
    # --- network.tls ---------------------------------------------------------------------------
    ("network.tls", "tls-inspection"): _row("TLS to {endpoint} is inspected: the certificate is issued by {issuer}, not by a CA Microsoft uses.", "Exempt {scope} from TLS inspection; ECE trusts the inspection CA only if its root is in ECE's Java trust store (and in `[network] ca_bundle` for this tool).", status="advisory", source=_MICROSOFT_CAS),
    ("network.tls", "tls-inspection-untrusted"): _row("TLS inspection by {issuer} on {endpoint}: the certificate is re-signed by a CA this server does not trust.", "Exempt {scope} from TLS inspection in the proxy/firewall, or add {issuer}'s root certificate to ECE's trust store and to `[network] ca_bundle`.", source=_MICROSOFT_CAS),
    ("network.tls", "tls-untrusted"): _row("The certificate of {endpoint} (issued by {issuer}) does not chain to a root this server trusts.", "Update this server's root certificates (Windows Update / the DigiCert and Microsoft roots), or add the missing root to `[network] ca_bundle`.", source=_MICROSOFT_CAS),
    ("network.tls", "tls-expired"): _row("The certificate {endpoint} presents expired (valid until {expiry}); issued by {issuer}.", "Office 365 never serves an expired certificate: something in the path answers instead. Check this server's clock, then the proxy/firewall in front of {scope}.", source=_MICROSOFT_CAS),
    ("network.tls", "tls-not-yet-valid"): _row("The certificate {endpoint} presents is not valid yet; issued by {issuer}.", "Check this server's clock and time zone (w32tm /query /status); if it is right, something other than Office 365 answers: check the proxy/firewall in front of {scope}."),
    ("network.tls", "tls-wrong-name"): _row("The certificate {endpoint} presents is not valid for {host} (it is for {names}); issued by {issuer}.", "Something other than Office 365 answers for {host}: check DNS/hosts-file entries and the proxy/firewall in front of {scope}."),
    ("network.tls", "tls-old-protocol"): _row("{endpoint} only speaks {version}; Office 365 requires TLS 1.2 or later.", "Something in the path (an old proxy or load balancer) terminates TLS with {version}: exempt {scope} from it, or upgrade it to TLS 1.2+.", source=_TLS_12),
    ("network.tls", "tls-handshake"): _row("The TLS handshake with {endpoint} failed.", "Check " + _FIREWALL + ": something in the path answers that is not Office 365's TLS."),
    ("network.tls", "read-timeout"): _row("The TCP connection to {endpoint} opened but no TLS handshake or {protocol} greeting came within {timeout} s: a proxy or firewall is holding the connection.", "Check " + _FIREWALL + ": allow the traffic through (no interception or application filter holding it), then run again."),
    ("network.tls", "reset"): _row(_RESET, _RESET_FIX),
    ("network.tls", "closed"): _row("{endpoint} closed the connection before the session was up.", "Check " + _FIREWALL + ": an IPS or proxy resets the session."),
    ("network.tls", "garbage"): _row("{endpoint} answered with something that is not {protocol}.", "Something other than Office 365 answers on TCP {port}: check " + _FIREWALL + "."),
    ("network.tls", "rejected"): _row("{endpoint} refused the session before login.", "Check " + _FIREWALL + " and that this server's public IP is not blocked."),
    ("network.tls", "ca-bundle-invalid"): _row("The certificates in `[network] ca_bundle` cannot be loaded, so no TLS connection could be verified.", "Give `[network] ca_bundle` a PEM file of the root certificate(s) to trust (Base-64 .cer / .pem, not DER or .pfx).", owner="ece-admin", source=NETWORK_RFCS),
    ("network.tls", "no-starttls"): _row("{endpoint} does not offer STARTTLS, so ECE cannot send mail securely.", "A proxy or mail-security appliance strips STARTTLS: exempt {scope} (TCP {port}) from SMTP inspection."),
    ("network.tls", "starttls-refused"): _row("{endpoint} refused STARTTLS.", "A proxy or mail-security appliance interferes with STARTTLS: exempt {scope} (TCP {port}) from SMTP inspection."),
    # --- network.java_trust (ECE's own JRE; the root is the one network.tls saw) -------------------------
    ("network.java_trust", "root-missing"): _row("ECE's Java ({java}) does not trust {root}, the root {endpoint} chains to: its cacerts lacks it, so ECE cannot connect even though this server's own trust store can.", _JAVA_IMPORT, owner="ece-admin", source=_JAVA),
    ("network.java_trust", "microsoft-root-missing"): _row("ECE's Java ({java}) does not trust {root}, the root {endpoint} chains to: Microsoft's 2017 roots entered Java's cacerts only in 8u381 / 11.0.20 / 17.0.8 (JDK-8304760), so ECE cannot connect even though this server's own trust store can.", _JAVA_IMPORT, owner="ece-admin", source=_JAVA_2017),
    ("network.java_trust", "inspection-root-missing"): _row("TLS to {endpoint} is inspected by {issuer}, and ECE's Java ({java}) does not trust the inspection root {root}: ECE cannot connect even though this tool (with `[network] ca_bundle`) can.", "Exempt {scope} from TLS inspection, or " + _JAVA_IMPORT[0].lower() + _JAVA_IMPORT[1:], source=_JAVA),
    ("network.java_trust", "no-cacerts"): _row("`[ece] java_home` ({java_home}) holds no Java trust store (neither lib/security/cacerts nor jre/lib/security/cacerts).", "Set `[ece] java_home` to the folder of ECE's own Java runtime on this server (the one with bin\\java.exe and lib\\security\\cacerts).", owner="ece-admin", source=_JAVA),
    ("network.java_trust", "store-unreadable"): _row("ECE's Java trust store {store} cannot be read as a JKS or PKCS12 keystore.", "Check that {store} is the JRE's own cacerts and that this account may read it; list it with `keytool -list -keystore \"{store}\" -storepass changeit`.", owner="ece-admin", source=_JAVA),
    # --- network.xoauth2 -----------------------------------------------------------------------
    ("network.xoauth2", "no-xoauth2"): _row("{endpoint} does not offer XOAUTH2 ({protocol}); ECE cannot log in with OAuth.", "Check that {host} is Office 365's endpoint for this cloud (`[o365]`) and that no proxy rewrites the {protocol} capabilities.", source=_XOAUTH2),
    ("network.xoauth2", "read-timeout"): _row("{endpoint} did not answer the capability request within {timeout} s.", "Check " + _FIREWALL + ": something holds the session after the greeting."),
    ("network.xoauth2", "closed"): _row("{endpoint} closed the connection when asked for its capabilities.", "Check " + _FIREWALL + "."),
    ("network.xoauth2", "garbage"): _row("{endpoint} answered the capability request with something that is not {protocol}.", "Something other than Office 365 answers on TCP {port}: check " + _FIREWALL + "."),
    ("network.xoauth2", "rejected"): _row("{endpoint} refused the capability request.", "Check that {host} is Office 365's endpoint for this cloud (`[o365]`).", source=_XOAUTH2),
}  # fmt: skip

_FALLBACK: Final = _row("{endpoint}: the probe failed.", "Check " + _FIREWALL + ".")

#: Domains whose hosts a firewall rule should allow as a wildcard (checklist §A.8: "*.office365.com").
_WILDCARD_DOMAINS: Final = ("office365.com", "office365.us", "outlook.cn")


def firewall_scope(host: str) -> str:
    """What a firewall rule must allow for ``host``: "*.office365.com (outlook.office365.com)", or the host."""
    lowered = host.lower()
    for domain in _WILDCARD_DOMAINS:
        if lowered.endswith("." + domain):
            return f"*.{domain} ({host})"
    return host


def diagnose(check_id: str, error: str, rows: Mapping[tuple[str, str], Diagnosis] = NETWORK_ROWS) -> Diagnosis:
    """The row for ``(check_id, error)`` in ``rows``, or a generic one that still names the endpoint."""
    return rows.get((check_id, error), _FALLBACK)


class _Facts(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"<{key}>"  # a template naming an absent fact still reads, and a test catches it


def fill(template: str, facts: Mapping[str, object]) -> str:
    """``template`` with ``{fact}`` placeholders filled; absent facts show as ``<fact>``."""
    values = _Facts({key: str(value) for key, value in facts.items() if value not in (None, "")})
    return string.Formatter().vformat(template, (), values)


def placeholders(template: str) -> set[str]:
    """The fact names a template uses (for the table's own test)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def verdict_for(
    check_id: str,
    error: str,
    facts: Mapping[str, object],
    *,
    seen: str = "",
    evidence: tuple[str, ...] = (),
    rows: Mapping[tuple[str, str], Diagnosis] = NETWORK_ROWS,
    cause_at: str = "",
) -> Verdict:
    """A failed or advisory Verdict for ``error``: cause (+ what the probe saw), remediation, owner, cause id."""
    row = diagnose(check_id, error, rows)
    filled: dict[str, object] = dict(facts)
    host = str(facts.get("host", ""))
    filled.setdefault("scope", firewall_scope(host) if host else "")
    return finding(
        check_id, error, row, fill(row.cause, filled), fill(row.remediation, filled), seen, evidence, cause_at
    )


def finding(
    check_id: str,
    signature: str,
    row: Diagnosis,
    detail: str,
    remediation: str,
    seen: str = "",
    evidence: tuple[str, ...] = (),
    cause_at: str = "",
) -> Verdict:
    """The one way a row becomes a Verdict: its status, owner and cause id, the detail with what was seen."""
    if seen and seen not in detail:
        detail = f"{detail} Seen: {seen}"
    make = advisory if row.status == "advisory" else failed
    cause = row.cause_id or cause_id(check_id, signature)
    return make(detail, remediation, row.owner, cause=cause, evidence=evidence, cause_at=cause_at, doc=doc_url(row))


#: Hosts whose pages a finding may link as its ``doc`` without a row naming one: documentation, not a thread.
_DOC_HOSTS: Final = ("learn.microsoft.com", "cisco.com", "docs.oracle.com")


def doc_url(row: Diagnosis) -> str:
    """The row's ``doc``, else the first of its source's URLs that is a documentation page (Microsoft Learn,
    Cisco, Oracle's Java docs) — an RFC or an issue thread before it is evidence, not what to read — else ""."""
    if row.doc or row.source is None:
        return row.doc
    for part in row.source.ref.split(";"):
        url = part.strip()
        host = (urlsplit(url).hostname or "").lower() if url.startswith("https://") else ""
        if host and any(host == name or host.endswith("." + name) for name in _DOC_HOSTS):
            return url
    return ""
