"""ECE's own Java trust store: the ``cacerts`` of the JRE under ``[ece] java_home``, and its Java version.

ECE connects to Office 365 with its bundled Java, whose trust anchors are that JRE's ``cacerts`` — not
Windows' store, not this tool's Python one. This module reads the file (JKS, as Java 8-17 ship it, or
PKCS12, as Java 18+ and keytool's ``-storetype PKCS12`` write it) and ``<java_home>/release``; it opens no
connection. Reads are bounded: a real cacerts is a few hundred kilobytes.

JKS is parsed here (pyjks, the usual Python reader, has had no release since 2020): ``0xFEEDFEED``,
version 1 or 2, an entry count, then entries — tag 1 private key (skipped), tag 2 trusted certificate
(alias, timestamp, [v2: type], length, DER) — and a SHA-1 digest keyed with the store password. PKCS12 is
read with ``cryptography``.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_ece_o365.knowledge.java import DEFAULT_STOREPASS
from pytest_ece_o365.probes.observation import Outcome

if TYPE_CHECKING:
    from pytest_ece_o365.survey.needs import SurveyEnv

#: Where a JRE keeps cacerts: Java 9+ (and a Java 8 JRE) under lib/security, a Java 8 JDK under jre/.
STORE_PATHS = (("lib", "security", "cacerts"), ("jre", "lib", "security", "cacerts"))
MAX_STORE_BYTES = 8 * 1024 * 1024  # a real cacerts is ~100-300 KB; anything this big is not one
MAX_RELEASE_BYTES = 64 * 1024
_MAX_ENTRIES = 10_000
_JKS_MAGIC, _JCEKS_MAGIC = 0xFEEDFEED, 0xCECECECE


@dataclass(frozen=True)
class TrustAnchor:
    """One trusted-certificate entry of the store."""

    alias: str
    der: bytes = field(repr=False)


@dataclass(frozen=True)
class JavaTrustObservation(Outcome):
    """What ``java_home`` holds: its Java version, the cacerts file read and its trusted certificates.

    ``error``: ``no-cacerts`` (no store at either path), ``store-unreadable`` (unreadable, too big, or not
    a JKS/PKCS12 file).
    """

    java_home: str
    version: str = ""  # JAVA_VERSION from <java_home>/release; "" when there is none
    store: str = ""  # the cacerts path read
    store_type: str = ""  # JKS | JCEKS | PKCS12
    anchors: tuple[TrustAnchor, ...] = ()
    error: str = ""
    message: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class JavaTrustNeed:
    """The survey need: read the JRE at ``java_home`` once per run."""

    java_home: Path

    def observe(self, env: SurveyEnv) -> JavaTrustObservation:
        return read_java_trust(self.java_home)


#: (store type, trusted certificates, notes such as "integrity not verified")
Keystore = tuple[str, tuple[TrustAnchor, ...], tuple[str, ...]]


class KeystoreError(ValueError):
    """The bytes are not a keystore this reader understands."""


def read_java_trust(java_home: Path, password: str = DEFAULT_STOREPASS) -> JavaTrustObservation:
    """Read ``java_home``'s release file and cacerts; never raises."""
    home = str(java_home)
    version = java_version(java_home)
    store = next((java_home.joinpath(*parts) for parts in STORE_PATHS if java_home.joinpath(*parts).is_file()), None)
    if store is None:
        looked = " and ".join(str(java_home.joinpath(*parts)) for parts in STORE_PATHS)
        return JavaTrustObservation(home, version, error="no-cacerts", message=f"no Java trust store at {looked}")
    try:
        data = _read_bounded(store, MAX_STORE_BYTES)
        store_type, anchors, notes = read_keystore(data, password)
    except (OSError, KeystoreError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return JavaTrustObservation(
            home, version, str(store), error="store-unreadable", message=f"{store} cannot be read: {reason}"
        )
    message = f"{store} ({store_type}) holds {len(anchors)} trusted certificates"
    return JavaTrustObservation(home, version, str(store), store_type, anchors, message=message, notes=notes)


def java_version(java_home: Path) -> str:
    """``JAVA_VERSION`` from ``<java_home>/release`` ("1.8.0_381", "17.0.8"), or "" when not there."""
    try:
        text = _read_bounded(java_home / "release", MAX_RELEASE_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "JAVA_VERSION":
            return value.strip().strip('"')
    return ""


def _read_bounded(path: Path, limit: int) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise KeystoreError(f"larger than {limit // 1024} KB: not a Java trust store")
    return data


def read_keystore(data: bytes, password: str = DEFAULT_STOREPASS) -> Keystore:
    """(store type, trusted certificates, notes) of a JKS, JCEKS or PKCS12 keystore."""
    if len(data) >= 4 and struct.unpack(">I", data[:4])[0] in (_JKS_MAGIC, _JCEKS_MAGIC):
        return read_jks(data, password)
    if data[:1] == b"\x30":  # a DER SEQUENCE: PKCS12's PFX
        return "PKCS12", read_pkcs12(data, password), ()
    raise KeystoreError("neither a JKS nor a PKCS12 keystore")


class _Reader:
    """Big-endian reads that fail with :class:`KeystoreError` at the end of the data."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise KeystoreError("the keystore is truncated")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def u2(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def u4(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def utf(self) -> str:
        # Java's modified UTF-8 differs from UTF-8 only for NUL and characters beyond the BMP.
        return self.take(self.u2()).decode("utf-8", "replace")


def read_jks(data: bytes, password: str = DEFAULT_STOREPASS) -> Keystore:
    """The trusted-certificate entries of a JKS (or JCEKS) store, and whether its digest matches ``password``."""
    reader = _Reader(data)
    store_type = "JKS" if reader.u4() == _JKS_MAGIC else "JCEKS"
    version, count = reader.u4(), reader.u4()
    if version not in (1, 2) or count > _MAX_ENTRIES:
        raise KeystoreError(f"unsupported {store_type} version {version} or entry count {count}")
    anchors: list[TrustAnchor] = []
    for _ in range(count):
        tag, alias = reader.u4(), reader.utf()
        reader.take(8)  # creation time
        if tag == 1:  # private key: the key, then its certificate chain
            reader.take(reader.u4())
            for _ in range(reader.u4()):
                _certificate(reader, version)
        elif tag == 2:
            kind, der = _certificate(reader, version)
            if kind == "X.509":
                anchors.append(TrustAnchor(alias, der))
        else:  # JCEKS secret keys are serialized Java objects: their length is not in the format
            raise KeystoreError(f"entry {alias!r} has type {tag}, which this reader does not read")
    body = reader.pos
    digest = reader.take(20)
    # The JKS format's own keyed digest (SHA-1 by its definition, not a choice).
    keyed = hashlib.sha1(password.encode("utf-16-be") + b"Mighty Aphrodite" + data[:body]).digest()
    notes = () if digest == keyed else (f"integrity not verified: the store password is not {password!r}",)
    return store_type, tuple(anchors), notes


def _certificate(reader: _Reader, version: int) -> tuple[str, bytes]:
    kind = reader.utf() if version == 2 else "X.509"
    return kind, reader.take(reader.u4())


def read_pkcs12(data: bytes, password: str = DEFAULT_STOREPASS) -> tuple[TrustAnchor, ...]:
    """The certificates of a PKCS12 store (``password``, or none: Java 18+ ships cacerts without one)."""
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    for secret in (password.encode("utf-8"), None):
        try:
            bundle = pkcs12.load_pkcs12(data, secret)
        except ValueError:
            continue
        anchors = [
            TrustAnchor(_text(item.friendly_name), item.certificate.public_bytes(Encoding.DER))
            for item in bundle.additional_certs
        ]
        if bundle.cert is not None:
            anchors.insert(0, TrustAnchor("", bundle.cert.certificate.public_bytes(Encoding.DER)))
        return tuple(anchors)
    raise KeystoreError(f"not a PKCS12 store, or its password is not {password!r}")


def _text(name: bytes | None) -> str:
    return (name or b"").decode("utf-8", "replace")


# --- Which anchor a chain ends in ---------------------------------------------------------------------


@dataclass(frozen=True)
class CertName:
    """A certificate as a finding names it."""

    common_name: str
    subject: str  # RFC 4514
    sha256: str  # hex, colon-separated, as keytool -list -v prints it
    alias: str  # a keytool alias derived from the common name


def describe(der: bytes) -> CertName:
    """Name, subject and SHA-256 fingerprint of a DER certificate."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    subject = cert.subject.rfc4514_string()
    common_name = str(names[0].value) if names else subject
    digest = hashlib.sha256(der).hexdigest().upper()
    alias = "".join(ch for ch in common_name.lower() if ch.isalnum()) or "root"
    return CertName(common_name, subject, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2)), alias)


def trusting_anchor(chain: tuple[bytes, ...], anchors: tuple[TrustAnchor, ...]) -> TrustAnchor | None:
    """The store entry that makes Java trust ``chain`` (DER, leaf first, as the server presented it): one
    of the chain's own certificates (Java's PKIX validator takes any certificate of the chain found in its
    trust store as the anchor), else the entry that signed the chain's last certificate — matched by
    subject = issuer and a verified signature, never by name alone."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    held = {hashlib.sha256(anchor.der).digest(): anchor for anchor in anchors}
    for der in chain:
        if hashlib.sha256(der).digest() in held:
            return held[hashlib.sha256(der).digest()]
    if not chain:
        return None
    last = x509.load_der_x509_certificate(chain[-1])
    for anchor in anchors:
        try:
            candidate = x509.load_der_x509_certificate(anchor.der)
            if candidate.subject == last.issuer:
                last.verify_directly_issued_by(candidate)
                return anchor
        except (ValueError, TypeError, InvalidSignature):  # not its signer, or a key type it cannot check
            continue
    return None
