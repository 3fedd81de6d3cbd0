"""Reading the deployment file (TOML) into :mod:`pytest_ece_o365.config.deployment` values (contract §2).

Every error is a :class:`ConfigError` whose one-line message names the file, the key path with 0-based
array indexes (``mailboxes[1].inbound``) and what is wrong — never a secret's value.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.config.deployment import (
    O365,
    Access,
    AzureAd,
    DeploymentConfig,
    Ece,
    EceVersion,
    Endpoint,
    GraphReader,
    Inbound,
    Mailbox,
    Network,
    Server,
    Waiver,
    is_address,
    is_ip_literal,
    parse_es,
)
from pytest_ece_o365.config.table import ConfigError, Table, relative_to, type_name
from pytest_ece_o365.config.values import check_url
from pytest_ece_o365.files import CONFIG_LIMIT, read_bounded
from pytest_ece_o365.knowledge import CLOUDS, ROLES
from pytest_ece_o365.printable import printable
from pytest_ece_o365.secret import SecretRef

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


# --- Loading ---------------------------------------------------------------------------------------


def load_config(path: Path | str) -> DeploymentConfig:
    """Read and validate a deployment file; raise :class:`ConfigError` on any problem."""
    path = Path(path)
    try:
        raw = read_bounded(path, CONFIG_LIMIT)  # a FIFO, /dev/zero, a directory: refused (files.py)
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read the file ({exc.strerror or exc})") from None
    try:
        # utf-8-sig: Windows tools (PowerShell 5.1, older Notepad) start UTF-8 files with a BOM.
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(path, "", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise ConfigError(path, "", TOO_DEEP) from None
    try:
        return _Loader(path).deployment(Table(data, "", path))
    except RecursionError:
        raise ConfigError(path, "", TOO_DEEP) from None


TOO_DEEP = "arrays or tables nested too deeply (hundreds of levels): not a deployment file"


class _Loader:
    def __init__(self, source: Path) -> None:
        self.source = source

    def deployment(self, root: Table) -> DeploymentConfig:
        deployment = root.table("deployment")
        name = printable(self.source.stem)  # a file name is text from outside too
        if deployment is not None:
            name = deployment.string("name") or name
            deployment.done()
        ece = self.ece(cast(Table, root.table("ece", required=True)))
        servers = self.servers(root)
        azure_ad = self.azure_ad(cast(Table, root.table("azure_ad", required=True)))
        graph_table = root.table("graph")
        graph = self.graph(graph_table) if graph_table is not None else None
        mailboxes = self.mailboxes(root)
        o365 = self.o365(root.table("o365"))
        network = self.network(root.table("network"))
        waivers = tuple(self.waiver(table) for table in root.tables("waivers"))
        root.done()
        return DeploymentConfig(
            path=self.source.resolve(),
            name=name,
            ece=ece,
            azure_ad=azure_ad,
            o365=o365,
            network=network,
            servers=servers,
            graph=graph,
            mailboxes=mailboxes,
            waivers=waivers,
        )

    def ece(self, table: Table) -> Ece:
        version = table.parsed("version", EceVersion.parse)
        if version is None:
            raise table.missing("version", 'is required, as ECE shows it, e.g. "12.6(1)"')
        specials = []
        for index, item in enumerate(table.array("engineering_specials")):
            path = f"{table.key_path('engineering_specials')}[{index}]"
            if not isinstance(item, str):
                raise ConfigError(self.source, path, f"expected a string, got {type_name(item)}")
            try:
                specials.append(parse_es(item))
            except ValueError as exc:
                raise ConfigError(self.source, path, str(exc)) from None
        external_url = table.parsed("external_url", check_url)
        admin_console_url = table.parsed("admin_console_url", check_url)
        java_text = table.string("java_home")
        # Like ca_bundle, not checked for existence: a Windows path must not fail `-m static` on CI; the
        # network.java_trust probe says what it cannot read.
        java_home = relative_to(self.source, java_text) if java_text is not None else None
        table.done()
        return Ece(version, tuple(specials), external_url, admin_console_url, java_home)

    def servers(self, root: Table) -> tuple[Server, ...]:
        servers: list[Server] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(root.tables("servers")):
            name = table.required_string("name")
            role = table.choice("role", ROLES)
            table.done()
            if name.lower() in seen:
                raise table.error("name", f'"{name}" is already servers[{seen[name.lower()]}]')
            seen[name.lower()] = index
            servers.append(Server(name, role))
        return tuple(servers)

    def azure_ad(self, table: Table) -> AzureAd:
        tenant = table.required_string("tenant")
        client_id = table.required_string("client_id")
        secret = cast(SecretRef, table.secret("client_secret", required=True))
        redirect_uri = table.parsed("redirect_uri", check_url) or table.required_string("redirect_uri")
        table.done()
        return AzureAd(tenant, client_id, secret, redirect_uri)

    def graph(self, table: Table) -> GraphReader:
        client_id = table.required_string("client_id")
        secret = cast(SecretRef, table.secret("client_secret", required=True))
        table.done()
        return GraphReader(client_id, secret)

    def mailboxes(self, root: Table) -> tuple[Mailbox, ...]:
        mailboxes: list[Mailbox] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(root.tables("mailboxes")):
            address = table.required_string("address")
            if not is_address(address):
                raise table.error("address", f'"{address}" is not an e-mail address')
            inbound = cast(Inbound, table.choice("inbound", ("imap", "pop3")))
            access = cast(Access, table.choice("access", ("mailbox", "shared"), default="mailbox"))
            token_account = table.string("token_account")
            if token_account is not None and not is_address(token_account):
                raise table.error("token_account", f'"{token_account}" is not an account (user@domain)')
            account = table.string("account")
            if account is not None and not is_address(account):
                raise table.error("account", f'"{account}" is not a sign-in name (user@domain)')
            if account is not None and access == "shared":
                raise table.error(
                    "account", 'is for access = "mailbox" only: a shared mailbox uses token_account\'s token'
                )
            refresh_token = table.secret("refresh_token")
            table.done()
            if address.lower() in seen:
                raise table.error("address", f'"{address}" is already mailboxes[{seen[address.lower()]}]')
            seen[address.lower()] = index
            mailboxes.append(Mailbox(address, inbound, access, token_account, refresh_token, account))
        return tuple(mailboxes)

    def o365(self, table: Table | None) -> O365:
        table = table or Table({}, "o365", self.source)
        cloud_name = table.choice("cloud", tuple(CLOUDS), default="global")
        cloud = CLOUDS[cloud_name]
        login = table.parsed("login", _https_base_url) or cloud.login
        graph = table.parsed("graph", _https_base_url) or cloud.graph
        imap = table.parsed("imap", lambda text: Endpoint.parse(text, 993)) or Endpoint.parse(cloud.imap)
        pop3 = table.parsed("pop3", lambda text: Endpoint.parse(text, 995)) or Endpoint.parse(cloud.pop3)
        smtp = table.parsed("smtp", lambda text: Endpoint.parse(text, 587)) or Endpoint.parse(cloud.smtp)
        table.done()
        return O365(cloud_name, login, imap, pop3, smtp, graph, cloud.outlook_resource)

    def network(self, table: Table | None) -> Network:
        if table is None:
            return Network()
        timeout = table.get("timeout")
        if timeout is None:
            timeout = Network.timeout
        elif isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
            raise table.error("timeout", f"expected seconds between 0 and 600, got {timeout!r}")
        nameservers = []
        for index, item in enumerate(table.array("nameservers")):
            path = f"{table.key_path('nameservers')}[{index}]"
            try:
                if not isinstance(item, str):
                    raise ValueError(f"expected a string, got {type_name(item)}")
                nameservers.append(_nameserver(item))
            except ValueError as exc:
                raise ConfigError(self.source, path, str(exc)) from None
        ca_bundle = None
        ca_text = table.string("ca_bundle")
        if ca_text is not None:
            # Not checked for existence here: a Windows server's path must not fail a `-m static` run
            # elsewhere (CI); the TLS probes report a bundle they cannot load.
            ca_bundle = relative_to(self.source, ca_text)
        table.done()
        return Network(float(timeout), tuple(nameservers), ca_bundle)

    def waiver(self, table: Table) -> Waiver:
        check = table.required_string("check")
        if check not in CHECKS:
            raise table.error("check", f'"{check}" is not a check id (see checklist: e.g. "license.exchange")')
        target = table.string("target")
        reason = table.required_string("reason")
        expires = table.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires.strip())
            except ValueError:
                raise table.error("expires", f'"{expires}" is not a date like 2027-03-31') from None
        if expires is None:
            raise table.missing("expires", "is required: the last day the waiver holds, e.g. 2027-03-31")
        if isinstance(expires, dt.datetime) or not isinstance(expires, dt.date):
            raise table.error("expires", f"expected a date like 2027-03-31, got {type_name(expires)}")
        table.done()
        return Waiver(check, reason, expires, target)


def _https_base_url(text: str) -> str:
    check_url(text)
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if parts.scheme != "https" or not parts.hostname or port == 0:
        raise ValueError(f'"{text}" is not an https:// URL (with an optional port from 1 to 65535)')
    return text.rstrip("/")


def _nameserver(text: str) -> Endpoint:
    if is_ip_literal(text.strip()):  # a bare address, IPv6 ones ("::1") included
        return Endpoint(text.strip(), 53)
    endpoint = Endpoint.parse(text, 53)
    if not is_ip_literal(endpoint.host):
        raise ValueError(f'"{text}" is not an IP address (optionally with :port)')
    return endpoint


__all__ = ["ConfigError", "load_config"]
