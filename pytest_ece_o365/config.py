"""The deployment file (TOML) as frozen dataclasses (contract §2).

Every error is a :class:`ConfigError` whose one-line message names the file, the key path with 0-based
array indexes (``mailboxes[1].inbound``) and what is wrong — never a secret's value.
"""

from __future__ import annotations

import datetime as dt
import difflib
import ipaddress
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, cast
from urllib.parse import urlsplit

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.knowledge import CLOUDS, ROLES, EsLevel
from pytest_ece_o365.secret import SecretRef

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

T = TypeVar("T")

Inbound = Literal["imap", "pop3"]
Access = Literal["mailbox", "shared"]


class ConfigError(Exception):
    """A bad deployment file; ``str()`` is the one line the user sees."""

    def __init__(self, source: Path | str, key_path: str, problem: str) -> None:
        self.source = str(source)
        self.key_path = key_path
        self.problem = problem
        where = f"{self.source}: {key_path}" if key_path else self.source
        super().__init__(f"{where}: {problem}")


# --- Value types ------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class EceVersion:
    """An ECE version as ECE shows it, ``12.6(1)``; ``12.6.1`` is read the same."""

    major: int
    minor: int
    maintenance: int

    _PATTERN = re.compile(r"^\s*(\d+)\.(\d+)(?:\((\d+)\)|\.(\d+))\s*$")

    @classmethod
    def parse(cls, text: str) -> EceVersion:
        match = cls._PATTERN.match(text)
        if not match:
            raise ValueError(f'"{text}" is not an ECE version; write it as ECE shows it, e.g. "12.6(1)"')
        major, minor, paren, dotted = match.groups()
        return cls(int(major), int(minor), int(paren if paren is not None else dotted))

    @property
    def family(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}({self.maintenance})"


_ES_PATTERN = re.compile(r"^ES(\d+)(?:_ET(\d+))?$", re.IGNORECASE)


def parse_es(text: str) -> EsLevel:
    match = _ES_PATTERN.match(text.strip())
    if not match:
        raise ValueError(f'"{text}" is not an Engineering Special; write "ES12" or "ES12_ET1"')
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
        match = re.match(r"^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$|^([^:\[\]\s]+)(?::(\d+))?$", text.strip())
        if not match:
            raise ValueError(f'"{text}" is not host:port')
        host = match.group(1) or match.group(3)
        port_text = match.group(2) or match.group(4)
        if port_text is None:
            if default_port is None:
                raise ValueError(f'"{text}" has no port; write host:port')
            return cls(host, default_port)
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise ValueError(f'"{text}": port {port} is outside 1-65535')
        return cls(host, port)


# --- The configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Ece:
    version: EceVersion
    engineering_specials: tuple[EsLevel, ...] = ()
    external_url: str | None = None
    admin_console_url: str | None = None


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

    @property
    def token_user(self) -> str:
        """The account whose token serves this mailbox (its own, or the delegate's when shared)."""
        if self.access == "shared" and self.token_account:
            return self.token_account
        return self.address


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
class Network:
    timeout: float = 10.0
    nameservers: tuple[Endpoint, ...] = ()
    ca_bundle: Path | None = None


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


# --- Loading ---------------------------------------------------------------------------------------


