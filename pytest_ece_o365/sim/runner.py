"""Start the whole simulated Office 365 tenant on loopback and point a configuration at it.

``start_simulator(cfg, scenario)`` builds the tenant model from the configuration, then starts DNS,
Entra ID, Microsoft Graph, IMAP, POP3 and SMTP on ephemeral 127.0.0.1 ports with a throw-away CA.
It returns when every server listens; if anything fails on the way, everything already started is
stopped before the error propagates, so no half-started simulator is left behind. ``ece-o365 sim``, which
runs it in the foreground, is :mod:`pytest_ece_o365.sim.foreground`.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint, Simulation
from pytest_ece_o365.owner_only import private_temp_folder
from pytest_ece_o365.secret import Secret
from pytest_ece_o365.sim import jre, leftovers, pki
from pytest_ece_o365.sim.aad import AadApp
from pytest_ece_o365.sim.authority import MailProtocol
from pytest_ece_o365.sim.dns import DnsServer
from pytest_ece_o365.sim.graph import GraphApp
from pytest_ece_o365.sim.https import HttpsServer, SimBindError
from pytest_ece_o365.sim.imap import ImapServer
from pytest_ece_o365.sim.mailserver import MailServer, Recorder
from pytest_ece_o365.sim.pop3 import Pop3Server
from pytest_ece_o365.sim.scenarios import SCENARIOS, build_tenant, describe
from pytest_ece_o365.sim.smtp import SmtpServer
from pytest_ece_o365.sim.tenant import Tenant

__all__ = [
    "SERVER_NAMES",
    "RunningSimulator",
    "SimBindError",
    "SimEndpoints",
    "list_scenarios",
    "start_simulator",
]

#: Servers whose port can be fixed with ``start_simulator(..., ports={...})``.
SERVER_NAMES = ("dns", "login", "graph", "imap", "pop3", "smtp")


class _Server(Protocol):
    @property
    def port(self) -> int: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...


_S = TypeVar("_S", bound=_Server)


@dataclass(frozen=True)
class SimEndpoints:
    """Where the simulator listens, under Microsoft's real host names (resolved by its DNS)."""

    login: str  # https://login.microsoftonline.com:PORT
    graph: str  # https://graph.microsoft.com:PORT
    imap: Endpoint
    pop3: Endpoint
    smtp: Endpoint


