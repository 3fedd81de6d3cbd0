"""pytest wiring: options, markers, and — only when a deployment file is given — the checklist run.

This module is imported by every pytest run in the environment, so it imports nothing else of this package:
the run itself (:mod:`pytest_ece_o365.plugin.session`) loads when ``--ece-config``, ``ECE_O365_CONFIG``,
``ece_config`` or ``--ece-simulate`` asks for it. Without them pytest behaves as if the plugin were absent,
and costs no more than this module (tests/test_plugin_cost.py, benchmarks/bench_plugin_load.py).
"""

from __future__ import annotations

import argparse
import os

import pytest

#: The environment variable naming the deployment file (the run reads it again: session.ENV_VAR).
ENV_VAR = "ECE_O365_CONFIG"

# The markers' names, spelled out here rather than imported from knowledge/catalog, which would load
# a dozen modules into every pytest run of the environment; tests/test_plugin_cost.py pins them to
# knowledge.ROLE_MARKERS, knowledge.VERSION_MARKERS and catalog.KINDS.
ROLE_MARKER_NAMES = ("services_server", "application_server")
VERSION_MARKER_NAMES = ("ece_11_6", "ece_12_0", "ece_12_5", "ece_12_6", "ece_15_0")
KIND_NAMES = ("static", "network", "oauth", "mailbox", "graph")

CONFIG_HELP = (
    "deployment file (TOML) to check; runs the built-in ECE <-> Office 365 checklist instead of tests. "
    "Also ECE_O365_CONFIG (env) and ece_config (ini); precedence: option > env > ini."
)
ROLE_HELP = (
    "server role this machine plays: services, application or all. Default: the role of the [[servers]] "
    "entry named like this host, else all."
)
SIMULATE_HELP = (
    "run against the built-in simulated Office 365 tenant on loopback (SCENARIO: healthy (default), "
    "broken, or a fault name; `ece-o365 sim --list`). Without a deployment file it uses the packaged "
    "example."
)
KEEP_TOKENS_HELP = (
    "opt-in: after a successful redemption, write the rotated refresh token back to its { file = ... } "
    "secret (atomically, owner-only), so that a scheduled run keeps it from expiring 90 days unused."
)

_MARKER_HELP = {
    "services_server": "check applies to the ECE services server (retriever, dispatcher, token refresh)",
    "application_server": "check applies to ECE application servers (token creation, alarm mail)",
    "static": "reads the deployment file only: no network, no secrets",
    "network": "probes a network path (DNS, TCP, TLS, capabilities) from this server",
    "oauth": "redeems a refresh token at Azure AD and reads the token",
    "mailbox": "opens an IMAP/POP3/SMTP session to a mailbox (read-only)",
    "graph": "reads the directory through Microsoft Graph (app registration, licences)",
}


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"{text}: must be more than 0 and at most 600 seconds")
    return value


def _address(text: str) -> str:
    # Imported here: argparse calls this only when --ece-send-test-mail is given.
    from pytest_ece_o365.config.deployment import is_address

    if not is_address(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an e-mail address")
    return text


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ece-o365", "ECE <-> Office 365 OAuth checklist")
    group.addoption("--ece-config", metavar="PATH", help=CONFIG_HELP)
    group.addoption("--ece-role", choices=("services", "application", "all"), help=ROLE_HELP)
    group.addoption("--ece-json", metavar="PATH", help="write the machine-readable results file here.")
    group.addoption("--ece-simulate", nargs="?", const="healthy", default=None, metavar="SCENARIO", help=SIMULATE_HELP)
    group.addoption(
        "--ece-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="bound for each network probe (default 10, or [network] timeout).",
    )
    group.addoption(
        "--ece-compare",
        metavar="PREVIOUS.json",
        help="a results file of an earlier run: the report and results say what is new, still failing, fixed "
        "and not checked again (by check, target and cause).",
    )
    group.addoption("--ece-strict", action="store_true", help="advisories count as failures (exit 1).")
    group.addoption(
        "--ece-send-test-mail",
        type=_address,
        metavar="ADDRESS",
        help="opt-in: each mailbox sends one test message to ADDRESS. Nothing is sent without it.",
    )
    group.addoption("--ece-keep-tokens", action="store_true", help=KEEP_TOKENS_HELP)
    parser.addini("ece_config", CONFIG_HELP)


# tryfirst: the outputs are checked before pytest-html's configure creates its report's folder (plugin order
# otherwise follows the order the venv lists its distributions in).
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for marker, text in _marker_lines():
        config.addinivalue_line("markers", f"{marker}: {text}")
    if config.option.help or config.option.version or config.option.markers:
        return  # --help, --version and --markers work whatever the deployment file holds
    if not asks_for_a_run(config):
        return  # an unrelated pytest run: load nothing more
    if distributes(config):
        raise pytest.UsageError(XDIST_REFUSAL)
    from pytest_ece_o365.plugin.session import start_run

    start_run(config)


#: contract §1: with pytest-xdist distributing, each worker would start its own survey (and simulator) and the
#: controller, which runs no check, would write the report; so the run refuses. ``-n 0`` runs in-process.
XDIST_REFUSAL = "the checklist runs in one process (it is already concurrent): drop -n (or use -n 0)"


def distributes(config: pytest.Config) -> bool:
    """Whether pytest-xdist sends the tests to workers (``-n N`` with N > 0, ``--dist`` with ``--tx``), or
    this process is such a worker; xdist's own test (``xdist.plugin._is_distribution_mode``)."""
    if hasattr(config, "workerinput"):
        return True
    dist = getattr(config.option, "dist", "no")
    return dist != "no" and bool(getattr(config.option, "tx", None)) and not config.option.collectonly


def asks_for_a_run(config: pytest.Config) -> bool:
    """Whether a deployment file (option, environment or ini) or ``--ece-simulate`` asks for the checklist."""
    return bool(
        config.getoption("ece_config")
        or config.getoption("ece_simulate") is not None
        or os.environ.get(ENV_VAR)
        or config.getini("ece_config")
    )


def _marker_lines() -> list[tuple[str, str]]:
    lines = [(marker, _MARKER_HELP[marker]) for marker in ROLE_MARKER_NAMES]
    lines += [(marker, f"check applies to ECE {marker[4:].replace('_', '.')}") for marker in VERSION_MARKER_NAMES]
    lines += [(kind, _MARKER_HELP[kind]) for kind in KIND_NAMES]
    return lines
