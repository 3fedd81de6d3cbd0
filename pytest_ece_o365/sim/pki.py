"""A throw-away PKI for the simulator: certificates that look like Microsoft's, or like a TLS-inspection box.

Nothing here is trusted by any system store: the CA certificates exist only in this process and in the
private temporary directory the runner writes them to. The names imitate the real issuers so that the
product's issuer classification (Microsoft's public CAs vs. TLS inspection) sees what it would see in the
field — they are SIMULATED and signed by keys generated here.
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

__all__ = ["CHAINS", "CertificateAuthority", "ServerCertificate", "authority"]

#: Chain flavours: Microsoft's public issuer (healthy), and a corporate TLS-inspection proxy.
CHAINS = ("microsoft", "inspection")


def _name(organization: str, common_name: str, country: str = "US") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


# SIMULATED look-alikes of the real chains (outlook.office365.com chains to DigiCert Global Root G2 via
# "Microsoft Azure RSA TLS Issuing CA 03"). Same names, different keys: never trusted outside a test run.
_SUBJECTS: dict[str, tuple[x509.Name, x509.Name]] = {
    "microsoft": (
        _name("DigiCert Inc", "DigiCert Global Root G2"),
        _name("Microsoft Corporation", "Microsoft Azure RSA TLS Issuing CA 03"),
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
                x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Washington"),
                x509.NameAttribute(NameOID.LOCALITY_NAME, "Redmond"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Microsoft Corporation"),
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