class RunningSimulator:
    """A started simulator. Use as a context manager, or call :meth:`stop` (idempotent)."""

    def __init__(self, cfg: DeploymentConfig, tenant: Tenant) -> None:
        self.cfg = cfg
        self.tenant = tenant
        self.scenario = tenant.scenario
        self.recorder = Recorder()
        # The TLS key and `ece-o365 sim`'s secrets scripts: owner-only also where mkdtemp's 0700 is not (Windows).
        self.workdir = private_temp_folder(leftovers.PREFIX)
        leftovers.mark_owner(self.workdir)  # a folder left by a killed simulator is found by its dead owner
        self.ca_bundle = self.workdir / "ca.pem"
        self.java_home = self.workdir  # replaced by _start: the simulated ECE Java runtime (sim.jre)
        self._servers: list[_Server] = []
        self._reserved: list[socket.socket] = []
        self._stopped = False
        self.nameserver = Endpoint("127.0.0.1", 0)
        self.endpoints = SimEndpoints("", "", Endpoint("", 0), Endpoint("", 0), Endpoint("", 0))

    @property
    def secrets(self) -> dict[str, Secret]:
        """The secrets the run receives, keyed by the config's ``SecretRef.key_path``."""
        return {key: Secret(value) for key, value in self.tenant.run_secrets.items()}

    # -- lifecycle -------------------------------------------------------------------------------
    def _start(
        self, ports: Mapping[str, int], latency: float = 0.0, answer_delay: float | Mapping[str, float] = 0.0
    ) -> None:
        def delay(name: str) -> float:
            return answer_delay.get(name, 0.0) if isinstance(answer_delay, Mapping) else answer_delay

        tenant, hosts = self.tenant, self.tenant.hosts
        authority = pki.authority(tenant.tls_chain)
        self.ca_bundle.write_bytes(authority.root_pem)
        self.java_home = jre.write_jre(self.workdir, tenant)
        names = [*hosts.all(), "outlook.ha.office365.com", "localhost", "127.0.0.1"]
        context = authority.server_certificate(names).server_context(self.workdir)
        timeout = max(30.0, self.cfg.network.timeout * 3)

        dns = self._run(DnsServer(tenant, port=ports.get("dns", 0), recorder=self.recorder, answer_delay=delay("dns")))
        self.nameserver = Endpoint("127.0.0.1", dns.port)
        aad_app, graph_app = AadApp(tenant), GraphApp(tenant)
        aad = self._run(
            HttpsServer(
                "login",
                aad_app,
                context,
                port=ports.get("login", 0),
                recorder=self.recorder,
                latency=latency,
                answer_delay=delay("login"),
            )
        )
        aad_app.set_base(f"https://{hosts.login}:{aad.port}")
        graph = self._run(
            HttpsServer(
                "graph",
                graph_app,
                context,
                port=ports.get("graph", 0),
                recorder=self.recorder,
                latency=latency,
                answer_delay=delay("graph"),
            )
        )
        graph_app.set_base(f"https://{hosts.graph}:{graph.port}")
        mail_ports: dict[str, int] = {}
        mail: tuple[tuple[MailProtocol, type[MailServer]], ...] = (
            ("imap", ImapServer),
            ("pop3", Pop3Server),
            ("smtp", SmtpServer),
        )
        for name, cls in mail:
            if tenant.behaviour[name] == "blocked":
                mail_ports[name] = self._reserve_dead_port()
                continue
            server = cls(
                tenant,
                context,
                host_name=getattr(hosts, name),
                bind=("127.0.0.1", ports.get(name, 0)),
                recorder=self.recorder,
                hang=tenant.behaviour[name] == "hang",
                timeout=timeout,
                latency=latency,
                answer_delay=delay(name),
            )
            mail_ports[name] = self._run(server).port
        self.endpoints = SimEndpoints(
            login=aad_app.login_base,
            graph=graph_app.base,
            imap=Endpoint(hosts.imap, mail_ports["imap"]),
            pop3=Endpoint(hosts.pop3, mail_ports["pop3"]),
            smtp=Endpoint(hosts.smtp, mail_ports["smtp"]),
        )

    def _run(self, server: _S) -> _S:
        # Registered before start(): stop() then also covers a server that failed half-way.
        self._servers.append(server)
        server.start()
        return server

    def _reserve_dead_port(self) -> int:
        # Bound but never listening: connections are refused, and no other program can take the port.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._reserved.append(sock)
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

    def stop(self) -> None:
        """Close every socket, join every thread, delete the temporary files. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        # In parallel: each server's loop notices its stop flag within its poll interval, so stopping
        # them one after the other would cost that interval per server.
        stoppers = [threading.Thread(target=s.stop, name="sim-stop") for s in self._servers]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        self._servers.clear()
        for sock in self._reserved:
            sock.close()
        self._reserved.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- pointing a configuration at it ---------------------------------------------------------
    def configure(self, cfg: DeploymentConfig) -> DeploymentConfig:
        """``cfg`` pointed at the simulator: ``[network]`` nameservers and ``ca_bundle`` are the simulator's,
        and its :class:`Simulation` maps each ``[o365]`` endpoint to the loopback port serving it.

        ``[o365]`` keeps the deployment's own endpoints (contract §4: a simulated run's targets carry the
        port the real endpoint uses, ``outlook.office365.com:993``); only the code that connects dials the
        simulator's port, and its evidence says so.
        """
        network = replace(
            cfg.network, nameservers=(self.nameserver,), ca_bundle=self.ca_bundle, simulation=self.simulation(cfg)
        )
        if cfg.ece.java_home is None:  # no ECE Java of its own: the simulator's stand-in (a set one is kept)
            cfg = replace(cfg, ece=replace(cfg.ece, java_home=self.java_home))
        if self.tenant.authority:  # the scenario's deployment names another authority (e.g. "common")
            cfg = replace(cfg, azure_ad=replace(cfg.azure_ad, tenant=self.tenant.authority))
        return cfg.with_endpoints(cfg.o365, network)

    def simulation(self, cfg: DeploymentConfig) -> Simulation:
        """Where each of ``cfg``'s endpoints is served (its host must be the one the simulator answers for),
        and the fingerprints of the simulator's stand-in for Microsoft's CAs (also in the ``tls-inspection``
        scenario, whose certificates it does not sign), and its stand-in ECE Java runtime when ``cfg`` has none."""
        e, o365 = self.endpoints, cfg.o365
        served = (
            (o365.login_endpoint, _url_port(e.login)),
            (o365.graph_endpoint, _url_port(e.graph)),
            (o365.imap, e.imap.port),
            (o365.pop3, e.pop3.port),
            (o365.smtp, e.smtp.port),
        )
        java = self.java_home if cfg.ece.java_home is None else None
        return Simulation(self.scenario, served, pki.authority("microsoft").fingerprints(), java)

    def env_names(self) -> dict[str, str]:
        """The environment variable each secret is read from: the config's own, or a made-up one."""
        names: dict[str, str] = {}
        for ref in self.cfg.secret_refs():
            slug = re.sub(r"[^A-Z0-9]+", "_", ref.key_path.upper()).strip("_")
            names[ref.key_path] = ref.env or f"ECE_O365_SIM_{slug}"
        return names

    def config_snippet(self) -> str:
        """TOML for ``[o365]`` and ``[network]`` pointing at this simulator; secrets only by env name."""
        e, cfg = self.endpoints, self.cfg
        lines = [
            f'# Simulated Office 365 tenant, scenario "{self.scenario}" (ece-o365 sim): loopback only,',
            "# gone when the simulator stops. Use these two tables instead of your [o365] and [network].",
            "[o365]",
            f"cloud = {_toml(cfg.o365.cloud)}",
            f"login = {_toml(e.login)}",
            f"graph = {_toml(e.graph)}",
            f"imap = {_toml(str(e.imap))}",
            f"pop3 = {_toml(str(e.pop3))}",
            f"smtp = {_toml(str(e.smtp))}",
            "",
            "[network]",
            f"timeout = {cfg.network.timeout:g}",
            f"nameservers = [{_toml(str(self.nameserver))}]",
            f"ca_bundle = {_toml(str(self.ca_bundle))}",
            "",
            "# The secrets are read from these environment variables (values: see the lines printed apart):",
        ]
        for key, env in self.env_names().items():
            lines.append(f"#   {key} = {{ env = {_toml(env)} }}")
        java = _toml(str(self.java_home))
        lines.append(f"# The simulator's stand-in for ECE's Java runtime (no real JRE): [ece] java_home = {java}")
        if self.tenant.authority:
            lines.append(f"# This scenario's deployment has [azure_ad] tenant = {_toml(self.tenant.authority)}.")
        return "\n".join(lines) + "\n"


