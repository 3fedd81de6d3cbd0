"""One real ``pytest --ece-simulate=broken`` run with four mailboxes, its HTML report, results file and
every secret the simulator minted: shared by the HTML report's tests (a session fixture, run once)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

EXTRA_MAILBOXES = """
[[mailboxes]]
address = "billing@example.com"
inbound = "imap"
access = "mailbox"
refresh_token = { env = "ECE_O365_RT_BILLING" }

[[mailboxes]]
address = "help@example.com"
inbound = "pop3"
access = "mailbox"
refresh_token = { env = "ECE_O365_RT_HELP" }
"""

RECORDER = """
import json
from pathlib import Path

from pytest_ece_o365.plugin.session import SESSION_KEY


def pytest_sessionfinish(session):
    simulator = session.config.stash[SESSION_KEY].simulator
    tenant = simulator.tenant
    values = [secret.reveal() for secret in simulator.secrets.values()]
    values += [cred.value for app in tenant.apps.values() for cred in app.secrets]
    values += list(tenant.refresh_tokens)
    Path("secrets.json").write_text(json.dumps(values))
"""


@dataclass(frozen=True)
class BrokenRun:
    path: Path
    html: str
    results: dict[str, Any]
    secrets: list[str]


@pytest.fixture(scope="session", name="broken_run")
def broken_run_fixture(tmp_path_factory: pytest.TempPathFactory) -> BrokenRun:
    where = tmp_path_factory.mktemp("broken-report")
    example = (resources.files("pytest_ece_o365") / "example_config.toml").read_text(encoding="utf-8")
    config = example.replace("\n[o365]", EXTRA_MAILBOXES + "\n[o365]", 1)
    (where / "prod.toml").write_text(config, encoding="utf-8")
    (where / "conftest.py").write_text(RECORDER, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--ece-config", "prod.toml",
         "--ece-simulate=broken", "--html", "r.html", "--self-contained-html", "--ece-json", "r.json"],
        cwd=where, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    path = where / "r.html"
    return BrokenRun(
        path,
        path.read_text(encoding="utf-8"),
        json.loads((where / "r.json").read_text(encoding="utf-8")),
        json.loads((where / "secrets.json").read_text(encoding="utf-8")),
    )


def article(html: str, check: str, target: str = "") -> str:
    """The finding of ``check`` (that names ``target``)."""
    for match in re.finditer(r"<article class='ece-finding[^>]*data-check='([\w.]+)'>.*?</article>", html, re.DOTALL):
        if match.group(1) == check and escape(target) in match.group(0):
            return match.group(0)
    raise AssertionError(f"no finding for {check} {target}")


def strip_scripts(html: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.DOTALL | re.IGNORECASE)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("style", "script", "template")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "script", "template")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    """What a reader sees of ``html`` without scripts or styles (entities decoded)."""
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)
