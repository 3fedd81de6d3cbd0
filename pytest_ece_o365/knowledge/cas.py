"""Microsoft's public certificate authorities: a Microsoft host presenting anything else is TLS inspection."""

from __future__ import annotations

from typing import Final

from pytest_ece_o365.knowledge.sources import Source

# A certificate for a Microsoft host name issued by anything else means something in the path re-signs
# TLS: a TLS-inspection proxy. What Office 365 has presented (CA_SOURCES, in that order):
# - Microsoft's own issuing CAs ("Microsoft Azure RSA/ECC TLS Issuing CA nn", "Microsoft RSA TLS CA 01/02")
#   under "DigiCert Global Root G2/G3" and "Microsoft RSA/ECC Root Certificate Authority 2017";
# - outlook.office365.com / smtp.office365.com: CN=outlook.com issued by "DigiCert Cloud Services CA-1"
#   (O=DigiCert Inc) under "DigiCert Global Root CA", the G1 root;
# - earlier, "Microsoft IT TLS CA n" / "Microsoft IT SSL SHA2" under "Baltimore CyberTrust Root".
# China (21Vianet) endpoints are unverified: Microsoft's older "encryption chains" page also names
# GlobalSign, Entrust, D-TRUST, CNNIC and thawte roots for its national clouds.
CA_SOURCES: Final[tuple[Source, ...]] = (
    Source("https://learn.microsoft.com/en-us/azure/security/fundamentals/azure-ca-details", "2026-12-04"),
    Source("simonrob/email-oauth2-proxy#209; ddeboer/imap#449", "2026-12-04"),
    Source("PHPMailer/PHPMailer#776; O365/python-o365#406", "2026-12-04"),
)

#: Issuer organisations (the leaf certificate's issuer ``O``) of Microsoft's public TLS chains.
MICROSOFT_ISSUER_ORGANIZATIONS: Final = ("Microsoft Corporation", "DigiCert Inc", "DigiCert, Inc.")

#: Issuer common-name prefixes of the same CAs, for certificates whose issuer has no ``O``.
MICROSOFT_ISSUER_CN_PREFIXES: Final = ("Microsoft ", "DigiCert ", "Baltimore CyberTrust")


def is_microsoft_issuer(organization: str, common_name: str) -> bool:
    """Whether a leaf certificate's issuer is one of the public CAs Microsoft uses.

    By name only: the simulator's CA is named as its own and matches none of these; a ``--ece-simulate``
    run accepts it as Microsoft's stand-in by its fingerprint instead (probes.tls.recognise).
    """
    if organization:
        return organization.strip().lower() in {org.lower() for org in MICROSOFT_ISSUER_ORGANIZATIONS}
    return common_name.strip().lower().startswith(tuple(p.lower() for p in MICROSOFT_ISSUER_CN_PREFIXES))