def _url_port(url: str) -> int:
    return urlsplit(url).port or 443


def _toml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid TOML basic string (Windows paths included)


def start_simulator(
    cfg: DeploymentConfig,
    scenario: str = "healthy",
    *,
    ports: Mapping[str, int] | None = None,
    latency: float = 0.0,
    answer_delay: float | Mapping[str, float] = 0.0,
) -> RunningSimulator:
    """Build the tenant for ``scenario`` and start every server; ready when this returns.

    ``ports`` fixes a server's port (keys: ``SERVER_NAMES``); by default every port is ephemeral.
    ``latency`` (seconds) delays every TCP connection's first byte, as a distant server would (benchmarks);
    ``answer_delay`` delays every answer instead: each DNS reply, TLS ServerHello, HTTP response and mail
    reply (a slow tenant behind a slow link; the kernel's SYN-ACK is not delayed) — for every server, or per
    server name (``SERVER_NAMES``) from a mapping.
    Raises :class:`~pytest_ece_o365.sim.tenant.ScenarioError` for a scenario the config cannot host and
    :class:`OSError` (``SimBindError`` / ``MailServerBindError``) when a port cannot be bound; in both
    cases nothing is left running.
    """
    unknown = set(ports or {}) - set(SERVER_NAMES)
    if unknown:
        raise ValueError(f"unknown server {sorted(unknown)[0]!r}; one of {', '.join(SERVER_NAMES)}")
    tenant = build_tenant(cfg, scenario)
    simulator = RunningSimulator(cfg, tenant)
    try:
        simulator._start(ports or {}, latency, answer_delay)
    except BaseException:
        simulator.stop()
        raise
    return simulator


def list_scenarios() -> list[tuple[str, str]]:
    """Every scenario as ``(name, what it changes)``, in checklist order."""
    return [(name, describe(name)) for name in SCENARIOS]
