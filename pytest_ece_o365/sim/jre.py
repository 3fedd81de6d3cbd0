"""The simulator's stand-in for ECE's bundled Java runtime: a folder with a ``release`` file and a real
``lib/security/cacerts`` keystore, written in the simulator's private work folder.

A ``--ece-simulate`` run whose deployment sets no ``[ece] java_home`` is pointed at this folder, so that
``network.java_trust`` judges the simulated tenant's chains against a Java trust store as it would on an
ECE server. The folder is named as the simulator's (``release`` says so, and the run's evidence names it
the simulator's stand-in): no report can pass it off as a real ECE JRE. A deployment that sets
``java_home`` keeps it.

The store is JKS, the format of the cacerts that Java 8-17 ship (Java 18+ ship PKCS12; JDK-8275252,
https://bugs.openjdk.org/browse/JDK-8275252, checked 2026-12-05), written as the product's reader
(:mod:`pytest_ece_o365.probes.java_trust`) and keytool read it: ``0xFEEDFEED``, version 2, the entry count,
trusted-certificate entries (tag 2, alias, creation time in ms, "X.509", length, DER), then the SHA-1
digest keyed with the store password ("changeit", the default every JDK ships).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from pytest_ece_o365.knowledge.java import DEFAULT_STOREPASS
from pytest_ece_o365.sim import pki
from pytest_ece_o365.sim.tenant import Tenant

__all__ = ["SIMULATED_JAVA_VERSION", "jks_bytes", "write_jre"]

#: A current Java 17 update (17.0.13, October 2024 CPU: https://openjdk.org/projects/jdk-updates/, checked
#: 2026-12-05): at or after 17.0.8, so knowledge.java counts it among the Javas shipping Microsoft's 2017 roots.
SIMULATED_JAVA_VERSION = "17.0.13"
_FOLDER = "simulated-ece-java-runtime"
_JKS_MAGIC = 0xFEEDFEED
_ALIAS = "pytesteceo365simulatedroot"  # keytool-style: the root's common name, lower case, alphanumerics only


def _utf(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def jks_bytes(roots: Mapping[str, bytes], password: str = DEFAULT_STOREPASS) -> bytes:
    """A JKS keystore (version 2) whose trusted-certificate entries are ``roots`` (alias -> DER)."""
    millis = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
    body = struct.pack(">III", _JKS_MAGIC, 2, len(roots))
    for alias, der in roots.items():
        body += struct.pack(">I", 2) + _utf(alias) + struct.pack(">q", millis) + _utf("X.509")
        body += struct.pack(">I", len(der)) + der
    # The JKS format's own keyed digest (SHA-1 by its definition, not a choice).
    return body + hashlib.sha1(password.encode("utf-16-be") + b"Mighty Aphrodite" + body).digest()


def write_jre(workdir: Path, tenant: Tenant) -> Path:
    """``workdir/simulated-ece-java-runtime`` with ``release`` and ``lib/security/cacerts`` (JKS); returns
    the folder, the run's ``[ece] java_home``. Its store holds the simulator's stand-in for Microsoft's root
    (the root a real ECE Java holds), unless the scenario removed it (``java-trust-missing``); never the
    TLS-inspection CA, which a real JRE does not ship either."""
    root = pki.authority("microsoft").root
    roots = {_ALIAS: root.public_bytes(Encoding.DER)} if tenant.java_trusts_root else {}
    scenario = tenant.scenario
    home = workdir / _FOLDER
    security = home / "lib" / "security"
    security.mkdir(parents=True, exist_ok=True)
    (home / "release").write_text(
        f'IMPLEMENTOR="pytest-ece-o365 simulator (scenario {scenario}): not a Java runtime, no ECE"\n'
        f'JAVA_VERSION="{SIMULATED_JAVA_VERSION}"\n',
        encoding="utf-8",
    )
    (security / "cacerts").write_bytes(jks_bytes(roots))
    return home
