"""The whole simulator: start, point a config at it, stop without leftovers."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography import x509
from simclients import example_config
from waiting import wait_until

from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint
from pytest_ece_o365.sim import pki
from pytest_ece_o365.sim.foreground import export_lines, run_foreground
from pytest_ece_o365.sim.runner import RunningSimulator, list_scenarios, start_simulator
from pytest_ece_o365.sim.scenarios import SCENARIOS
from pytest_ece_o365.sim.tenant import ScenarioError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def cfg() -> DeploymentConfig:
    return example_config()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def ports(sim: RunningSimulator) -> list[int]:
    e = sim.endpoints
    urls = [int(u.rsplit(":", 1)[1]) for u in (e.login, e.graph)]
    return [sim.nameserver.port, *urls, e.imap.port, e.pop3.port, e.smtp.port]


def test_start_then_stop_leaves_no_thread_port_or_file(cfg: DeploymentConfig) -> None:
    threads, fds = set(threading.enumerate()), open_fds()
    sim = start_simulator(cfg)
    assert all(listening(port) for port in ports(sim))
    assert sim.ca_bundle.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    sim.stop()
    sim.stop()  # idempotent
    assert set(threading.enumerate()) == threads
    assert not any(listening(port) for port in ports(sim))
    assert not sim.workdir.exists()
    assert open_fds() == fds


def test_configure_points_the_config_at_the_simulator(cfg: DeploymentConfig) -> None:
    with start_simulator(cfg) as sim:
        pointed = sim.configure(cfg)
        # [o365] keeps the real endpoints (contract §4); only the port map knows the loopback ports.
        assert pointed.o365 == cfg.o365
        assert str(pointed.o365.imap) == "outlook.office365.com:993"
        simulation = pointed.network.simulation
        assert simulation is not None and simulation.scenario == "healthy"
        assert pointed.network.port_for(cfg.o365.imap) == sim.endpoints.imap.port
        assert pointed.network.port_for(cfg.o365.smtp) == sim.endpoints.smtp.port
        assert pointed.network.port_for(cfg.o365.login_endpoint) == int(sim.endpoints.login.rsplit(":", 1)[1])
        assert pointed.network.port_for(Endpoint("example.com", 443)) == 443  # anything else: as it is
        assert simulation.ca_sha256 == pki.authority("microsoft").fingerprints()
        assert pointed.network.nameservers == (sim.nameserver,)
        assert pointed.network.ca_bundle == sim.ca_bundle
        assert pointed.mailboxes == cfg.mailboxes
        assert set(sim.secrets) == {ref.key_path for ref in cfg.secret_refs()}
        assert all(repr(s) == "Secret([redacted])" for s in sim.secrets.values())


def test_bind_failure_leaves_nothing_running(cfg: DeploymentConfig) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        threads, fds = set(threading.enumerate()), open_fds()
        with pytest.raises(OSError, match=f"graph cannot listen on 127.0.0.1:{taken}"):
            start_simulator(cfg, ports={"graph": taken})
        assert set(threading.enumerate()) == threads
        assert open_fds() == fds


def test_unknown_server_name_in_ports_is_refused(cfg: DeploymentConfig) -> None:
    with pytest.raises(ValueError, match="unknown server 'ldap'"):
        start_simulator(cfg, ports={"ldap": 389})


def test_scenario_errors_start_nothing(cfg: DeploymentConfig) -> None:
    threads = set(threading.enumerate())
    with pytest.raises(ScenarioError):
        start_simulator(cfg, "nope")
    assert set(threading.enumerate()) == threads


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_starts_from_the_example_config(cfg: DeploymentConfig, scenario: str) -> None:
    with start_simulator(cfg, scenario) as sim:
        assert sim.scenario == scenario
        assert listening(sim.endpoints.smtp.port)


def test_port_blocked_refuses_pop3_connections(cfg: DeploymentConfig) -> None:
    with start_simulator(cfg, "port-blocked") as sim:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", sim.endpoints.pop3.port), timeout=1).close()
        assert listening(sim.endpoints.imap.port)


def test_server_hangs_accepts_and_never_greets(cfg: DeploymentConfig) -> None:
    with (
        start_simulator(cfg, "server-hangs") as sim,
        socket.create_connection(("127.0.0.1", sim.endpoints.imap.port), timeout=1) as sock,
    ):
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(1)


def peer_issuer(sim: RunningSimulator, host: str, port: int) -> dict[str, str]:
    context = ssl.create_default_context(cafile=str(sim.ca_bundle))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        cert = tls.getpeercert()
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    assert cert is not None
    return {k: v for rdn in cert["issuer"] for k, v in rdn}  # type: ignore[misc]


def test_certificates_name_the_simulators_ca_or_the_inspection_box(cfg: DeploymentConfig) -> None:
    with start_simulator(cfg) as sim:
        issuer = peer_issuer(sim, "outlook.office365.com", sim.endpoints.imap.port)
        assert issuer["commonName"] == "pytest-ece-o365 simulated Office 365 CA"
        assert issuer["organizationName"] == "pytest-ece-o365 simulator"
        pem = sim.ca_bundle.read_text()
        assert "Microsoft" not in x509.load_pem_x509_certificate(pem.encode()).subject.rfc4514_string()
    with start_simulator(cfg, "tls-inspection") as sim:
        issuer = peer_issuer(sim, "login.microsoftonline.com", int(sim.endpoints.login.rsplit(":", 1)[1]))
        assert issuer["organizationName"] == "Contoso Corp"


def test_snippet_is_toml_without_secret_values(cfg: DeploymentConfig) -> None:
    with start_simulator(cfg) as sim:
        snippet = sim.config_snippet()
        data = tomllib.loads(snippet)
        assert data["o365"]["login"] == sim.endpoints.login
        assert data["network"]["nameservers"] == [str(sim.nameserver)]
        assert Path(data["network"]["ca_bundle"]) == sim.ca_bundle
        assert (
            f"stand-in for ECE's Java runtime (no real JRE): [ece] java_home = {json.dumps(str(sim.java_home))}"
            in snippet
        )
        values = list(sim.tenant.run_secrets.values())
        assert not any(value in snippet for value in values)
        assert "ECE_O365_RT_SUPPORT" in snippet
        exports = export_lines(sim, "posix")
        assert all(value in exports for value in values)
        assert "export ECE_O365_CLIENT_SECRET=" in exports
        assert 'set "ECE_O365_GRAPH_SECRET=' in export_lines(sim, "cmd")


def test_run_foreground_prints_and_stops_on_request(cfg: DeploymentConfig) -> None:
    threads = set(threading.enumerate())
    out, stop = io.StringIO(), threading.Event()
    runner = threading.Thread(target=lambda: run_foreground(cfg, "healthy", out, until=stop))
    runner.start()
    wait_until(lambda: "Press Ctrl-C" in out.getvalue(), "the simulator to say it is ready")
    stop.set()
    runner.join(10)
    assert not runner.is_alive(), "the foreground simulator did not stop within 10 s of the request"
    text = out.getvalue()
    assert "[o365]" in text and "Simulator stopped." in text
    assert "export ECE_O365_CLIENT_SECRET=" not in text  # secrets never reach the terminal (contract §7)
    script = Path(next(line.split(". ", 1)[1] for line in text.splitlines() if "sh/bash:" in line))
    assert not script.exists()  # the secrets file went away with the simulator
    assert set(threading.enumerate()) == threads


def test_run_foreground_writes_the_secrets_to_a_private_file(cfg: DeploymentConfig) -> None:
    out, stop = io.StringIO(), threading.Event()
    runner = threading.Thread(target=lambda: run_foreground(cfg, "healthy", out, until=stop))
    runner.start()
    try:
        wait_until(lambda: "Press Ctrl-C" in out.getvalue(), "the simulator to say it is ready")
        script = Path(next(line.split(". ", 1)[1] for line in out.getvalue().splitlines() if "sh/bash:" in line))
        assert "export ECE_O365_CLIENT_SECRET=" in script.read_text()
        if sys.platform != "win32":
            assert script.parent.stat().st_mode & 0o077 == 0  # the folder is the user's alone
    finally:
        stop.set()
        runner.join(10)


def test_list_scenarios_names_and_explains_each() -> None:
    listed = list_scenarios()
    assert [name for name, _ in listed] == list(SCENARIOS)
    assert dict(listed)["broken"].startswith("several faults at once")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_sigterm_stops_the_foreground_simulator_cleanly() -> None:
    code = (
        "import sys\n"
        "from pytest_ece_o365.config.loader import load_config\n"
        "from pytest_ece_o365.sim.foreground import run_foreground\n"
        f"sys.exit(run_foreground(load_config({str(example_config().path)!r})))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        bundle = Path(tomllib.loads("".join(lines).split("# The secrets")[0])["network"]["ca_bundle"])
        assert bundle.exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "Simulator stopped." in proc.stdout.read()
        assert not bundle.parent.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
