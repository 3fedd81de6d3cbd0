"""Cause ids: the stable name of what is wrong, on every finding (contract §4 ``cause``).

``aadsts-700082``, ``dns-nxdomain``, ``imap-not-connected``: the key for waivers, comparisons and support
cases. A diagnosis row names its cause (``Diagnosis.cause_id``) or gets one from its signature here. Which
check reports each cause — one cause, one finding — is :data:`pytest_ece_o365.diagnosis.OWNERS`, built
from the rows by :func:`owners`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol


class _Row(Protocol):
    """What :func:`owners` reads of a diagnosis row (:class:`~pytest_ece_o365.diagnosis.table.Diagnosis`)."""

    @property
    def cause_id(self) -> str: ...

    @property
    def reported_by(self) -> str: ...


#: The prefix of a check's own causes: the area of the checklist it judges.
_AREAS: Final = {
    "network.dns": "dns",
    "network.tcp": "tcp",
    "network.tls": "tls",
    "network.xoauth2": "xoauth2",
    "network.java_trust": "java",
    "token.refresh": "token",
    "token.identity": "token",
    "token.scopes": "token",
    "azure_app.token_lifetime": "token",
    "azure_app.registration": "app",
    "azure_app.client_secret": "app",
    "azure_app.permissions": "app",
    "azure_app.redirect_uri": "app",
    "license.exchange": "licence",
    "mailbox.inbound": "mailbox",
    "mailbox.smtp": "smtp",
    "mailbox.send_test": "send",
    "rights.full_access": "rights",
    "rights.access_model": "rights",
}
#: Signatures that already say their area keep it (``imap-not-connected``, ``tls-untrusted``).
_NAMED: Final = ("dns-", "tcp-", "tls-", "xoauth2-", "imap-", "pop3-", "smtp-", "token-", "app-", "licence-", "send-")


def cause_id(check_id: str, signature: str) -> str:
    """The cause id of ``check_id``'s row ``signature``: ``AADSTS70000-scope`` -> ``aadsts-70000-scope``,
    network.dns ``nxdomain`` -> ``dns-nxdomain``, ``imap-not-connected`` stays."""
    text = signature.strip().lower().replace("_", "-")
    if text.startswith("aadsts"):
        return "aadsts-" + text.removeprefix("aadsts").lstrip("-")
    area = _AREAS.get(check_id, check_id.split(".", 1)[0].replace("_", "-"))
    if text.startswith(_NAMED) or area in text.split("-"):
        return text
    return f"{area}-{text}"


def owners(table: Mapping[tuple[str, str], _Row]) -> dict[str, set[str]]:
    """cause id -> the checks that report it, from the rows (a cause with two is a table error, tested)."""
    found: dict[str, set[str]] = {}
    for (check_id, signature), row in table.items():
        cause = row.cause_id or cause_id(check_id, signature)
        found.setdefault(cause, set()).add(row.reported_by or check_id)
    return found
