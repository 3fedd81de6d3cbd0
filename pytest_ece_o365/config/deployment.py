"""The deployment, as typed and immutable values: what a deployment file says once it is read.

:mod:`pytest_ece_o365.config` reads and validates the file into these.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pytest_ece_o365.config.values import check_endpoint_text, check_host, shown
from pytest_ece_o365.config.values import is_ip_literal as is_ip_literal  # re-exported: its old home
from pytest_ece_o365.knowledge import EsLevel
from pytest_ece_o365.secret import SecretRef

Inbound = Literal["imap", "pop3"]
Access = Literal["mailbox", "shared"]


#: user@domain.tld (Exchange decides the rest); also the deployment file's JSON Schema (config/schema.py)
ADDRESS_PATTERN = r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$"


def is_address(text: str) -> bool:
    """Whether ``text`` looks like an e-mail address (user@domain.tld); Exchange decides the rest."""
    return re.fullmatch(ADDRESS_PATTERN, text.strip()) is not None


# --- Value types ------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class EceVersion:
    """An ECE version as ECE shows it, ``12.6(1)``; ``12.6.1`` is read the same."""

    major: int
    minor: int
    maintenance: int

    _PATTERN = re.compile(r"^\s*(\d{1,4})\.(\d{1,4})(?:\((\d{1,4})\)|\.(\d{1,4}))\s*$")

    @classmethod
    def parse(cls, text: str) -> EceVersion:
        match = cls._PATTERN.match(text)
        if not match:
            raise ValueError(f'"{shown(text)}" is not an ECE version; write it as ECE shows it, e.g. "12.6(1)"')
        major, minor, paren, dotted = match.groups()
        return cls(int(major), int(minor), int(paren if paren is not None else dotted))

    @property
    def family(self) -> tuple[int, int]:
        return (self.major, self.minor)

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.maintenance)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}({self.maintenance})"


ES_PATTERN = r"^\s*[Ee][Ss](\d{1,4})(?:_[Ee][Tt](\d{1,4}))?\s*$"  # also the JSON Schema's (config/schema.py)
_ES_PATTERN = re.compile(ES_PATTERN)


def parse_es(text: str) -> EsLevel:
    match = _ES_PATTERN.match(text.strip())
    if not match:
        raise ValueError(f'"{shown(text)}" is not an Engineering Special; write "ES12" or "ES12_ET1"')
    return EsLevel(int(match.group(1)), int(match.group(2) or 0))


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @classmethod
    def parse(cls, text: str, default_port: int | None = None) -> Endpoint:
        check_endpoint_text(text)
        match = re.match(r"^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$|^([^:\[\]\s]+)(?::(\d+))?$", text.strip())
        if not match:
            raise ValueError(f'"{shown(text)}" is not host:port')
        host = check_host(match.group(1) or match.group(3), text)
        port_text = match.group(2) or match.group(4)
        if port_text is None:
            if default_port is None:
                raise ValueError(f'"{shown(text)}" has no port; write host:port')
            return cls(host, default_port)
        port = int(port_text[:6])  # 6 digits are enough to be out of range
        if len(port_text) > 5 or not 1 <= port <= 65535:
            raise ValueError(f'"{shown(text)}": port {shown(port_text, 8)} is outside 1-65535')
        return cls(host, port)


# --- The configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Ece:
    version: EceVersion
    engineering_specials: tuple[EsLevel, ...] = ()
    external_url: str | None = None
    admin_console_url: str | None = None
    #: ECE's own Java runtime (network.java_trust reads its cacerts); never checked for existence at load.
    java_home: Path | None = None


@dataclass(frozen=True)
class Server:
    name: str
    role: str


@dataclass(frozen=True)
class AzureAd:
    tenant: str
    client_id: str
    client_secret: SecretRef
    redirect_uri: str


@dataclass(frozen=True)
class GraphReader:
    client_id: str
    client_secret: SecretRef


@dataclass(frozen=True)
class Mailbox:
    address: str
    inbound: Inbound
    access: Access = "mailbox"
    token_account: str | None = None
    refresh_token: SecretRef | None = None
    #: The sign-in name (UPN) of the mailbox's own account where it differs from its primary SMTP address
    #: (``access = "mailbox"`` only): Microsoft does not require the two to match, hybrid tenants often
    #: differ (https://learn.microsoft.com/en-us/defender-office-365/outbound-spam-restore-restricted-users,
    #: checked 2026-12-04).
    account: str | None = None

    @property
    def own_account(self) -> str:
        """The mailbox's own account, by its sign-in name: ``account``, else the address."""
        return self.account or self.address

    @property
    def token_user(self) -> str:
        """The account whose token serves this mailbox (its own, or the delegate's when shared)."""
        if self.access == "shared" and self.token_account:
            return self.token_account
        return self.own_account


