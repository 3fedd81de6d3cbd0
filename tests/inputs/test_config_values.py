"""URL and host values no real endpoint has (issue 12 item 13): user names and passwords in URLs (refused
without echoing them), paths in host:port values, trailing dots, absurd versions and ports — each one
exit-4 line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from deployments import deployment_text

from pytest_ece_o365.config.loader import ConfigError, load_config

CREDENTIAL = "hunter2-canary"

REFUSED = [
    ("[o365]\nlogin = 'https://admin:{c}@login.microsoftonline.com'", "o365.login", "user name or password"),
    ("[o365]\ngraph = 'https://{c}@graph.microsoft.com'", "o365.graph", "user name or password"),
    ("[o365]\nimap = 'admin:{c}@outlook.office365.com:993'", "o365.imap", "without a user name"),
    ("[o365]\nsmtp = '{c}@smtp.office365.com:587'", "o365.smtp", "without a user name"),
    ("[o365]\npop3 = 'outlook.office365.com/pop:995'", "o365.pop3", "not host:port"),
    ("[o365]\nsmtp = 'smtp.office365.com.:587'", "o365.smtp", "ends with a dot"),
    ("[o365]\nlogin = 'https://login.microsoftonline.com./'", "o365.login", "ends with a dot"),
    ("[o365]\nimap = 'outlook.office365.com:0000993'", "o365.imap", "outside 1-65535"),
    ("[o365]\nimap = 'outlook.office365.com:" + "9" * 401 + "'", "o365.imap", "outside 1-65535"),
    ("[network]\nnameservers = ['10.0.0.53:" + "5" * 401 + "']", "network.nameservers[0]", "outside 1-65535"),
]  # fmt: skip
REPLACED = [
    ('external_url = "', 'external_url = "https://admin:{c}@', "ece.external_url", "user name or password"),
    ('redirect_uri = "', 'redirect_uri = "https://admin:{c}@', "azure_ad.redirect_uri", "user name or password"),
    ('version = "12.6(1)"', 'version = "12.6(' + "9" * 401 + ')"', "ece.version", "is not an ECE version"),
    ('engineering_specials = ["ES10"]', 'engineering_specials = ["ES' + "1" * 30 + '"]', "ece.engineering_specials[0]",
     "is not an Engineering Special"),
]  # fmt: skip


def refused(tmp_path: Path, text: str, key_path: str, problem: str) -> str:
    path = tmp_path / "prod.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: {key_path}: ") and problem in message, message
    assert "\n" not in message and CREDENTIAL not in message and len(message) < 400 + len(str(path))
    return message


@pytest.mark.parametrize(("table", "key_path", "problem"), REFUSED, ids=[row[1] + ":" + row[2] for row in REFUSED])
def test_odd_o365_and_network_values_are_refused(tmp_path: Path, table: str, key_path: str, problem: str) -> None:
    refused(tmp_path, deployment_text() + "\n" + table.format(c=CREDENTIAL) + "\n", key_path, problem)


@pytest.mark.parametrize(("old", "new", "key_path", "problem"), REPLACED, ids=[row[2] for row in REPLACED])
def test_odd_ece_and_azure_values_are_refused(tmp_path: Path, old: str, new: str, key_path: str, problem: str) -> None:
    text = deployment_text()
    assert old in text
    refused(tmp_path, text.replace(old, new.format(c=CREDENTIAL), 1), key_path, problem)


def test_ordinary_values_still_load(tmp_path: Path) -> None:
    path = tmp_path / "prod.toml"
    extra = "[o365]\nimap = 'outlook.office365.com:993'\nlogin = 'https://login.microsoftonline.com:443/'\n"
    extra += "[network]\nnameservers = ['[::1]:5353', '10.0.0.53']\n"
    path.write_text(deployment_text() + "\n" + extra, encoding="utf-8")
    config = load_config(path)
    assert config.o365.imap.port == 993 and config.network.nameservers[0].port == 5353
