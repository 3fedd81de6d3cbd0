"""ECE's Java trust store read from real keytool-made keystores (JKS and PKCS12), and judged against the
chain the simulator's TLS presents (its own CA: root -> issuing CA -> leaf)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from java_jre import make_jre

from pytest_ece_o365.checks.network_java import judge_java_trust
from pytest_ece_o365.knowledge import keytool_import, ships_microsoft_2017_roots
from pytest_ece_o365.probes.java_trust import (
    MAX_STORE_BYTES,
    KeystoreError,
    read_java_trust,
    read_jks,
    read_keystore,
    trusting_anchor,
)
from pytest_ece_o365.probes.observation import CertificateInfo, TlsObservation
from pytest_ece_o365.sim.pki import CertificateAuthority, authority


def _der_chain(ca: CertificateAuthority) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
    """(presented, verified) as the TLS probe records them for a server certificate of ``ca``."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = ca.server_certificate(["outlook.office365.com"]).chain_pem
    presented = tuple(c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(pem))
    return presented, (*presented, ca.root.public_bytes(Encoding.DER))


SIM = authority("microsoft")
FACTS = {"endpoint": "outlook.office365.com:993", "host": "outlook.office365.com", "scope": "*.office365.com"}


def _tls(ca: CertificateAuthority = SIM) -> TlsObservation:
    presented, verified = _der_chain(ca)
    issuer = ca.issuing.subject.rfc4514_string()
    organization = ca.issuer_organization
    # As a simulated run's TLS probe records it: the simulator's own CA is recognised by its fingerprint.
    certificate = CertificateInfo(
        "outlook.office365.com", organization, issuer, names=("outlook.office365.com",),
        simulated_ca=ca.flavour == "microsoft",
    )  # fmt: skip
    return TlsObservation(
        "implicit", True, "TLSv1.3", certificate=certificate, presented=presented, verified_chain=verified
    )


@pytest.mark.parametrize("storetype", ["JKS", "PKCS12"])
def test_a_keytool_store_holding_the_simulator_root_trusts_its_chain(tmp_path: Path, storetype: str) -> None:
    home = make_jre(tmp_path / "jre", {"simroot": SIM.root_pem}, storetype=storetype)
    store = read_java_trust(home)
    assert (store.ok, store.store_type, store.version) == (True, storetype, "17.0.7")
    assert [anchor.alias for anchor in store.anchors] == ["simroot"]
    presented, _ = _der_chain(SIM)
    anchor = trusting_anchor(presented, store.anchors)  # the root is not presented: found by its signature
    assert anchor is not None and anchor.alias == "simroot"
    verdict = judge_java_trust(_tls(), store, FACTS)
    assert verdict.status == "passed" and "simroot" in verdict.detail
    assert "pytest-ece-o365 simulated Office 365 root CA" in verdict.detail


@pytest.mark.parametrize("storetype", ["JKS", "PKCS12"])
def test_a_store_lacking_the_root_fails_naming_root_java_version_and_keytool_line(
    tmp_path: Path, storetype: str
) -> None:
    home = make_jre(tmp_path / "jre", {}, storetype=storetype)  # holds an unrelated root only
    store = read_java_trust(home)
    assert store.ok and len(store.anchors) == 1
    verdict = judge_java_trust(_tls(), store, FACTS)
    assert verdict.status == "failed" and verdict.owner == "ece-admin" and verdict.cause == "java-root-missing"
    assert "pytest-ece-o365 simulated Office 365 root CA" in verdict.detail and "Java 17.0.7" in verdict.detail
    assert "-importcert" in verdict.remediation and "-cacerts" in verdict.remediation
    assert "-alias pytesteceo365simulatedoffice365rootca" in verdict.remediation


def test_a_look_alike_root_with_the_same_name_but_another_key_is_not_trusted(tmp_path: Path) -> None:
    impostor = CertificateAuthority("microsoft")  # same subject names, different keys
    store = read_java_trust(make_jre(tmp_path / "jre", {"lookalike": impostor.root_pem}))
    presented, _ = _der_chain(SIM)
    assert trusting_anchor(presented, store.anchors) is None
    assert judge_java_trust(_tls(), store, FACTS).status == "failed"


def test_inspection_root_missing_from_ece_java_is_the_same_finding_naming_the_proxy(tmp_path: Path) -> None:
    store = read_java_trust(make_jre(tmp_path / "jre", {"simroot": SIM.root_pem}))
    verdict = judge_java_trust(_tls(authority("inspection")), store, FACTS)
    assert verdict.status == "failed" and verdict.cause == "java-inspection-root-missing"
    assert "Contoso TLS Inspection CA" in verdict.detail and "Exempt *.office365.com" in verdict.remediation


def test_java_8_layout_under_jre_is_found_and_its_keytool_line_names_the_file(tmp_path: Path) -> None:
    home = make_jre(tmp_path / "jdk8", {}, version="1.8.0_202", layout=("jre", "lib", "security"))
    store = read_java_trust(home)
    assert store.ok and store.store.endswith(str(Path("jre", "lib", "security", "cacerts")))
    verdict = judge_java_trust(_tls(), store, FACTS)
    assert f'-keystore "{store.store}"' in verdict.remediation and "-cacerts " not in verdict.remediation
    assert "Java 1.8.0_202" in verdict.detail


