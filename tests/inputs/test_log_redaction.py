"""Log records of every library redacted (issue 12 item 10): a proxy page that echoes the token request
(client secret, refresh token) is logged whole by MSAL; none of it may reach the live log, --log-file,
stderr or a report."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pytest_ece_o365 import redact_logs

ECHO_PROXY = """
import json
from pathlib import Path

from pytest_ece_o365.plugin.session import SESSION_KEY
from pytest_ece_o365.sim import aad
from pytest_ece_o365.sim.https import Response

_handle = aad.AadApp.handle
SEEN = []


def _echo(self, request):
    if request.method == "POST" and request.path.endswith("/oauth2/v2.0/token"):
        SEEN.append(request.body.decode())
        body = b"<html><body>Proxy Authentication: your request was " + request.body + b"</body></html>"
        return Response(200, body, {"Content-Type": "text/html"})
    return _handle(self, request)


aad.AadApp.handle = _echo


def pytest_sessionfinish(session):
    simulator = session.config.stash[SESSION_KEY].simulator
    values = [secret.reveal() for secret in simulator.secrets.values()]
    Path("canaries.json").write_text(json.dumps({"secrets": values, "requests": SEEN}))
"""


def test_an_echoing_proxy_leaks_no_secret_through_any_log(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ECHO_PROXY)
    result = pytester.runpytest_subprocess(
        "--ece-simulate", "-o", "log_cli=true", "--log-cli-level=DEBUG", "--log-level=DEBUG",
        "--log-file=run.log", "--log-file-level=DEBUG", "-rA", "-vv",
        "--junitxml", "j.xml", "--html", "r.html", "--self-contained-html", "--ece-json", "r.json",
    )  # fmt: skip
    canaries = json.loads(Path(pytester.path, "canaries.json").read_text(encoding="utf-8"))
    assert canaries["requests"], "no token request reached the echoing proxy"
    log = Path(pytester.path, "run.log").read_text(encoding="utf-8")
    assert "Token response is not in json format" in log  # MSAL did log the page: the test is live
    outputs = {"stdout": result.stdout.str(), "stderr": result.stderr.str(), "run.log": log}
    outputs.update(
        {name: Path(pytester.path, name).read_text(encoding="utf-8") for name in ("j.xml", "r.html", "r.json")}
    )
    secrets = [value for value in canaries["secrets"] if len(value) >= 8]
    assert secrets
    for name, text in outputs.items():
        for secret in secrets:
            assert secret not in text and secret[:16] not in text, f"a secret leaked into {name}"
        assert "refresh_token=" not in text or "refresh_token=[redacted]" in text


def test_a_record_of_any_logger_is_redacted_with_its_arguments_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    redact_logs.install()
    try:
        try:
            raise ValueError("client_secret=s3cr3t-value-1 in an exception")
        except ValueError:
            logging.getLogger("msal.some.child").exception("page: %s", "refresh_token=0.AAAA-canary&x=1")
    finally:
        redact_logs.uninstall()
    record = caplog.records[-1]
    assert record.getMessage() == "page: refresh_token=[redacted]&x=1"
    assert "s3cr3t" not in caplog.text and "canary" not in caplog.text and "client_secret=[redacted]" in caplog.text
    assert not getattr(logging.getLogRecordFactory(), "_ece_o365", False)  # put back


def test_ece_o365_login_against_an_echoing_proxy_logs_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    from cli.test_cli_login import CLIENT_SECRET, Browser, deployment_file, run

    from pytest_ece_o365.config.loader import load_config
    from pytest_ece_o365.plugin.source import packaged_example
    from pytest_ece_o365.sim import aad
    from pytest_ece_o365.sim.https import Response
    from pytest_ece_o365.sim.runner import start_simulator

    handle = aad.AadApp.handle
    bodies: list[bytes] = []

    def echo(self: aad.AadApp, request: Any) -> Response:
        if request.method == "POST" and request.path.endswith("/oauth2/v2.0/token"):
            bodies.append(request.body)
            return Response(
                200, b"<html>Proxy: your request was " + request.body + b"</html>", {"Content-Type": "text/html"}
            )
        return handle(self, request)

    caplog.set_level(logging.DEBUG)
    example = load_config(packaged_example())
    with start_simulator(example, "healthy") as sim:
        secret = sim.tenant.run_secrets[CLIENT_SECRET]
        monkeypatch.setenv(sim.env_names()[CLIENT_SECRET], secret)
        monkeypatch.setattr(aad.AadApp, "handle", echo)
        browser = Browser(capsys, sim.configure(example))
        config = deployment_file(tmp_path, sim)
        code, stdout, stderr = run(capsys, monkeypatch, browser, str(config), "--mailbox", "support@example.com",
                                   "--out", str(tmp_path / "t.rt"))  # fmt: skip
    assert bodies and code != 0  # the proxy page answered the redemption: the sign-in failed
    auth_code = parse_qs(urlsplit(browser.landed).query)["code"][0]
    assert any("not in json format" in record.getMessage() for record in caplog.records)  # MSAL logged the page
    for text in (stdout, stderr, caplog.text):
        assert secret not in text and auth_code not in text
