"""What a peer's certificate says: subject, issuer, expiry and names (``cryptography``, imported only when
a certificate is read), and how to name the rest of its names in evidence."""

from __future__ import annotations

import functools

from pytest_ece_o365.probes.observation import CertificateInfo

__all__ = ["also_named", "certificate_info"]


def also_named(certificate: CertificateInfo, host: str) -> str:
    """What else the certificate is named for, when that is more than the host it was verified for: its
    subject CN and subjectAltNames (Office 365's certificates carry many names; CN=outlook.com is usual)."""
    parts = []
    if certificate.subject_cn and certificate.subject_cn.lower() != host.lower():
        parts.append(f"subject CN {certificate.subject_cn}")
    if certificate.names and tuple(n.lower() for n in certificate.names) != (host.lower(),):
        parts.append(f"{len(certificate.names)} names: {certificate.names_text()}")
    return f" ({'; '.join(parts)})" if parts else ""


def certificate_info(der: bytes | None) -> CertificateInfo:
    """Subject, issuer, expiry and names of a DER certificate (cryptography, imported only when needed)."""
    if not der:
        return CertificateInfo()
    return _parsed(der)


# Every session of a run meets the same few certificates: 400 mail sessions parsed the same one 400 times,
# 6 % of a 200-mailbox run's CPU in a profile (issue 13; most of it reading the subject alternative names).
@functools.lru_cache(maxsize=32)
def _parsed(der: bytes) -> CertificateInfo:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return CertificateInfo()

    def first(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
        values = name.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
        names += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass
    return CertificateInfo(
        subject_cn=first(cert.subject, NameOID.COMMON_NAME),
        issuer_o=first(cert.issuer, NameOID.ORGANIZATION_NAME),
        issuer_cn=first(cert.issuer, NameOID.COMMON_NAME),
        not_after=cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M:%SZ"),
        names=tuple(names),
    )
