"""The public certificate authorities that Microsoft's Office 365 and login endpoints use.

A server certificate issued by anything else, for a Microsoft host name, means something in the path
re-signs TLS: a TLS-inspection proxy. (Candidate for ``knowledge.py``; kept here until the lead moves it.)

Sources (checked 2026-11-29): Microsoft's "Azure Certificate Authority details" (learn.microsoft.com,
security/fundamentals/azure-ca-details) — issuing CAs named "Microsoft Azure RSA/ECC TLS Issuing CA nn",
"Microsoft RSA TLS CA 01/02", "Microsoft ECC TLS Issuing AOC CA nn", under roots "DigiCert Global Root
G2/G3", "Baltimore CyberTrust Root", "Microsoft RSA/ECC Root Certificate Authority 2017"; and DigiCert's
own issuing CAs ("DigiCert Cloud Services CA-1", "DigiCert SHA2 Secure Server CA") seen on
outlook.office365.com.
"""

from __future__ import annotations

from typing import Final

#: Issuer organisations (the leaf certificate's issuer ``O``) of Microsoft's public TLS chains.
MICROSOFT_ISSUER_ORGANIZATIONS: Final = ("Microsoft Corporation", "DigiCert Inc", "DigiCert, Inc.")

#: Issuer common-name prefixes of the same CAs, for certificates whose issuer has no ``O``.
MICROSOFT_ISSUER_CN_PREFIXES: Final = ("Microsoft ", "DigiCert ", "Baltimore CyberTrust")


def is_microsoft_issuer(organization: str, common_name: str) -> bool:
    """Whether a leaf certificate's issuer is one of the public CAs Microsoft uses."""
    if organization:
        return organization.strip().lower() in {org.lower() for org in MICROSOFT_ISSUER_ORGANIZATIONS}
    return common_name.strip().lower().startswith(tuple(p.lower() for p in MICROSOFT_ISSUER_CN_PREFIXES))
