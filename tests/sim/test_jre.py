"""The simulator's stand-in for ECE's Java runtime (sim.jre): a release file and a JKS cacerts that the real
keytool lists with its integrity checked, and that the product's reader reads."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from java_jre import keytool

from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.knowledge import ships_microsoft_2017_roots
from pytest_ece_o365.plugin.source import packaged_example
from pytest_ece_o365.probes.java_trust import read_java_trust, trusting_anchor
from pytest_ece_o365.sim.jre import SIMULATED_JAVA_VERSION, write_jre
from pytest_ece_o365.sim.pki import authority
from pytest_ece_o365.sim.runner import start_simulator
from pytest_ece_o365.sim.scenarios import build_tenant

CONFIG = load_config(packaged_example())


def test_the_stand_in_holds_the_simulator_root_and_keytool_verifies_the_store(tmp_path: Path) -> None:
    home = write_jre(tmp_path, build_tenant(CONFIG))
    listing = subprocess.run(
        [keytool(), "-list", "-keystore", str(home / "lib" / "security" / "cacerts"), "-storepass", "changeit"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "Keystore type: JKS" in listing.stdout and "1 entry" in listing.stdout
    assert "pytesteceo365simulatedroot" in listing.stdout and "trustedCertEntry" in listing.stdout
    store = read_java_trust(home)
    assert store.ok and store.store_type == "JKS" and store.notes == ()  # the digest matches "changeit"
    assert store.version == SIMULATED_JAVA_VERSION and ships_microsoft_2017_roots(store.version) is True
    root = authority("microsoft").root.public_bytes(Encoding.DER)
    assert trusting_anchor((root,), store.anchors) is not None
    assert "pytest-ece-o365 simulator" in (home / "release").read_text(encoding="utf-8")  # says whose it is


def test_java_trust_missing_writes_a_store_without_the_root(tmp_path: Path) -> None:
    store = read_java_trust(write_jre(tmp_path, build_tenant(CONFIG, "java-trust-missing")))
    assert store.ok and store.anchors == ()


def test_configure_points_a_run_without_java_home_at_the_stand_in_and_keeps_a_set_one(tmp_path: Path) -> None:
    with start_simulator(CONFIG) as simulator:
        run = simulator.configure(CONFIG)
        assert run.ece.java_home == simulator.java_home and simulator.java_home.parent == simulator.workdir
        assert run.network.simulation is not None and run.network.simulation.java_home == simulator.java_home
        own = simulator.configure(replace(CONFIG, ece=replace(CONFIG.ece, java_home=tmp_path)))
        assert own.ece.java_home == tmp_path and own.network.simulation is not None
        assert own.network.simulation.java_home is None
    assert not simulator.java_home.exists()  # removed with the simulator's private folder
