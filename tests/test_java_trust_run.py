"""network.java_trust end to end: pytest --ece-simulate against a deployment file whose ``[ece] java_home``
is a folder laid out like ECE's JRE, with a cacerts made by keytool — holding or lacking the root the
simulator's TLS chains to — and without java_home at all (the simulator's stand-in JRE, sim.jre)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from java_jre import make_jre

import pytest_ece_o365.probes.java_trust  # noqa: F401  (cryptography loaded before pytester snapshots modules)
from pytest_ece_o365.config.loader import ConfigError, load_config
from pytest_ece_o365.plugin.source import packaged_example
from pytest_ece_o365.sim.pki import authority


def _config(pytester: pytest.Pytester, java_home: str | None) -> Path:
    text = packaged_example().read_text(encoding="utf-8")
    if java_home is not None:
        text = text.replace("[ece]\n", f"[ece]\njava_home = '{java_home}'\n", 1)
    path = pytester.path / "prod.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _java_rows(pytester: pytest.Pytester, scenario: str = "healthy") -> list[dict[str, Any]]:
    result = pytester.runpytest(
        "--ece-config", "prod.toml", f"--ece-simulate={scenario}", "--ece-timeout", "3", "-m", "network",
        "--ece-json", "r.json",
    )  # fmt: skip
    assert result.ret in (0, 1), result.stdout.str()[-2000:]
    rows: list[dict[str, Any]] = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))["results"]
    java = [row for row in rows if row["check"] == "network.java_trust"]
    assert java, "network.java_trust runs for every TLS endpoint"
    return java


@pytest.mark.parametrize("storetype", ["JKS", "PKCS12"])
def test_a_jre_holding_the_simulator_root_passes_every_endpoint(pytester: pytest.Pytester, storetype: str) -> None:
    make_jre(pytester.path / "jre", {"simroot": authority("microsoft").root_pem}, storetype=storetype)
    _config(pytester, "jre")  # relative to the deployment file
    rows = _java_rows(pytester)
    assert {row["status"] for row in rows} == {"passed"}, rows
    assert len({row["target"] for row in rows}) >= 4  # login (HTTPS), IMAP, POP3 and SMTP alike


@pytest.mark.parametrize("storetype", ["JKS", "PKCS12"])
def test_a_jre_lacking_the_root_fails_naming_root_version_and_keytool(
    pytester: pytest.Pytester, storetype: str
) -> None:
    """A failure, not a crash, whichever store type keytool made (Java 8's cacerts is JKS, 9+'s PKCS12)."""
    make_jre(pytester.path / "jre", {}, version="11.0.19", storetype=storetype)
    _config(pytester, str(pytester.path / "jre"))
    rows = _java_rows(pytester)
    assert {row["status"] for row in rows} == {"failed"}
    for row in rows:
        assert row["cause"] == "java-root-missing" and row["owner"] == "ece-admin"
        assert "pytest-ece-o365 simulated Office 365 root CA" in row["detail"] and "Java 11.0.19" in row["detail"]
        assert "-importcert" in row["remediation"] and "-cacerts" in row["remediation"]
        assert any(f"cacerts ({storetype})" in line for line in row["evidence"]), row["evidence"]  # read, not guessed


def test_without_java_home_the_check_is_skipped_naming_the_key() -> None:
    from pytest_ece_o365.checks.base import CheckContext, RunOptions, Target
    from pytest_ece_o365.checks.network import java_trust

    verdict = java_trust(CheckContext(load_config(packaged_example()), ("services",), RunOptions(3)), Target("h:993"))
    assert verdict.status == "skipped" and "`[ece] java_home`" in verdict.detail


def test_a_simulated_run_without_java_home_judges_the_simulator_s_stand_in_jre(pytester: pytest.Pytester) -> None:
    _config(pytester, None)
    rows = _java_rows(pytester)
    assert {row["status"] for row in rows} == {"passed"}, rows
    for row in rows:
        assert row["detail"].startswith("The simulator's stand-in for ECE's Java 17.0.13 trusts pytest-ece-o365 ")
        assert "the simulator's stand-in for ECE's Java runtime (not a real ECE JRE)" in row["evidence"][0]
        assert "(JKS) holds 1 trusted certificates" in row["evidence"][1]


def test_scenario_java_trust_missing_fails_with_cause_keytool_fix_and_doc(pytester: pytest.Pytester) -> None:
    _config(pytester, None)
    rows = _java_rows(pytester, "java-trust-missing")
    assert {row["status"] for row in rows} == {"failed"}, rows
    for row in rows:
        assert row["cause"] == "java-root-missing" and row["owner"] == "ece-admin"
        assert "'pytest-ece-o365 simulated Office 365 root CA'" in row["detail"] and "Java 17.0.13" in row["detail"]
        assert 'keytool" -importcert -trustcacerts -cacerts' in row["remediation"]
        assert row["doc"].startswith("https://docs.oracle.com/") and "keytool" in row["doc"]
        assert "not a real ECE JRE" in row["evidence"][0] and "(JKS) holds 0 trusted" in row["evidence"][1]


def test_a_set_java_home_is_kept_in_a_simulated_run(pytester: pytest.Pytester) -> None:
    make_jre(pytester.path / "jre", {"simroot": authority("microsoft").root_pem}, version="11.0.22")
    _config(pytester, "jre")
    rows = _java_rows(pytester, "java-trust-missing")  # the scenario's stand-in is not used: the file's JRE is
    assert {row["status"] for row in rows} == {"passed"}, rows
    assert all(row["detail"].startswith("ECE's Java 11.0.22 trusts") for row in rows)
    assert all(str(pytester.path / "jre") in row["evidence"][0] for row in rows)


def test_when_tls_fails_the_result_is_blocked_by_network_tls(pytester: pytest.Pytester) -> None:
    make_jre(pytester.path / "jre", {"simroot": authority("microsoft").root_pem})
    _config(pytester, "jre")
    rows = _java_rows(pytester, "server-hangs")  # IMAP accepts, never greets: network.tls's finding
    blocked = [row for row in rows if row["status"] != "passed"]
    assert blocked and {row["status"] for row in blocked} == {"skipped"}, rows
    assert {row["blocked_by"]["check"] for row in blocked} == {"network.tls"}
    assert len(blocked) < len(rows)  # the other endpoints are judged as usual


def test_java_home_is_relative_to_the_file_never_checked_at_load_and_typed(tmp_path: Path) -> None:
    text = packaged_example().read_text(encoding="utf-8")
    path = tmp_path / "prod.toml"
    path.write_text(text.replace("[ece]\n", "[ece]\njava_home = 'C:\\Cisco\\ECE\\jdk'\n", 1), encoding="utf-8")
    assert str(load_config(path).ece.java_home) == "C:\\Cisco\\ECE\\jdk"  # a Windows path loads anywhere
    path.write_text(text.replace("[ece]\n", "[ece]\njava_home = 'jre'\n", 1), encoding="utf-8")
    assert load_config(path).ece.java_home == (tmp_path / "jre").resolve()
    path.write_text(text.replace("[ece]\n", "[ece]\njava_home = 17\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ece\.java_home"):
        load_config(path)
