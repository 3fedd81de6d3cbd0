"""Java's own trust store: which roots ECE's bundled JRE trusts, and how an administrator adds one.

ECE connects to Office 365 with its bundled Java runtime, whose trust anchors are the JRE's ``cacerts``
file, not Windows' certificate store nor this tool's Python one. The facts below say when Microsoft's roots
entered ``cacerts`` and how ``keytool`` adds a missing root, per Java version.
"""

from __future__ import annotations

from typing import Final

from pytest_ece_o365.knowledge.sources import Source

#: JDK-8304760 "Add 2 Microsoft TLS roots": Microsoft RSA and ECC Root Certificate Authority 2017 entered
#: the JDK's cacerts in JDK 21 (openjdk/jdk#13726, 2023-04-28) and were backported to 17.0.8
#: (openjdk/jdk17u-dev#1349), 11.0.20 and 8u381/8u382 ("symmetry with Oracle JDK 8u381",
#: openjdk/jdk8u-dev#320). The July 2023 update releases are 8u381 / 11.0.20 / 17.0.8.
JDK_8304760: Final = Source(
    "https://bugs.openjdk.org/browse/JDK-8304760; openjdk/jdk#13726; openjdk/jdk8u-dev#320; openjdk/jdk17u-dev#1349",
    "2026-12-04",
)

#: The keytool reference: ``-cacerts`` ("Access the cacerts keystore") exists from Java 9 on; Java 8's
#: keytool refuses it ("Illegal option: -cacerts", gitlab-org/security-products/analyzers/gemnasium-maven
#: merge request 67) and names the file with ``-keystore``. The default store password is "changeit".
KEYTOOL_DOCS: Final = Source(
    "https://docs.oracle.com/en/java/javase/17/docs/specs/man/keytool.html; "
    "https://docs.oracle.com/javase/8/docs/technotes/tools/windows/keytool.html; "
    "https://gitlab.com/gitlab-org/security-products/analyzers/gemnasium-maven/-/merge_requests/67",
    "2026-12-04",
)

#: The roots JDK-8304760 added, by subject common name, and the first update of each Java line that holds
#: them (major version -> first update number carrying them).
MICROSOFT_2017_ROOTS: Final = (
    "Microsoft RSA Root Certificate Authority 2017",
    "Microsoft ECC Root Certificate Authority 2017",
)
MICROSOFT_2017_ROOTS_SINCE: Final[dict[int, int]] = {8: 381, 11: 20, 17: 8}
MICROSOFT_2017_ROOTS_NOTE: Final = (
    "Microsoft's 2017 roots entered Java's cacerts only in 8u381 / 11.0.20 / 17.0.8 (JDK-8304760): "
    "an older Java cannot know them"
)

#: The password every JDK ships cacerts with (JKS needs it for its integrity digest; PKCS12 stores may have
#: none, Java 18+).
DEFAULT_STOREPASS: Final = "changeit"


def is_microsoft_2017_root(common_name: str) -> bool:
    """Whether ``common_name`` names one of the roots JDK-8304760 added to cacerts."""
    return common_name.strip().lower() in {name.lower() for name in MICROSOFT_2017_ROOTS}


def ships_microsoft_2017_roots(version: str) -> bool | None:
    """Whether a Java of ``version`` ships the 2017 Microsoft roots in its cacerts (None: not known)."""
    major = java_major(version)
    if major is None:
        return None
    if major >= 21:
        return True
    since = MICROSOFT_2017_ROOTS_SINCE.get(major)
    if since is None:
        return None  # 18-20: not among JDK-8304760's backports that this table knows
    update = version.split("_", 1)[1] if major == 8 and "_" in version else [*version.split("."), "0", "0"][2]
    digits = "".join(ch for ch in update if ch.isdigit())
    return int(digits) >= since if digits else None


def java_major(version: str) -> int | None:
    """The feature release of a ``JAVA_VERSION`` value: "1.8.0_381" -> 8, "17.0.8" -> 17, "21" -> 21."""
    parts = version.strip().split(".")
    try:
        major = int(parts[0])
        return int(parts[1]) if major == 1 and len(parts) > 1 else major
    except ValueError:
        return None


def keytool_import(java_home: str, version: str, store: str, alias: str, pem_file: str) -> str:
    """The ``keytool -importcert`` line that adds ``pem_file`` to the JRE's cacerts (``store``, the file read).

    Java 9+ names the store with ``-cacerts``; Java 8 (or an unknown version) needs ``-keystore <store>``.
    """
    separator = "\\" if "\\" in java_home or java_home[1:2] == ":" else "/"
    keytool = f'"{java_home.rstrip(chr(92) + "/")}{separator}bin{separator}keytool"'
    major = java_major(version) if version else None
    where = "-cacerts" if major is not None and major >= 9 else f'-keystore "{store}"'
    return f'{keytool} -importcert -trustcacerts {where} -storepass changeit -alias {alias} -file "{pem_file}"'