def load_config(path: Path | str) -> DeploymentConfig:
    """Read and validate a deployment file; raise :class:`ConfigError` on any problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read the file ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, "", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"TOML syntax error: {exc}") from None
    return _Loader(path).deployment(_Table(data, "", path))


class _Table:
    """A TOML table being read: tracks the key path and which keys were used, so that typos fail."""

    def __init__(self, data: dict[str, Any], path: str, source: Path) -> None:
        self.data = data
        self.path = path
        self.source = source
        self._used: set[str] = set()

    def key_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str | int, problem: str) -> ConfigError:
        return ConfigError(self.source, self.key_path(key), problem)

    def get(self, key: str) -> Any:
        self._used.add(key)
        return self.data.get(key)

    def has(self, key: str) -> bool:
        return key in self.data

    def missing(self, key: str, problem: str = "is required") -> ConfigError:
        """The error for a required key that is absent — or, when a misspelling of it is there, for that."""
        typo = difflib.get_close_matches(key, [k for k in self.data if k not in self._used], n=1)
        if typo:
            return self.error(typo[0], f'unknown key (did you mean "{key}"?)')
        return self.error(key, problem)

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.get(key)
        if value is None:
            if required:
                raise self.missing(key)
            return None
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {_type_name(value)}")
        if not value.strip():
            raise self.error(key, "is empty")
        return value.strip()

    def required_string(self, key: str) -> str:
        return cast(str, self.string(key, required=True))

    def choice(self, key: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.string(key, required=default is None)
        if value is None:
            assert default is not None
            return default
        if value not in options:
            raise self.error(key, f'"{value}" is not one of {", ".join(options)}')
        return value

    def table(self, key: str, *, required: bool = False) -> _Table | None:
        value = self.get(key)
        if value is None:
            if required:
                raise self.missing(key, f"the [{self.key_path(key)}] table is required")
            return None
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {_type_name(value)}")
        return _Table(value, self.key_path(key), self.source)

    def array(self, key: str) -> list[Any]:
        value = self.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"expected an array, got {_type_name(value)}")
        return value

    def tables(self, key: str) -> list[_Table]:
        items = self.array(key)
        path = self.key_path(key)
        result = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise ConfigError(self.source, f"{path}[{index}]", f"expected a table, got {_type_name(item)}")
            result.append(_Table(item, f"{path}[{index}]", self.source))
        return result

    def parsed(self, key: str, parse: Callable[[str], T]) -> T | None:
        text = self.string(key)
        if text is None:
            return None
        try:
            return parse(text)
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def secret(self, key: str, *, required: bool = False) -> SecretRef | None:
        value = self.get(key)
        path = self.key_path(key)
        accepted = '{ env = "NAME" } or { file = "PATH" }'
        if value is None:
            if required:
                raise self.missing(key, f"is required, as {accepted}")
            return None
        if isinstance(value, str):
            # Never echo the value: config files get attached to support cases.
            raise self.error(key, f"a secret must not be written in the file; give it as {accepted}")
        if not isinstance(value, dict):
            raise self.error(key, f"expected {accepted}, got {_type_name(value)}")
        inner = _Table(value, path, self.source)
        env = inner.string("env")
        file = inner.string("file")
        inner.done()
        if (env is None) == (file is None):
            raise self.error(key, f"give exactly one of env or file: {accepted}")
        if file is not None:
            return SecretRef(path, file=_relative_to(self.source, file))
        return SecretRef(path, env=env)

    def done(self) -> None:
        unknown = [key for key in self.data if key not in self._used]
        if unknown:
            known = [key for key in self._used if key not in self.data]
            typo = difflib.get_close_matches(unknown[0], known, n=1)
            hint = f' (did you mean "{typo[0]}"?)' if typo else ""
            raise self.error(unknown[0], f"unknown key{hint}")


class _Loader:
    def __init__(self, source: Path) -> None:
        self.source = source

    def deployment(self, root: _Table) -> DeploymentConfig:
        deployment = root.table("deployment")
        name = self.source.stem
        if deployment is not None:
            name = deployment.string("name") or name
            deployment.done()
        ece = self.ece(cast(_Table, root.table("ece", required=True)))
        servers = self.servers(root)
        azure_ad = self.azure_ad(cast(_Table, root.table("azure_ad", required=True)))
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

    def ece(self, table: _Table) -> Ece:
        version = table.parsed("version", EceVersion.parse)
        if version is None:
            raise table.missing("version", 'is required, as ECE shows it, e.g. "12.6(1)"')
        specials = []
        for index, item in enumerate(table.array("engineering_specials")):
            path = f"{table.key_path('engineering_specials')}[{index}]"
            if not isinstance(item, str):
                raise ConfigError(self.source, path, f"expected a string, got {_type_name(item)}")
            try:
                specials.append(parse_es(item))
            except ValueError as exc:
                raise ConfigError(self.source, path, str(exc)) from None
        external_url = table.string("external_url")
        admin_console_url = table.string("admin_console_url")
        table.done()
        return Ece(version, tuple(specials), external_url, admin_console_url)

    def servers(self, root: _Table) -> tuple[Server, ...]:
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

    def azure_ad(self, table: _Table) -> AzureAd:
        tenant = table.required_string("tenant")
        client_id = table.required_string("client_id")
        secret = cast(SecretRef, table.secret("client_secret", required=True))
        redirect_uri = table.required_string("redirect_uri")
        table.done()
        return AzureAd(tenant, client_id, secret, redirect_uri)

    def graph(self, table: _Table) -> GraphReader:
        client_id = table.required_string("client_id")
        secret = cast(SecretRef, table.secret("client_secret", required=True))
        table.done()
        return GraphReader(client_id, secret)

    def mailboxes(self, root: _Table) -> tuple[Mailbox, ...]:
        mailboxes: list[Mailbox] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(root.tables("mailboxes")):
            address = table.required_string("address")
            if not _looks_like_address(address):
                raise table.error("address", f'"{address}" is not an e-mail address')
            inbound = cast(Inbound, table.choice("inbound", ("imap", "pop3")))
            access = cast(Access, table.choice("access", ("mailbox", "shared"), default="mailbox"))
            token_account = table.string("token_account")
            if token_account is not None and not _looks_like_address(token_account):
                raise table.error("token_account", f'"{token_account}" is not an account (user@domain)')
            refresh_token = table.secret("refresh_token")
            table.done()
            if address.lower() in seen:
                raise table.error("address", f'"{address}" is already mailboxes[{seen[address.lower()]}]')
            seen[address.lower()] = index
            mailboxes.append(Mailbox(address, inbound, access, token_account, refresh_token))
        return tuple(mailboxes)

    def o365(self, table: _Table | None) -> O365:
        table = table or _Table({}, "o365", self.source)
        cloud_name = table.choice("cloud", tuple(CLOUDS), default="global")
        cloud = CLOUDS[cloud_name]
        login = table.parsed("login", _https_base_url) or cloud.login
        graph = table.parsed("graph", _https_base_url) or cloud.graph
        imap = table.parsed("imap", lambda text: Endpoint.parse(text, 993)) or Endpoint.parse(cloud.imap)
        pop3 = table.parsed("pop3", lambda text: Endpoint.parse(text, 995)) or Endpoint.parse(cloud.pop3)
        smtp = table.parsed("smtp", lambda text: Endpoint.parse(text, 587)) or Endpoint.parse(cloud.smtp)
        table.done()
        return O365(cloud_name, login, imap, pop3, smtp, graph, cloud.outlook_resource)

    def network(self, table: _Table | None) -> Network:
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
                    raise ValueError(f"expected a string, got {_type_name(item)}")
                nameservers.append(_nameserver(item))
            except ValueError as exc:
                raise ConfigError(self.source, path, str(exc)) from None
        ca_bundle = None
        ca_text = table.string("ca_bundle")
        if ca_text is not None:
            ca_bundle = _relative_to(self.source, ca_text)
            if not ca_bundle.is_file():
                raise table.error("ca_bundle", f"file {ca_bundle} does not exist")
        table.done()
        return Network(float(timeout), tuple(nameservers), ca_bundle)

    def waiver(self, table: _Table) -> Waiver:
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
            raise table.error("expires", f"expected a date like 2027-03-31, got {_type_name(expires)}")
        table.done()
        return Waiver(check, reason, expires, target)


def _relative_to(source: Path, text: str) -> Path:
    path = Path(text)
    return path if path.is_absolute() else (source.parent / path).resolve()


def _looks_like_address(text: str) -> bool:
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) is not None


def _https_base_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f'"{text}" is not an https:// URL')
    return text.rstrip("/")


def _nameserver(text: str) -> Endpoint:
    endpoint = Endpoint.parse(text, 53)
    try:
        ipaddress.ip_address(endpoint.host)
    except ValueError:
        raise ValueError(f'"{text}" is not an IP address (optionally with :port)') from None
    return endpoint


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
        dt.date: "a date",
        dt.datetime: "a date-time",
        dt.time: "a time",
    }.get(type(value), type(value).__name__)


__all__ = [
    "O365",
    "AzureAd",
    "ConfigError",
    "DeploymentConfig",
    "Ece",
    "EceVersion",
    "Endpoint",
    "GraphReader",
    "Mailbox",
    "Network",
    "Server",
    "Waiver",
    "load_config",
    "parse_es",
]
