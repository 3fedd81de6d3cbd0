"""The built-in checklist, one module per check-id prefix; importing this package registers every check."""

from __future__ import annotations

from pytest_ece_o365.checks import azure_app, license, mailbox, network, rights, token, version, web_url
from pytest_ece_o365.checks.base import REGISTRY

__all__ = ["REGISTRY", "azure_app", "license", "mailbox", "network", "rights", "token", "version", "web_url"]
