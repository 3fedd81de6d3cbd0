"""A real Dovecot as an independent XOAUTH2 peer (IMAPS, POP3S, SMTP submission with STARTTLS): its lab.

The simulator is this project's own code; Dovecot is not, so the mail probes are checked against a widely
deployed server too. Dovecot validates JWTs we mint (HS256, ``introspection_mode = local``). Recipe and
pitfalls: /work/shared/reference/dovecot-interop.md. The instance is standalone (``/etc/dovecot`` is not
read), on loopback, free-picked ports, and stopped (SIGTERM, then the PID is waited for) at the end.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
import trustme

from pytest_ece_o365.config.deployment import Endpoint, Network
from pytest_ece_o365.probes.observation import DnsObservation
from pytest_ece_o365.secret import Secret

HOST = "mail.lab.test"
ISSUER = "https://login.lab.test/tenant-id/v2.0"
SKIP_REASON = "needs Dovecot (.ci/run installs dovecot-core, -imapd, -pop3d, -submissiond)"


class RelaySink:
    """aiosmtpd handler standing in for Dovecot's submission relay: keeps what it was given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 2.0.0 OK (relay sink)"


@dataclass
class Dovecot:
    """A running Dovecot: its endpoints under ``HOST`` (the certificate's name), trust and token minting."""

    imap: Endpoint
    pop3: Endpoint
    smtp: Endpoint
    network: Network
    hmac_key: bytes
    log: Path
    relay: RelaySink = field(default_factory=RelaySink)

    @property
    def dns(self) -> DnsObservation:
        """What the survey's lookup of ``HOST`` would give: loopback."""
        return DnsObservation(HOST, "interop test", ("127.0.0.1",), message=f"{HOST} -> 127.0.0.1")

    def token(self, user: str, *, lifetime: int = 3600, key: bytes | None = None) -> Secret:
        """An access token for ``user`` that Dovecot accepts (or, with another ``key``, refuses)."""
        now = int(time.time())
        claims = {
            "iss": ISSUER, "sub": user, "email": user, "aud": "https://outlook.office.com",
            "scp": "IMAP.AccessAsUser.All POP.AccessAsUser.All SMTP.Send",
            "iat": now, "nbf": now, "exp": now + lifetime,
        }  # fmt: skip
        return Secret(jwt.encode(claims, key or self.hmac_key, algorithm="HS256"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config(lab: Path, ports: dict[str, int]) -> str:
    return f"""\
protocols = imap pop3 submission
listen = 127.0.0.1
base_dir = {lab}/run
state_dir = {lab}/run/state
instance_name = ece-interop-{os.getpid()}
log_path = {lab}/log/dovecot.log
info_log_path = {lab}/log/dovecot.log
auth_verbose = yes
login_greeting = Dovecot lab ready.
ssl = required
ssl_cert = <{lab}/certs/server.pem
ssl_key = <{lab}/certs/server.key
ssl_min_protocol = TLSv1.2
auth_mechanisms = xoauth2 oauthbearer
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {lab}/dovecot-oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={lab}/mail/%Lu
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {ports["imap"]}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = {ports["pop3"]}
    ssl = yes
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = {ports["smtp"]}
  }}
}}
hostname = {HOST}
submission_relay_host = 127.0.0.1
submission_relay_port = {ports["relay"]}
# Refusals are tested: without these, each one waits 2 s and later logins are penalised more.
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def write_lab(lab: Path, ports: dict[str, int], hmac_key: bytes) -> None:
    # The auth process runs as the "dovecot" user: the lab must be traversable and the keys readable.
    lab.chmod(0o755)
    for sub in ("log", "certs", "keys/default/HS256", "mail"):
        (lab / sub).mkdir(parents=True, exist_ok=True)
    shutil.rmtree(lab / "run", ignore_errors=True)  # stale sockets break a restart (pitfall 2)
    ca = trustme.CA()
    cert = ca.issue_cert(HOST, "localhost", "127.0.0.1")
    cert.private_key_pem.write_to_path(str(lab / "certs/server.key"))
    cert.cert_chain_pems[0].write_to_path(str(lab / "certs/server.pem"))
    ca.cert_pem.write_to_path(str(lab / "certs/ca.pem"))
    (lab / "keys/default/HS256/default").write_text(base64.b64encode(hmac_key).decode() + "\n", encoding="ascii")
    for path in (lab / "keys").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (lab / "keys").chmod(0o755)
    shutil.chown(lab / "mail", "nobody", "nogroup")
    (lab / "dovecot-oauth2.conf.ext").write_text(
        f"introspection_mode = local\nlocal_validation_key_dict = fs:posix:prefix={lab}/keys/\n"
        f"username_attribute = email\nissuers = {ISSUER}\n",
        encoding="utf-8",
    )
    (lab / "dovecot.conf").write_text(_config(lab, ports), encoding="utf-8")


def wait_for_ports(process: subprocess.Popen[bytes], ports: list[int], log: Path) -> None:
    # Dovecot's readiness is its listening ports; 30 s is for a loaded machine, only a failure reaches it.
    deadline = time.monotonic() + 30
    waiting = list(ports)
    while waiting and time.monotonic() < deadline:
        if process.poll() is not None:
            text = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"dovecot exited with {process.returncode} while starting:\n{text[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", waiting[0]), timeout=0.2):
            waiting.pop(0)
            continue
        time.sleep(0.05)
    if waiting:
        pytest.fail(f"dovecot did not listen on {waiting} within 30 s")
