"""Contract §7: no secret in any output of a simulated run, with every verbosity and report turned on.

The run happens in a subprocess (as a user runs it), with a test-only conftest that records every secret
the simulator handed out or minted — client secrets, refresh tokens (given and re-issued), access and ID
tokens — so that the test can look for each of them, whole and in part, in every output.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

RECORDER = """
import json
from pathlib import Path

from pytest_ece_o365.plugin.session import SESSION_KEY
from pytest_ece_o365.sim import tokens
from pytest_ece_o365.sim.tenant import Tenant

MINTED = []
_sign = tokens.SigningKey.sign
_issue = Tenant.issue_refresh_token


def _record_sign(self, claims):
    token = _sign(self, claims)
    MINTED.append(token)
    return token


def _record_issue(self, *args, **kwargs):
    value = _issue(self, *args, **kwargs)
    MINTED.append(value)
    return value


tokens.SigningKey.sign = _record_sign
Tenant.issue_refresh_token = _record_issue


def pytest_sessionfinish(session):
    simulator = session.config.stash[SESSION_KEY].simulator
    tenant = simulator.tenant
    values = [secret.reveal() for secret in simulator.secrets.values()]
    values += [cred.value for app in tenant.apps.values() for cred in app.secrets]
    values += list(tenant.refresh_tokens) + MINTED
    accounts = sorted(tenant.accounts)
    Path("minted.json").write_text(json.dumps({"secrets": values, "accounts": accounts}))
"""

OUTPUTS = ("j.xml", "r.html", "r.json")


def fragments(secret: str) -> list[str]:
    """What must not appear: the secret, and telling parts of it (a token cut short is still a leak)."""
    parts = [secret]
    if secret.count(".") == 2 and secret.startswith("eyJ"):
        _, payload, signature = secret.split(".")  # the header is the same for every token: not secret
        parts += [payload[:40], payload[-40:], signature[:40]]
    elif len(secret) >= 40:
        parts += [secret[:24], secret[len(secret) // 2 : len(secret) // 2 + 24], secret[-24:]]
    return parts


def xoauth2_strings(tokens: list[str], accounts: list[str]) -> list[str]:
    """The middle of each possible XOAUTH2 blob (its start, user= and the JWT header, is no secret)."""
    blobs = [
        base64.b64encode(f"user={account}\x01auth=Bearer {token}\x01\x01".encode()).decode()
        for token in tokens
        for account in accounts
    ]
    return [blob[len(blob) // 2 : len(blob) // 2 + 40] for blob in blobs]


@pytest.mark.parametrize("scenario", ["healthy", "refresh-token-expired"])
def test_no_secret_reaches_terminal_junit_html_or_json(pytester: pytest.Pytester, scenario: str) -> None:
    pytester.makeconftest(RECORDER)
    result = pytester.runpytest_subprocess(
        f"--ece-simulate={scenario}", "-l", "-vv", "--tb=long", "--log-level=DEBUG", "-rA",
        "--junitxml", "j.xml", "--html", "r.html", "--self-contained-html", "--ece-json", "r.json",
    )  # fmt: skip
    assert result.ret == (0 if scenario == "healthy" else 1), result.stdout.str()
    minted = json.loads(Path(pytester.path, "minted.json").read_text(encoding="utf-8"))
    secrets: list[str] = minted["secrets"]
    jwts = [value for value in secrets if value.startswith("eyJ")]
    assert jwts and len(secrets) > len(jwts)  # access tokens were issued and the others recorded

    outputs = {"stdout": result.stdout.str(), "stderr": result.stderr.str()}
    outputs.update({name: Path(pytester.path, name).read_text(encoding="utf-8") for name in OUTPUTS})
    rows = json.loads(outputs["r.json"])["results"]
    assert any(row["check"] == "token.refresh" for row in rows)  # the token checks did run
    for name, text in outputs.items():
        for secret in secrets:
            for part in fragments(secret):
                assert part not in text, f"a secret ({len(secret)} chars) leaked into {name}"
        for blob in xoauth2_strings(jwts, minted["accounts"]):
            assert blob not in text, f"an XOAUTH2 string leaked into {name}"
