"""Reading the URLs of the deployment file: the external URL and the hosts other URLs must share."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from pytest_ece_o365.config.deployment import is_ip_literal


@dataclass(frozen=True)
class UrlProblem:
    what: str  # what is wrong, to follow the URL in a sentence


def split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    return parts


def host_of(url: str | None) -> str | None:
    """The URL's host name in lower case, or None when there is none."""
    if not url:
        return None
    parts = split(url)
    return parts.hostname.lower() if parts is not None and parts.hostname else None


def valid_external_host(url: str | None) -> str | None:
    """The External URL's host when the URL itself is valid, else None (web_url.external_url says why)."""
    if not url or external_url_problems(url):
        return None
    return host_of(url)


def external_url_problems(url: str) -> list[str]:
    """Why ``url`` is not a usable External URL (empty when it is)."""
    parts = split(url)
    if parts is None or not parts.scheme or not parts.hostname:
        return ["is not a URL of the form https://ece.example.com"]
    problems = []
    if parts.scheme.lower() != "https":
        problems.append(f"uses {parts.scheme}://, not https://")
    host = parts.hostname
    if is_ip_literal(host):
        problems.append(f"names the IP address {host}, not a fully qualified host name")
    elif host.lower() == "localhost" or "." not in host:
        problems.append(f'names "{host}", not a fully qualified host name (e.g. ece.example.com)')
    if parts.path not in ("", "/"):
        problems.append(f'has the path "{parts.path}"; it must be the bare site, ending at the host')
    if parts.query:
        problems.append("has a query string")
    if parts.fragment:
        problems.append("has a fragment (#...)")
    return problems
