"""Checks on URL and host values of the deployment file that no Office 365 or ECE value could fail.

- No user name or password in any URL (``https://user:pass@host``): it would be printed in findings and
  sent on; the message never repeats the value, since what is before the ``@`` is a credential.
- A host is a host: no path, query, user or space in a ``host:port`` value, and no trailing dot (the
  certificate names ``outlook.office365.com``, not ``outlook.office365.com.``, and the dot would also be
  sent as SNI).
- Numbers of sane size: a version part or an ES number has at most 4 digits, a port at most 5.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

__all__ = ["check_host", "check_url", "has_userinfo", "is_ip_literal", "shown"]

_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
MAX_DIGITS = 4  # ECE 12.6(1), ES12_ET1: no part of an ECE version or ES has ever had more than 2


def shown(text: str, limit: int = 80) -> str:
    """``text`` as an error message quotes it: cut to ``limit`` characters (a 400-digit port is not news)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def has_userinfo(text: str) -> bool:
    """Whether the URL ``text`` carries ``user[:password]@`` before its host."""
    netloc = urlsplit(text.strip()).netloc if "//" in text else text.strip().split("/", 1)[0]
    return "@" in netloc


def check_url(text: str) -> str:
    """``text`` unchanged, or :class:`ValueError` (never quoting a credential) for a URL no endpoint has."""
    if has_userinfo(text):
        raise ValueError(
            "holds a user name or password before the host (user:password@): remove it; credentials never go "
            "in a URL here, and the value is not shown because of them"
        )
    host = urlsplit(text.strip()).hostname or ""
    if host.endswith("."):
        raise ValueError(f'"{shown(text)}": the host name ends with a dot; write it without')
    return text


def check_endpoint_text(text: str) -> None:
    """A ``host:port`` value with ``user@`` or ``user:password@`` in it: refused without showing it."""
    if "@" in text:
        raise ValueError("is host:port, without a user name (user@): the value is not shown because of it")


def check_host(host: str, text: str) -> str:
    """``host`` (from the ``host:port`` value ``text``) if it is a host name or an IP literal."""
    if host.endswith("."):
        raise ValueError(f'"{shown(text)}": the host name ends with a dot; write it without')
    if not _HOST.fullmatch(host) and not is_ip_literal(host):
        raise ValueError(f'"{shown(text)}" is not host:port (a host name, no path, no scheme)')
    return host


def is_ip_literal(host: str) -> bool:
    """Whether ``host`` is an IP address rather than a host name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
