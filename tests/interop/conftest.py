"""The session-scoped Dovecot fixture for the interop tests (the lab itself: dovecotlab.py)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from interop.dovecotlab import HOST, SKIP_REASON, Dovecot, free_port, wait_for_ports, write_lab
from pytest_ece_o365.config.deployment import Endpoint, Network


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the whole session (started on first use, stopped at the end)."""
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if sys.platform == "win32" or binary is None:
        pytest.skip(SKIP_REASON)
    if os.geteuid() != 0:
        pytest.skip("Dovecot's privilege separation needs root to run a standalone instance")
    lab = Path(tempfile.mkdtemp(prefix="ece-dovecot-"))
    ports = {name: free_port() for name in ("imap", "pop3", "smtp", "relay")}
    hmac_key = secrets.token_bytes(32)
    write_lab(lab, ports, hmac_key)
    server = Dovecot(
        Endpoint(HOST, ports["imap"]),
        Endpoint(HOST, ports["pop3"]),
        Endpoint(HOST, ports["smtp"]),
        Network(timeout=5, ca_bundle=lab / "certs/ca.pem"),
        hmac_key,
        lab / "log/dovecot.log",
    )
    relay = Controller(server.relay, hostname="127.0.0.1", port=ports["relay"])
    relay.start()
    process = subprocess.Popen(
        [binary, "-c", str(lab / "dovecot.conf"), "-F"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_ports(process, [ports["imap"], ports["pop3"], ports["smtp"]], server.log)
        yield server
    finally:
        process.terminate()  # SIGTERM to the -F master ends all its children
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        relay.stop()
        shutil.rmtree(lab, ignore_errors=True)
