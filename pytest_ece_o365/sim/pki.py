"""A throw-away PKI for the simulator: its own Office 365 CA, or a TLS-inspection box's.

Nothing here is trusted by any system store: the CA certificates exist only in this process and in the
private temporary directory the runner writes them to. The simulator's Office 365 CA is named as the
simulator's, never as Microsoft's or DigiCert's, so that no report of a simulated run can pass for a real
one; a ``--ece-simulate`` run is handed its fingerprints (:meth:`CertificateAuthority.fingerprints`) and
accepts that CA — by fingerprint, not by name — as the stand-in for Microsoft's issuers. The inspection
flavour is judged by its name, as a real inspection box would be.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pytest_ece_o365.config.deployment import is_ip_literal

__all__ = ["CHAINS", "SIMULATOR_ORGANIZATION", "CertificateAuthority", "ServerCertificate", "authority"]

#: Chain flavours: the simulator's stand-in for Microsoft's issuers (healthy), and a TLS-inspection proxy.
CHAINS = ("microsoft", "inspection")


def _name(organization: str, common_name: str, country: str = "US") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


#: Who the simulator's certificates say they belong to (the organization of its CAs and server certificates).
SIMULATOR_ORGANIZATION = "pytest-ece-o365 simulator"

# Root and issuing CA of each flavour. The real chains (outlook.office365.com: "Microsoft Azure RSA TLS
# Issuing CA 03" under "DigiCert Global Root G2") are not imitated: the simulator's CA says what it is.
_SUBJECTS: dict[str, tuple[x509.Name, x509.Name]] = {
    "microsoft": (
        _name(SIMULATOR_ORGANIZATION, "pytest-ece-o365 simulated Office 365 root CA"),
        _name(SIMULATOR_ORGANIZATION, "pytest-ece-o365 simulated Office 365 CA"),
    ),
    "inspection": (
        _name("Contoso Corp", "Contoso TLS Inspection CA"),
        _name("Contoso Corp", "Contoso TLS Inspection Issuing CA"),
    ),
}


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class ServerCertificate:
    """A leaf certificate with its chain (leaf + intermediate) and key, as PEM."""

    chain_pem: bytes
    key_pem: bytes

    def write(self, directory: Path, stem: str) -> tuple[Path, Path]:
        """Write ``stem.pem`` (chain) and ``stem.key`` into ``directory`` (owner-only), return the paths."""
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
        for path, data in ((cert_path, self.chain_pem), (key_path, self.key_pem)):
            path.write_bytes(data)
            path.chmod(0o600)
        return cert_path, key_path

    def server_context(self, directory: Path, stem: str = "server") -> ssl.SSLContext:
        """A TLS ≥ 1.2 server context presenting this certificate (files are written to ``directory``)."""
        cert_path, key_path = self.write(directory, stem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_path, key_path)
        return context


class CertificateAuthority:
    """A root and an intermediate CA; issues server certificates for sets of host names."""

    def __init__(self, flavour: str) -> None:
        if flavour not in _SUBJECTS:
            raise ValueError(f"unknown chain {flavour!r}; one of {', '.join(CHAINS)}")
        self.flavour = flavour
        root_name, issuing_name = _SUBJECTS[flavour]
        now = dt.datetime.now(dt.timezone.utc)
        self._root_key = _key()
        self.root = self._ca_cert(root_name, root_name, self._root_key, self._root_key, now, path_length=1)
        self._issuing_key = _key()
        self.issuing = self._ca_cert(issuing_name, root_name, self._issuing_key, self._root_key, now, path_length=0)
        self._leaves: dict[frozenset[str], ServerCertificate] = {}
        self._lock = threading.Lock()

    @property
    def root_pem(self) -> bytes:
        """The root certificate: what a CA bundle must hold to trust this chain."""
        return _pem(self.root)

    def fingerprints(self) -> frozenset[str]:
        """SHA-256 of the root and issuing CA certificates (lower-case hex): how a run recognises this CA."""
        return frozenset(cert.fingerprint(hashes.SHA256()).hex() for cert in (self.root, self.issuing))

    @property
    def issuer_organization(self) -> str:
        """The organization of the certificate that signs server certificates."""
        attrs = self.issuing.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        return str(attrs[0].value)

    def server_certificate(self, hosts: Iterable[str]) -> ServerCertificate:
        """A certificate valid for every host name (and IP literal) in ``hosts``; cached per host set."""
        names = frozenset(h.lower() for h in hosts)
        with self._lock:
            if names not in self._leaves:
                self._leaves[names] = self._issue(sorted(names))
            return self._leaves[names]

    def _issue(self, hosts: list[str]) -> ServerCertificate:
        alt_names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                alt_names.append(x509.DNSName(host))
        dns_names = [h for h in hosts if not is_ip_literal(h)]
        common_name = dns_names[0] if dns_names else hosts[0]
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, SIMULATOR_ORGANIZATION),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        key = _key()
        now = dt.datetime.now(dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.issuing.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._issuing_key.public_key()),
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(self._issuing_key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return ServerCertificate(_pem(cert) + _pem(self.issuing), key_pem)

    @staticmethod
    def _ca_cert(
        subject: x509.Name,
        issuer: x509.Name,
        key: rsa.RSAPrivateKey,
        signing_key: rsa.RSAPrivateKey,
        now: dt.datetime,
        path_length: int,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=365))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        if signing_key is not key:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False
            )
        return builder.sign(signing_key, hashes.SHA256())


_authorities: dict[str, CertificateAuthority] = {}
_authorities_lock = threading.Lock()


def authority(flavour: str = "microsoft") -> CertificateAuthority:
    """The process-wide CA of that flavour, created on first use (RSA key generation is the slow part)."""
    with _authorities_lock:
        if flavour not in _authorities:
            _authorities[flavour] = CertificateAuthority(flavour)
        return _authorities[flavour]
