"""``ece-o365 login`` against the simulated tenant: the test plays the browser of the private window.

The browser GETs the printed sign-in URL through the run's resolver and CA (no redirects followed) and
answers the prompt with the ``Location`` of the 302, as a user pastes the address ECE's page shows.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pytest_ece_o365.cli import CommandError, main
from pytest_ece_o365.cli.private_file import write_private
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.plugin.source import packaged_example
from pytest_ece_o365.probes.http import ResolvingHttpClient
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator

CLIENT_SECRET = "azure_ad.client_secret"
AUTHORIZE = re.compile(r"^(https://\S+/oauth2/v2\.0/authorize\?\S+)$", re.MULTILINE)


class Browser:
    """The private window: opens the printed URL and "pastes" where it lands (or a scripted answer)."""

    def __init__(self, capsys: pytest.CaptureFixture[str], cfg: DeploymentConfig, **options: Any) -> None:
        self.capsys = capsys
        self.cfg = cfg
        self.drop_prompt: bool = options.get("drop_prompt", False)  # a normal window: SSO may kick in
        self.answer: str | None = options.get("answer")
        self.printed = ""
        self.landed = ""

    def readline(self) -> str:
        self.printed += self.capsys.readouterr().out
        if self.answer is not None:
            return self.answer
        match = AUTHORIZE.search(self.printed)
        assert match, self.printed
        url = match.group(1).replace("&prompt=login", "") if self.drop_prompt else match.group(1)
        reply = ResolvingHttpClient(self.cfg.network, 10).get(url)
        if reply.status_code != 302:  # Entra shows the error on its own page: the user pastes its text
            found = re.search(r'<p id="error">(.*?)</p>', reply.text)
            return (found.group(1) if found else reply.text) + "\n"
        self.landed = reply.headers["location"]
        return self.landed + "\n"


@pytest.fixture(scope="module")
def example() -> DeploymentConfig:
    return load_config(packaged_example())


@pytest.fixture(scope="module")
def healthy(example: DeploymentConfig) -> Iterator[RunningSimulator]:
    with start_simulator(example, "healthy") as sim:
        yield sim


@pytest.fixture
def wrong_token_user(example: DeploymentConfig) -> Iterator[RunningSimulator]:
    with start_simulator(example, "wrong-token-user") as sim:
        yield sim


def deployment_file(tmp_path: Path, sim: RunningSimulator, **replace: str) -> Path:
    """The example with ``[o365]`` and ``[network]`` pointing at ``sim``; ``replace`` edits its text."""
    text = packaged_example().read_text(encoding="utf-8")
    head = text[: text.index("[o365]")]
    for old, new in replace.items():
        assert old in head
        head = head.replace(old, new)
    path = tmp_path / "prod.toml"
    path.write_text(head + sim.config_snippet(), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, browser: Browser | None,
        *argv: str) -> tuple[int, str, str]:  # fmt: skip
    if browser is not None:
        monkeypatch.setattr("sys.stdin", browser)
    code = main(["login", *argv])
    captured = capsys.readouterr()
    return code, (browser.printed if browser else "") + captured.out, captured.err


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch, healthy: RunningSimulator) -> str:
    value = healthy.tenant.run_secrets[CLIENT_SECRET]
    monkeypatch.setenv(healthy.env_names()[CLIENT_SECRET], value)
    return value


def redeem(sim: RunningSimulator, example: DeploymentConfig, refresh_token: str, scope: str) -> dict[str, Any]:
    cfg = sim.configure(example)
    reply = ResolvingHttpClient(cfg.network, 10).post(
        f"{cfg.o365.login}/{cfg.azure_ad.tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "refresh_token",
            "client_id": cfg.azure_ad.client_id,
            "client_secret": sim.tenant.run_secrets[CLIENT_SECRET],
            "refresh_token": refresh_token,
            "scope": scope,
        },
    )
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text
    assert "eyJ" not in text  # no JWT either


def test_healthy_sign_in_writes_an_owner_only_token_that_redeems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    healthy: RunningSimulator, example: DeploymentConfig, secret_env: str,
) -> None:  # fmt: skip
    config = deployment_file(tmp_path, healthy)
    browser = Browser(capsys, healthy.configure(example))
    out = tmp_path / "tokens" / "support.rt"
    code, stdout, stderr = run(capsys, monkeypatch, browser, str(config), "--mailbox", "Support@Example.com",
                               "--out", str(out))  # fmt: skip
    assert code == 0, stderr
    token = out.read_text(encoding="utf-8").strip()
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # the URL asked for exactly what ECE asks for: the account, a fresh prompt, IMAP + SMTP
    query = parse_qs(urlsplit(AUTHORIZE.search(stdout).group(1)).query)  # type: ignore[union-attr]
    assert query["login_hint"] == ["support@example.com"] and query["prompt"] == ["login"]
    assert "https://outlook.office.com/IMAP.AccessAsUser.All" in query["scope"][0].split()
    assert "private" in stdout.lower() and "support@example.com" in stdout
    assert 'refresh_token = { file = "tokens/support.rt" }' in stdout
    auth_code = parse_qs(urlsplit(browser.landed).query)["code"][0]
    assert_no_secret(stdout + stderr, token, secret_env, auth_code)
    result = redeem(healthy, example, token, "https://outlook.office.com/IMAP.AccessAsUser.All")
    assert "access_token" in result


def test_shared_mailbox_token_goes_to_the_configs_file_and_an_old_files_mode_is_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    healthy: RunningSimulator, example: DeploymentConfig, secret_env: str,
) -> None:  # fmt: skip
    config = deployment_file(
        tmp_path, healthy,
        **{'refresh_token = { env = "ECE_O365_RT_ECE_MAIL" }': 'refresh_token = { file = "tokens/ece-mail.rt" }'},
    )  # fmt: skip
    old = tmp_path / "tokens" / "ece-mail.rt"
    old.parent.mkdir()
    old.write_text("an old token\n", encoding="utf-8")
    old.chmod(0o644)
    browser = Browser(capsys, healthy.configure(example))
    code, stdout, stderr = run(capsys, monkeypatch, browser, str(config), "--mailbox", "sales@example.com")
    assert code == 0, stderr
    assert "sign in as ece-mail@example.com" in stdout  # the token_account, not the shared mailbox
    assert "login_hint=ece-mail%40example.com" in stdout
    token = old.read_text(encoding="utf-8").strip()
    assert token != "an old token"
    if os.name == "posix":
        assert stat.S_IMODE(old.stat().st_mode) == 0o600
    redeem(healthy, example, token, "https://outlook.office.com/POP.AccessAsUser.All")


def test_sso_pitfall_is_refused_naming_both_accounts_and_the_private_window_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    wrong_token_user: RunningSimulator, example: DeploymentConfig,
) -> None:  # fmt: skip
    sim = wrong_token_user
    monkeypatch.setenv(sim.env_names()[CLIENT_SECRET], sim.tenant.run_secrets[CLIENT_SECRET])
    config = deployment_file(tmp_path, sim)
    out = tmp_path / "support.rt"
    # A normal window (no prompt=login): Kerberos SSO signs the workstation's admin in silently.
    browser = Browser(capsys, sim.configure(example), drop_prompt=True)
    code, _, stderr = run(capsys, monkeypatch, browser, str(config), "--mailbox", "support@example.com",
                          "--out", str(out))  # fmt: skip
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1
    assert "admin@example.com" in lines[0] and "support@example.com" in lines[0]
    assert "private" in lines[0] and "single-sign-on" in lines[0]
    assert not out.exists()
    # What the command sends (prompt=login, the private window) gets the right account.
    browser = Browser(capsys, sim.configure(example))
    code, _, stderr = run(capsys, monkeypatch, browser, str(config), "--mailbox", "support@example.com",
                          "--out", str(out))  # fmt: skip
    assert code == 0, stderr
    assert out.exists()


@pytest.mark.parametrize(
    ("answer", "expected_code", "message"),
    [
        ("\n", 4, "nothing was pasted"),
        ("", 4, "nothing was pasted"),  # end of input
        ("https://ece.example.com/system/oauth/redirect\n", 4, "no code="),
        ("copy paste failed 1.AbCdEfGhIjKl\n", 4, "no code="),
        ("https://ece.example.com/system/oauth/redirect?code=1.ASECRETCODEVALUE&state=nope\n", 1, "different sign-in"),
        ("https://ece.example.com/system/oauth/redirect?error=invalid_request&error_description=AADSTS50011%3A+The+redirect+URI\n",
         1, "AADSTS50011: the redirect URI does not match"),
    ],
)  # fmt: skip
def test_a_bad_answer_is_one_line_that_does_not_repeat_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    healthy: RunningSimulator, example: DeploymentConfig, secret_env: str,
    answer: str, expected_code: int, message: str,
) -> None:  # fmt: skip
    config = deployment_file(tmp_path, healthy)
    browser = Browser(capsys, healthy.configure(example), answer=answer)
    code, stdout, stderr = run(capsys, monkeypatch, browser, str(config), "--mailbox", "support@example.com",
                               "--out", str(tmp_path / "x.rt"))  # fmt: skip
    assert code == expected_code
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], stderr
    assert "Traceback" not in stderr
    assert "SECRETCODE" not in stdout + stderr and "AbCdEfGhIjKl" not in stdout + stderr
    assert not (tmp_path / "x.rt").exists()


def test_redirect_uri_mismatch_pasted_from_microsofts_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    healthy: RunningSimulator, example: DeploymentConfig, secret_env: str,
) -> None:  # fmt: skip
    config = deployment_file(
        tmp_path, healthy,
        **{"https://ece.example.com/system/oauth/redirect": "https://ece.example.com/system/oauth/redirect/"},
    )  # fmt: skip
    browser = Browser(capsys, healthy.configure(example))
    code, _, stderr = run(capsys, monkeypatch, browser, str(config), "--mailbox", "support@example.com")
    assert code == 1
    assert "AADSTS50011" in stderr and "redirect URI" in stderr


def test_wrong_client_secret_fails_at_redemption_with_its_aadsts_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    healthy: RunningSimulator, example: DeploymentConfig,
) -> None:  # fmt: skip
    monkeypatch.setenv(healthy.env_names()[CLIENT_SECRET], "not-the-secret-value")
    config = deployment_file(tmp_path, healthy)
    browser = Browser(capsys, healthy.configure(example))
    out = tmp_path / "x.rt"
    code, stdout, stderr = run(capsys, monkeypatch, browser, str(config), "--mailbox", "support@example.com",
                               "--out", str(out))  # fmt: skip
    assert code == 1
    assert "AADSTS7000215" in stderr and "Value" in stderr
    assert "not-the-secret-value" not in stdout + stderr
    assert not out.exists()


def test_usage_errors_exit_4_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    healthy: RunningSimulator,
) -> None:  # fmt: skip
    config = deployment_file(tmp_path, healthy)
    monkeypatch.delenv(healthy.env_names()[CLIENT_SECRET], raising=False)
    cases = {
        "no [[mailboxes]] entry for nobody@example.com": ["--mailbox", "nobody@example.com"],
        "ECE_O365_CLIENT_SECRET is not set": ["--mailbox", "support@example.com"],
        "is a directory": ["--mailbox", "support@example.com", "--out", str(tmp_path)],
    }
    for message, argv in cases.items():
        code, _, stderr = run(capsys, monkeypatch, None, str(config), *argv)
        assert code == 4
        assert stderr.count("\n") == 1 and message in stderr, stderr
    broken = tmp_path / "broken.toml"
    broken.write_text(config.read_text(encoding="utf-8").replace('inbound = "pop3"', 'inbound = "pop"'))
    code, _, stderr = run(capsys, monkeypatch, None, str(broken), "--mailbox", "support@example.com")
    assert code == 4
    assert stderr.count("\n") == 1 and "broken.toml" in stderr and "mailboxes[1].inbound" in stderr


def test_windows_branch_restricts_the_acl_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    class Done:
        returncode = 0
        stdout = stderr = ""

    def fake_run(argv: list[str], **kwargs: Any) -> Done:
        calls.append(argv)
        assert Path(argv[1]).read_text() == ""  # empty until the ACL is cut down
        return Done()

    monkeypatch.setattr("subprocess.run", fake_run)
    target = tmp_path / "t.rt"
    write_private(target, "token\n", windows=True)
    assert target.read_text() == "token\n"
    assert calls[0][0].endswith(("System32\\icacls.exe", "System32/icacls.exe")) and calls[0][2:4] == [
        "/inheritance:r",
        "/grant:r",
    ]
    assert calls[0][4].endswith(":F")


def test_windows_branch_deletes_the_file_when_icacls_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Failed:
        returncode = 1332
        stdout = ""
        stderr = "No mapping between account names and security IDs was done."

    monkeypatch.setattr("subprocess.run", lambda argv, **kwargs: Failed())
    target = tmp_path / "t.rt"
    with pytest.raises(CommandError, match="icacls") as failure:
        write_private(target, "token\n", windows=True)
    assert failure.value.exit_code == 1
    assert not target.exists()


def test_an_unexpected_error_is_exit_3_with_one_redacted_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, healthy: RunningSimulator
) -> None:
    def boom(*args: Any) -> None:
        raise RuntimeError("bug while holding refresh_token=0.AVERYSECRETVALUE")

    monkeypatch.setattr("pytest_ece_o365.cli.login.find_mailbox", boom)
    code, _, stderr = run(capsys, monkeypatch, None, str(deployment_file(tmp_path, healthy)), "--mailbox", "a@b.c")
    assert code == 3
    assert stderr.count("\n") == 1 and "internal error" in stderr and "AVERYSECRETVALUE" not in stderr


def test_every_aadsts_advice_survives_redaction() -> None:
    from pytest_ece_o365.cli.login import AADSTS_ADVICE, aadsts_message
    from pytest_ece_o365.redact import redact

    for code in AADSTS_ADVICE:
        assert redact(aadsts_message(code)) == aadsts_message(code)


def test_spa_redirect_uri_fails_at_redemption_with_aadsts9002327(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, example: DeploymentConfig,
) -> None:  # fmt: skip
    # The command redeems like ECE, on the server (no Origin header): an SPA redirect URI is refused.
    with start_simulator(example, "redirect-uri-spa") as sim:
        monkeypatch.setenv(sim.env_names()[CLIENT_SECRET], sim.tenant.run_secrets[CLIENT_SECRET])
        browser = Browser(capsys, sim.configure(example))
        out = tmp_path / "x.rt"
        code, _, stderr = run(capsys, monkeypatch, browser, str(deployment_file(tmp_path, sim)),
                              "--mailbox", "support@example.com", "--out", str(out))  # fmt: skip
    assert code == 1 and not out.exists()
    assert "AADSTS9002327" in stderr and "Single-page application" in stderr and "Web platform" in stderr
    assert "9002325" not in stderr


def test_unknown_code_lookup_uses_the_clouds_own_login_host() -> None:
    from pytest_ece_o365.cli.login import aadsts_message

    assert "see https://login.microsoftonline.com/error?code=123456" in aadsts_message(123456)
    assert "https://login.partner.microsoftonline.cn/error?code=123456" in aadsts_message(
        123456, "https://login.partner.microsoftonline.cn"
    )
    assert "https://login.microsoftonline.us/error?code=1" in aadsts_message(1, "https://login.microsoftonline.us")


def test_every_aadsts_advice_has_a_source() -> None:
    from pytest_ece_o365.cli.login_advice import AADSTS_ADVICE, SOURCES

    assert set(SOURCES) == set(AADSTS_ADVICE)
    assert "9002327" not in SOURCES[9002327].ref and "#2482" in SOURCES[9002327].ref
