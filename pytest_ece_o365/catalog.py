"""The check catalog: stable ids and what each check applies to (checklist.md §B).

Pure data, imported by the config loader (waiver ids) and the plugin (markers, deselection). The logic
of each check lives in :mod:`pytest_ece_o365.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from pytest_ece_o365.knowledge import ES_VERSION_MARKERS, ROLES, VERSION_MARKERS

Kind = Literal["static", "network", "oauth", "mailbox", "graph"]
TargetKind = Literal["deployment", "mailbox", "shared_mailbox", "host", "endpoint", "mail_endpoint"]

KINDS: Final = ("static", "network", "oauth", "mailbox", "graph")

SECTIONS: Final[dict[int, str]] = {
    1: "Minimum version",
    2: "System configuration",
    3: "Azure AD application",
    4: "Token generation",
    5: "Mailbox configuration",
    6: "Exchange licence",
    7: "Mailbox rights",
    8: "Network connectivity",
    9: "Connectivity test",
}


@dataclass(frozen=True)
class CheckSpec:
    id: str
    section: int
    title: str
    kind: Kind
    roles: tuple[str, ...]  # the roles it applies to; network checks get theirs per target
    versions: tuple[str, ...]  # version markers it applies to
    target: TargetKind

    @property
    def section_name(self) -> str:
        return SECTIONS[self.section]


BOTH = ROLES
SERVICES = ("services",)
ALL_VERSIONS = VERSION_MARKERS

CATALOG: Final[tuple[CheckSpec, ...]] = (
    CheckSpec("version.supported", 1, "ECE version has Office 365 OAuth", "static", BOTH, ALL_VERSIONS, "deployment"),
    CheckSpec("version.engineering_special", 1, "Engineering Special for OAuth installed", "static", BOTH, ES_VERSION_MARKERS, "deployment"),
    CheckSpec("version.latest_es", 1, "Latest Engineering Special installed", "static", BOTH, ES_VERSION_MARKERS, "deployment"),
    CheckSpec("web_url.external_url", 2, "External URL of the application", "static", BOTH, ALL_VERSIONS, "deployment"),
    CheckSpec("web_url.admin_console", 2, "Administration console on the external URL's host", "static", BOTH, ALL_VERSIONS, "deployment"),
    CheckSpec("azure_app.redirect_uri", 3, "Redirect URI on the external URL's host", "static", BOTH, ALL_VERSIONS, "deployment"),
    CheckSpec("azure_app.registration", 3, "App registration and redirect URI in Azure", "graph", BOTH, ALL_VERSIONS, "deployment"),
    CheckSpec("azure_app.client_secret", 3, "Client secret valid", "graph", BOTH, ALL_VERSIONS, "deployment"),
    CheckSpec("azure_app.permissions", 3, "Delegated permissions requested and consented", "graph", BOTH, ALL_VERSIONS, "deployment"),
    CheckSpec("azure_app.token_lifetime", 3, "Access-token lifetime", "oauth", SERVICES, ALL_VERSIONS, "mailbox"),
    CheckSpec("token.refresh", 4, "Refresh token redeems", "oauth", SERVICES, ALL_VERSIONS, "mailbox"),
    CheckSpec("token.identity", 4, "Token issued to the right account", "oauth", SERVICES, ALL_VERSIONS, "mailbox"),
    CheckSpec("token.scopes", 4, "Token audience and scopes", "oauth", SERVICES, ALL_VERSIONS, "mailbox"),
    CheckSpec("mailbox.inbound", 5, "Inbound login and mailbox open (IMAP EXAMINE / POP3 STAT)", "mailbox", SERVICES, ALL_VERSIONS, "mailbox"),
    CheckSpec("mailbox.smtp", 5, "SMTP submission login (AUTH XOAUTH2)", "mailbox", SERVICES, ALL_VERSIONS, "mailbox"),
    CheckSpec("mailbox.send_test", 9, "Test message accepted for delivery", "mailbox", SERVICES, ALL_VERSIONS, "mailbox"),
    CheckSpec("license.exchange", 6, "Exchange Online licence", "graph", BOTH, ALL_VERSIONS, "mailbox"),
    CheckSpec("rights.access_model", 7, "Mailbox access model consistent", "static", BOTH, ALL_VERSIONS, "mailbox"),
    CheckSpec("rights.full_access", 7, "Token account opens the shared mailbox", "mailbox", SERVICES, ALL_VERSIONS, "shared_mailbox"),
    CheckSpec("network.dns", 8, "Host name resolves", "network", BOTH, ALL_VERSIONS, "host"),
    CheckSpec("network.tcp", 8, "TCP connection opens", "network", BOTH, ALL_VERSIONS, "endpoint"),
    CheckSpec("network.tls", 8, "TLS handshake and certificate", "network", BOTH, ALL_VERSIONS, "endpoint"),
    CheckSpec("network.xoauth2", 8, "Server offers XOAUTH2", "network", BOTH, ALL_VERSIONS, "mail_endpoint"),
    CheckSpec("network.java_trust", 8, "ECE's Java trusts the endpoint's root", "network", BOTH, ALL_VERSIONS, "endpoint"),
)  # fmt: skip

CHECKS: Final[dict[str, CheckSpec]] = {spec.id: spec for spec in CATALOG}

#: The dependency chain (contract §5.2): a later stage cannot work when an earlier one is broken, so the
#: report reads the root cause first, and the run judges the checks in this order (each as soon as what it
#: reads is in: the directory's requests come last on a slow link). Stage of a check: its kind, and for
#: network checks its layer.
STAGES: Final = ("Configuration", "DNS", "TCP", "TLS", "Token", "Mailbox login", "Directory")
_NETWORK_STAGE: Final = {"network.dns": 1, "network.tcp": 2}  # every other network check needs TLS first
_KIND_STAGE: Final = {"static": 0, "network": 3, "oauth": 4, "mailbox": 5, "graph": 6}


def stage(check: str) -> int:
    """Index into :data:`STAGES`; ``len(STAGES)`` for a check this version does not know (listed last)."""
    spec = CHECKS.get(check)
    if spec is None:
        return len(STAGES)
    return _NETWORK_STAGE.get(check, _KIND_STAGE[spec.kind])
