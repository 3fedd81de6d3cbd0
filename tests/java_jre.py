"""Test JREs: a folder laid out like ECE's Java runtime (release file + lib/security/cacerts), whose
cacerts is made by the real ``keytool`` (Debian's default-jre-headless, installed by .ci/run)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def keytool() -> str:
    """The keytool binary; a missing one skips the test on a developer's machine, but fails on CI."""
    found = shutil.which("keytool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("keytool is missing: .ci/run installs default-jre-headless")
        pytest.skip("keytool not installed (apt-get install default-jre-headless)")
    return found


def make_jre(
    home: Path,
    roots: dict[str, bytes],
    *,
    version: str = "17.0.7",
    storetype: str = "JKS",
    layout: tuple[str, ...] = ("lib", "security"),
    storepass: str = "changeit",
) -> Path:
    """``home`` with ``release`` (JAVA_VERSION) and ``<layout>/cacerts`` holding ``roots`` (alias -> PEM).

    keytool cannot make an empty store, so a store with no roots gets a throw-away self-made one.
    """
    tool = keytool()
    security = home.joinpath(*layout)
    security.mkdir(parents=True, exist_ok=True)
    (home / "release").write_text(f'IMPLEMENTOR="Test"\nJAVA_VERSION="{version}"\n', encoding="utf-8")
    store = security / "cacerts"
    entries = roots or {"unrelated": _unrelated_root(home)}
    for alias, pem in entries.items():
        pem_file = home / f"{alias}.pem"
        pem_file.write_bytes(pem)
        subprocess.run(
            [tool, "-importcert", "-noprompt", "-storetype", storetype, "-keystore", str(store),
             "-storepass", storepass, "-alias", alias, "-file", str(pem_file)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    return home


def _unrelated_root(home: Path) -> bytes:
    from pytest_ece_o365.sim.pki import CertificateAuthority

    return CertificateAuthority("inspection").root_pem
