"""The JSON Schema of the deployment file (contract §2), for editors (taplo / Even Better TOML ``#:schema``).

Built from what the loader validates with: its key names, the choices it takes from the knowledge tables
(``ROLES``, ``CLOUDS``, the check ids), and its patterns (``EceVersion``, Engineering Specials, addresses).
``deployment.schema.json`` in the package is this, written by :func:`write_schema`; tests/fleet/test_schema.py
fails when the file, this module or the loader drift apart (it walks the loader's error cases). What a
schema cannot say is left to the loader: the same mailbox or server twice (case-insensitive).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.config.deployment import ADDRESS_PATTERN, ES_PATTERN, EceVersion
from pytest_ece_o365.knowledge import CLOUDS, ROLES

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "deployment.schema.json"

_TEXT = {"type": "string", "pattern": r"\S"}  # the loader strips a value and refuses an empty one
_PORT = r"([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_HTTPS = rf"^https://[^/:?#\s\[\]]+(:{_PORT})?(/\S*)?$"
_ENDPOINT = rf"^\s*(\[[0-9A-Fa-f:.]+\]|[^:\[\]\s]+)(:{_PORT})?\s*$"
_IPV4 = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}"
_IPV6 = r"[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}"
_NAMESERVER = rf"^\s*({_IPV4}(:{_PORT})?|{_IPV6}|\[{_IPV6}\](:{_PORT})?)\s*$"


def _text(description: str, **more: Any) -> dict[str, Any]:
    return {**_TEXT, "description": description, **more}


def _pattern(pattern: str, description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": pattern, "description": description}


def _table(properties: dict[str, Any], required: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    # Draft 4 (what taplo supports, https://taplo.tamasfe.dev/configuration/developing-schemas.html, checked
    # 2026-12-05): no const, if/then or numeric exclusiveMinimum.
    table: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        table["required"] = list(required)
    return {**table, **more}


def _secret(description: str) -> dict[str, Any]:
    source = {"env": _text("environment variable holding it"), "file": _text("file holding it, relative to this file")}
    return _table(source, description=f'{description}: {{ env = "NAME" }} or {{ file = "PATH" }}, never the value',
                  oneOf=[{"required": ["env"]}, {"required": ["file"]}])  # fmt: skip


def _array(item: dict[str, Any], description: str) -> dict[str, Any]:
    return {"type": "array", "items": item, "description": description}


def deployment_schema() -> dict[str, Any]:
    """The schema as a JSON-ready dict."""
    address = _pattern(ADDRESS_PATTERN, "an e-mail address / sign-in name (user@domain)")
    mailbox = _table(
        {
            "address": {**address, "description": "the mailbox's address"},
            "inbound": {"enum": ["imap", "pop3"], "description": "how ECE reads it"},
            "access": {"enum": ["mailbox", "shared"], "description": "mailbox (default): its own account's token"},
            "token_account": {**address, "description": "shared: the account whose token reads it"},
            "account": {**address, "description": 'access = "mailbox": its sign-in name if not the address'},
            "refresh_token": _secret("the refresh token"),
        },
        ("address", "inbound"),
        # The loader: account is for access = "mailbox" only (Draft 4 has no if/then: not both).
        **{"not": {"required": ["access", "account"], "properties": {"access": {"enum": ["shared"]}}}},
    )  # fmt: skip
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",  # taplo supports Draft 4
        "title": "pytest-ece-o365 deployment file",
        "description": "An ECE <-> Office 365 deployment for pytest --ece-config (contract §2).",
        **_table(
            {
                "deployment": _table({"name": _text("shown in the report")}),
                "ece": _table(
                    {
                        "version": _pattern(EceVersion._PATTERN.pattern, 'as ECE shows it, e.g. "12.6(1)"'),
                        "engineering_specials": _array(_pattern(ES_PATTERN, '"ES12" or "ES12_ET1"'), "installed ES"),
                        "external_url": _text("Partition > Apps > General Settings > External URL of Application"),
                        "admin_console_url": _text("what administrators type to log in"),
                        "java_home": _text("ECE's Java runtime"),
                    },
                    ("version",),
                ),
                "servers": _array(
                    _table({"name": _text("host name or FQDN"), "role": {"enum": list(ROLES)}}, ("name", "role")),
                    "the ECE servers and their roles",
                ),
                "azure_ad": _table(
                    {
                        "tenant": _text("domain or GUID"),
                        "client_id": _text("the app registration's Application (client) ID"),
                        "client_secret": _secret("the app's client secret"),
                        "redirect_uri": _text("exactly as registered on the app"),
                    },
                    ("tenant", "client_id", "client_secret", "redirect_uri"),
                ),
                "graph": _table(
                    {"client_id": _text("a read-only directory app"), "client_secret": _secret("its secret")},
                    ("client_id", "client_secret"),
                ),
                "mailboxes": _array(mailbox, "the mailboxes ECE reads"),
                "o365": _table(
                    {
                        "cloud": {"enum": list(CLOUDS), "description": "sets every endpoint's default"},
                        "login": _pattern(_HTTPS, "https:// URL"),
                        "graph": _pattern(_HTTPS, "https:// URL"),
                        **{name: _pattern(_ENDPOINT, "host[:port]") for name in ("imap", "pop3", "smtp")},
                    }
                ),
                "network": _table(
                    {
                        "timeout": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 600},
                        "nameservers": _array(_pattern(_NAMESERVER, "an IP address, optionally :port"), "resolvers"),
                        "ca_bundle": _text("extra trust anchors (PEM), relative to this file"),
                    }
                ),
                "waivers": _array(
                    _table(
                        {
                            "check": {"enum": sorted(CHECKS), "description": "a check id"},
                            "target": _text("matched case-insensitively; none: every target"),
                            "reason": _text("why, e.g. the change number"),
                            "expires": {
                                "type": "string",
                                "format": "date",
                                "pattern": r"^\s*\d{4}-\d{2}-\d{2}\s*$",
                                "description": "the last day the waiver holds (a TOML date)",
                            },
                        },
                        ("check", "reason", "expires"),
                    ),
                    "accepted exceptions",
                ),
            },
            ("ece", "azure_ad"),
        ),
    }


def schema_text() -> str:
    return json.dumps(deployment_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> None:
    """Regenerate the packaged schema: ``python -m pytest_ece_o365.config.schema``."""
    path.write_text(schema_text(), encoding="utf-8")


if __name__ == "__main__":
    write_schema()