def test_jks_integrity_digest_is_checked_with_changeit(tmp_path: Path) -> None:
    home = make_jre(tmp_path / "jre", {"simroot": SIM.root_pem}, storepass="notchangeit")
    data = (home / "lib" / "security" / "cacerts").read_bytes()
    _, anchors, notes = read_jks(data)
    assert [a.alias for a in anchors] == ["simroot"]  # trusted certificates are readable without the password
    assert notes and "integrity not verified" in notes[0]
    assert read_jks(data, "notchangeit")[2] == ()


def test_no_store_and_unreadable_stores_are_named(tmp_path: Path) -> None:
    empty = read_java_trust(tmp_path)
    assert empty.error == "no-cacerts" and "jre" in empty.message
    verdict = judge_java_trust(_tls(), empty, FACTS)
    assert verdict.cause == "java-no-cacerts" and "`[ece] java_home`" in verdict.detail
    security = tmp_path / "lib" / "security"
    security.mkdir(parents=True)
    (security / "cacerts").write_bytes(b"\xfe\xed\xfe\xed\x00\x00\x00\x02\x00\x00\x00\x05")  # truncated JKS
    assert read_java_trust(tmp_path).error == "store-unreadable"
    with (security / "cacerts").open("wb") as handle:  # bounded read: never loads a huge file
        handle.truncate(MAX_STORE_BYTES + 1)
    assert "not a Java trust store" in read_java_trust(tmp_path).message
    with pytest.raises(KeystoreError):
        read_keystore(b"-----BEGIN CERTIFICATE-----")


def test_keytool_syntax_per_java_version_and_the_2017_roots_fact() -> None:
    java8 = keytool_import(
        "C:\\Cisco\\ECE\\jdk", "1.8.0_202", "C:\\Cisco\\ECE\\jdk\\jre\\lib\\security\\cacerts", "r", "r.pem"
    )
    assert java8.startswith('"C:\\Cisco\\ECE\\jdk\\bin\\keytool" -importcert')
    assert '-keystore "C:\\Cisco\\ECE\\jdk\\jre\\lib\\security\\cacerts"' in java8
    assert "-cacerts" in keytool_import("/opt/jdk", "11.0.20", "/opt/jdk/lib/security/cacerts", "r", "r.pem")
    assert [ships_microsoft_2017_roots(v) for v in ("1.8.0_372", "1.8.0_381", "11.0.19", "11.0.20", "17.0.8")] == [
        False, True, False, True, True,
    ]  # fmt: skip


def test_a_password_less_pkcs12_store_as_java_18_ships_it_is_read(tmp_path: Path) -> None:
    from java_jre import keytool

    (tmp_path / "root.pem").write_bytes(SIM.root_pem)
    store = tmp_path / "cacerts"
    subprocess.run(
        [keytool(), "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE", "-J-Dkeystore.pkcs12.macAlgorithm=NONE",
         "-importcert", "-noprompt", "-storetype", "PKCS12", "-keystore", str(store), "-storepass", "changeit",
         "-alias", "simroot", "-file", str(tmp_path / "root.pem")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    store_type, anchors, _ = read_keystore(store.read_bytes(), "not-the-password")
    assert (store_type, [a.alias for a in anchors]) == ("PKCS12", ["simroot"])


def _microsoft_2017_chain() -> tuple[bytes, bytes]:
    """(leaf, root) DER: a leaf issued directly by a SIMULATED "Microsoft RSA Root Certificate Authority 2017"."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Microsoft Corporation"),
                          x509.NameAttribute(NameOID.COMMON_NAME, cn)])  # fmt: skip

    key, now = ec.generate_private_key(ec.SECP256R1()), dt.datetime.now(dt.timezone.utc)
    root_name = name("Microsoft RSA Root Certificate Authority 2017")

    def cert(subject: x509.Name) -> bytes:
        builder = x509.CertificateBuilder().subject_name(subject).issuer_name(root_name).public_key(key.public_key())
        builder = builder.serial_number(x509.random_serial_number()).not_valid_before(now)
        return builder.not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()).public_bytes(Encoding.DER)

    return cert(name("outlook.com")), cert(root_name)


def test_a_missing_microsoft_2017_root_is_worded_with_the_java_versions_that_ship_it(tmp_path: Path) -> None:
    leaf, root = _microsoft_2017_chain()
    certificate = CertificateInfo(
        "outlook.com", "Microsoft Corporation", "Microsoft RSA Root Certificate Authority 2017"
    )
    tls = TlsObservation("implicit", True, certificate=certificate, presented=(leaf,), verified_chain=(leaf, root))
    store = read_java_trust(make_jre(tmp_path / "jre", {}, version="1.8.0_202"))
    verdict = judge_java_trust(tls, store, FACTS)
    assert verdict.cause == "java-microsoft-root-missing"
    assert (
        "8u381 / 11.0.20 / 17.0.8" in verdict.detail
        and "Microsoft RSA Root Certificate Authority 2017" in verdict.detail
    )