@dataclass(frozen=True)
class O365:
    cloud: str
    login: str
    imap: Endpoint
    pop3: Endpoint
    smtp: Endpoint
    graph: str
    outlook_resource: str

    @property
    def login_endpoint(self) -> Endpoint:
        return _url_endpoint(self.login)

    @property
    def graph_endpoint(self) -> Endpoint:
        return _url_endpoint(self.graph)


@dataclass(frozen=True)
class Simulation:
    """How a ``--ece-simulate`` run reaches its simulated tenant (contract §4).

    The deployment keeps Microsoft's endpoints — targets, findings and fixes name ``outlook.office365.com:993``
    — and only the code that opens a connection asks :meth:`port_for` where the simulator really listens
    on loopback (the evidence records that address and port). ``ca_sha256`` are the SHA-256 fingerprints of
    the simulator's own CA, the one stand-in the TLS probe accepts for Microsoft's issuers in such a run.
    """

    scenario: str
    ports: tuple[tuple[Endpoint, int], ...] = ()  # nominal endpoint -> loopback port actually listening
    ca_sha256: frozenset[str] = frozenset()  # lower-case hex, no separators
    java_home: Path | None = None  # the simulator's stand-in for ECE's Java runtime, when the run uses it

    def port_for(self, endpoint: Endpoint) -> int:
        """The port to dial for ``endpoint``: the simulator's, else the endpoint's own."""
        for nominal, port in self.ports:
            if nominal.host.lower() == endpoint.host.lower() and nominal.port == endpoint.port:
                return port
        return endpoint.port


@dataclass(frozen=True)
class Network:
    timeout: float = 10.0
    nameservers: tuple[Endpoint, ...] = ()
    ca_bundle: Path | None = None
    #: Set in a ``--ece-simulate`` run only; the real-world path never has one.
    simulation: Simulation | None = None

    def port_for(self, endpoint: Endpoint) -> int:
        """The port a connection to ``endpoint`` dials (differs only in a simulated run)."""
        return self.simulation.port_for(endpoint) if self.simulation is not None else endpoint.port

    @property
    def resolver_name(self) -> str:
        """How findings name ``nameservers``: "" (by their addresses), or in a simulated run the simulator's
        DNS, whose loopback port stays in the evidence."""
        return "the simulated tenant's DNS" if self.simulation is not None else ""


@dataclass(frozen=True)
class Waiver:
    check: str
    reason: str
    expires: dt.date
    target: str | None = None

    def covers(self, check: str, target: str) -> bool:
        return self.check == check and (self.target is None or self.target.lower() == target.lower())

    def valid_on(self, day: dt.date) -> bool:
        return day <= self.expires


@dataclass(frozen=True)
class DeploymentConfig:
    path: Path
    name: str
    ece: Ece
    azure_ad: AzureAd
    o365: O365
    network: Network
    servers: tuple[Server, ...] = ()
    graph: GraphReader | None = None
    mailboxes: tuple[Mailbox, ...] = ()
    waivers: tuple[Waiver, ...] = ()

    def secret_refs(self) -> Iterator[SecretRef]:
        """Every secret the file names, in file order."""
        yield self.azure_ad.client_secret
        if self.graph is not None:
            yield self.graph.client_secret
        for mailbox in self.mailboxes:
            if mailbox.refresh_token is not None:
                yield mailbox.refresh_token

    def with_endpoints(self, o365: O365, network: Network) -> DeploymentConfig:
        return replace(self, o365=o365, network=network)


def _url_endpoint(url: str) -> Endpoint:
    parts = urlsplit(url)
    return Endpoint(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
