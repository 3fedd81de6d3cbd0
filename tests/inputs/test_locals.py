"""``-l --tb=long`` on a crashed check (issue 12 item 12): pytest shortens each local before redaction
could see it; no part of a token may reach the terminal or a report through a frame's locals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CRASHING_PROBE = """
import json
from pathlib import Path

from pytest_ece_o365.plugin.session import SESSION_KEY
from pytest_ece_o365.probes import token as token_probe
from pytest_ece_o365.sim import tokens
from pytest_ece_o365.sim.tenant import Tenant

MINTED = []
_sign = tokens.SigningKey.sign
_issue = Tenant.issue_refresh_token


def _record_sign(self, claims):
    MINTED.append(_sign(self, claims))
    return MINTED[-1]


def _record_issue(self, *args, **kwargs):
    MINTED.append(_issue(self, *args, **kwargs))
    return MINTED[-1]


def _crash(token):
    raise RuntimeError("a bug in the token probe, with the token response in the frames above")


tokens.SigningKey.sign = _record_sign
Tenant.issue_refresh_token = _record_issue
token_probe.decode_claims = _crash


def pytest_sessionfinish(session):
    simulator = session.config.stash[SESSION_KEY].simulator
    values = [secret.reveal() for secret in simulator.secrets.values()] + MINTED
    Path("minted.json").write_text(json.dumps(values))
"""


def fragments(secret: str) -> list[str]:
    if secret.count(".") == 2 and secret.startswith("eyJ"):
        _, payload, signature = secret.split(".")
        return [secret, payload[:24], payload[-24:], signature[:24], signature[-24:]]
    return [secret, secret[:20], secret[len(secret) // 2 : len(secret) // 2 + 20], secret[-20:]]


def test_no_token_fragment_in_the_locals_of_a_crashed_check(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CRASHING_PROBE)
    result = pytester.runpytest_subprocess(
        "--ece-simulate", "-l", "--tb=long", "--junitxml", "j.xml", "--html", "r.html", "--self-contained-html",
        "--ece-json", "r.json",
    )  # fmt: skip
    stdout = result.stdout.str()
    assert "a bug in the token probe" in stdout and "result = " in stdout  # the locals were shown
    minted = [value for value in json.loads(Path(pytester.path, "minted.json").read_text()) if len(value) >= 40]
    assert any(value.startswith("eyJ") for value in minted) and len(minted) > 2
    outputs = {"stdout": stdout, "stderr": result.stderr.str()}
    outputs.update(
        {name: Path(pytester.path, name).read_text(encoding="utf-8") for name in ("j.xml", "r.html", "r.json")}
    )
    for name, text in outputs.items():
        for secret in minted:
            for part in fragments(secret):
                assert part not in text, f"part of a {len(secret)}-character secret leaked into {name}"
