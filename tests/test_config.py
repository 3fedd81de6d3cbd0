"""The deployment file: what loads, and one clear line naming file and key path for what does not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from deployments import deployment_text

from pytest_ece_o365.config.deployment import EceVersion, Endpoint
from pytest_ece_o365.config.loader import ConfigError, load_config
from pytest_ece_o365.knowledge import EsLevel
from pytest_ece_o365.secret import Secret, SecretSource, SecretUnavailable

EXAMPLE = Path(__file__).parent.parent / "example_config.toml"
PACKAGED_EXAMPLE = Path(__file__).parent.parent / "pytest_ece_o365" / "example_config.toml"


def test_example_config_loads_and_is_the_packaged_one() -> None:
    config = load_config(EXAMPLE)
    assert config.name == "Contoso contact center (example)"
    assert EXAMPLE.read_text() == PACKAGED_EXAMPLE.read_text()


def test_full_file_is_read_into_typed_values(write_deployment) -> None:
    path = write_deployment(
        extra="""
[graph]
client_id = "66666666-7777-8888-9999-000000000000"
client_secret = { file = "graph.secret" }

[o365]
cloud = "gcc-high"
smtp = "smtp.example.test:2587"

[network]
timeout = 3
nameservers = ["10.0.0.53", "127.0.0.1:5353", "[::1]:53"]

[[waivers]]
check = "license.exchange"
target = "sales@example.com"
reason = "Shared mailbox; licence waived"
expires = 2027-03-31
"""
    )
    config = load_config(path)
    assert config.ece.version == EceVersion(12, 6, 1)
    assert config.ece.engineering_specials == (EsLevel(10),)
    assert [m.inbound for m in config.mailboxes] == ["imap", "pop3"]
    sales = config.mailboxes[1]
    assert sales.token_user == "ece-mail@example.com"
    assert sales.refresh_token is not None and sales.refresh_token.file == path.parent / "tokens" / "ece-mail.rt"
    assert config.graph is not None and config.graph.client_secret.file == path.parent / "graph.secret"
    # the cloud preset fills every endpoint the file does not override
    assert config.o365.login == "https://login.microsoftonline.us"
    assert config.o365.imap == Endpoint("outlook.office365.us", 993)
    assert config.o365.smtp == Endpoint("smtp.example.test", 2587)
    assert config.network.timeout == 3.0
    assert config.network.nameservers == (
        Endpoint("10.0.0.53", 53),
        Endpoint("127.0.0.1", 5353),
        Endpoint("::1", 53),
    )
    assert config.waivers[0].expires == dt.date(2027, 3, 31)


@pytest.mark.parametrize(
    ("text", "expected"), [("12.6(1)", (12, 6, 1)), ("12.6.1", (12, 6, 1)), ("11.6(1)", (11, 6, 1))]
)
def test_version_accepts_both_spellings(text: str, expected: tuple[int, int, int]) -> None:
    assert EceVersion.parse(text) == EceVersion(*expected)
    assert str(EceVersion.parse(text)) == f"{expected[0]}.{expected[1]}({expected[2]})"


def test_secret_never_shows_its_value(monkeypatch: pytest.MonkeyPatch, write_deployment) -> None:
    monkeypatch.setenv("ECE_O365_TEST_CLIENT_SECRET", "very-secret-value-123")
    config = load_config(write_deployment())
    secret = SecretSource().get(config.azure_ad.client_secret)
    assert isinstance(secret, Secret)
    assert secret.reveal() == "very-secret-value-123"
    for shown in (str(secret), repr(secret), f"{secret}", repr([secret])):
        assert "very-secret" not in shown and "[redacted]" in shown


def test_missing_secret_source_is_reported_not_raised_at_load(write_deployment) -> None:
    config = load_config(write_deployment())  # the env var and the token file do not exist: still loads
    with pytest.raises(SecretUnavailable, match=r"mailboxes\[1\]\.refresh_token: cannot read file"):
        SecretSource().get(config.mailboxes[1].refresh_token)  # type: ignore[arg-type]
    with pytest.raises(SecretUnavailable, match="environment variable ECE_O365_TEST_CLIENT_SECRET is not set"):
        SecretSource().get(config.azure_ad.client_secret)


def test_supplied_secrets_win_over_the_environment(write_deployment) -> None:
    config = load_config(write_deployment())
    source = SecretSource({"azure_ad.client_secret": Secret("minted-by-simulator")})
    assert source.get(config.azure_ad.client_secret).reveal() == "minted-by-simulator"


def _replace(old: str, new: str) -> str:
    text = deployment_text()
    assert old in text, old
    return text.replace(old, new, 1)


MALFORMED = [
    pytest.param(deployment_text() + "\n[ece\n", "", "TOML syntax error", id="toml-syntax"),
    pytest.param(deployment_text() + "\n[ecee]\nversion = 1\n", "ecee", "unknown key", id="unknown-table"),
    pytest.param(_replace('inbound = "pop3"', 'inbund = "pop3"'), "mailboxes[1].inbund", "unknown key", id="typo-key"),
    pytest.param(_replace('inbound = "pop3"', 'inbound = "imapp"'), "mailboxes[1].inbound", '"imapp" is not one of imap, pop3', id="bad-enum"),
    pytest.param(deployment_text() + "\n[network]\ntimeout = \"ten\"\n", "network.timeout", "expected seconds", id="wrong-type"),
    pytest.param(_replace('client_secret = { env = "ECE_O365_TEST_CLIENT_SECRET" }', 'client_secret = "Sup3r-S3cret~value"'), "azure_ad.client_secret", 'give it as { env = "NAME" } or { file = "PATH" }', id="plain-secret"),
    pytest.param(_replace('version = "12.6(1)"', 'version = "twelve"'), "ece.version", '"twelve" is not an ECE version', id="bad-version"),
    pytest.param(_replace('address = "sales@example.com"', 'address = "Support@example.com"'), "mailboxes[1].address", "is already mailboxes[0]", id="duplicate-mailbox"),
    pytest.param(_replace('tenant = "example.onmicrosoft.com"\n', ""), "azure_ad.tenant", "is required", id="missing-required"),
    pytest.param(_replace('engineering_specials = ["ES10"]', 'engineering_specials = ["ES10", "SP2"]'), "ece.engineering_specials[1]", '"SP2" is not an Engineering Special', id="bad-es"),
    pytest.param(_replace('{ env = "ECE_O365_TEST_CLIENT_SECRET" }', '{ env = "A", file = "b" }'), "azure_ad.client_secret", "give exactly one of env or file", id="secret-both-sources"),
    pytest.param(deployment_text() + '\n[[waivers]]\ncheck = "licence.exchange"\nreason = "x"\nexpires = 2027-01-01\n', "waivers[0].check", '"licence.exchange" is not a check id', id="waiver-unknown-check"),
    pytest.param(deployment_text() + '\n[[waivers]]\ncheck = "license.exchange"\nreason = "x"\nexpires = "soon"\n', "waivers[0].expires", "is not a date", id="waiver-bad-date"),
    pytest.param(_replace('role = "application"', 'role = "app"'), "servers[1].role", '"app" is not one of services, application', id="bad-role"),
    pytest.param(deployment_text() + '\n[network]\nnameservers = ["dns.example.com"]\n', "network.nameservers[0]", "is not an IP address", id="bad-nameserver"),
    pytest.param(deployment_text() + '\n[o365]\ncloud = "germany"\n', "o365.cloud", '"germany" is not one of global, gcc-high, dod, china', id="bad-cloud"),
    pytest.param(deployment_text() + '\n[o365]\nimap = "outlook.office365.com:99999"\n', "o365.imap", "outside 1-65535", id="bad-port"),
    pytest.param(_replace('address = "support@example.com"', 'address = "support"'), "mailboxes[0].address", "is not an e-mail address", id="bad-address"),
    pytest.param(deployment_text() + '\n[o365]\nlogin = "https://login.microsoftonline.com:99999"\n', "o365.login", "is not an https:// URL", id="bad-login-port"),
    pytest.param(_replace('version = "12.6(1)"', 'version = "12.6\\n(1)"'), "ece.version", "holds a control or bidi character (\\n)", id="newline-in-value"),
    pytest.param(_replace("[[mailboxes]]\naddress = \"support@example.com\"", "[mailboxes]\naddress = \"support@example.com\""), "", "TOML syntax error", id="table-vs-array"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key_path", "problem"), MALFORMED)
def test_malformed_file_names_file_key_path_and_problem(tmp_path: Path, text: str, key_path: str, problem: str) -> None:
    path = tmp_path / "prod.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key_path}: " if key_path else f"{path}: ")
    assert problem in message
    assert "Sup3r-S3cret" not in message


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read the file"):
        load_config(tmp_path / "nope.toml")


def test_file_with_a_utf8_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "prod.toml"
    path.write_bytes(b"\xef\xbb\xbf" + deployment_text().encode())
    assert load_config(path).ece.version == EceVersion(12, 6, 1)


def test_windows_paths_are_absolute_on_any_system(tmp_path: Path) -> None:
    path = tmp_path / "prod.toml"
    path.write_text(deployment_text() + "\n[network]\nca_bundle = 'C:\\certs\\corp-root.pem'\n", encoding="utf-8")
    config = load_config(path)  # a -m static run on a Linux CI must not fail on a Windows server's path
    assert str(config.network.ca_bundle) == "C:\\certs\\corp-root.pem"


def test_bare_ipv6_nameserver(tmp_path: Path) -> None:
    path = tmp_path / "prod.toml"
    path.write_text(deployment_text() + '\n[network]\nnameservers = ["::1", "[::1]:5353"]\n', encoding="utf-8")
    assert load_config(path).network.nameservers == (Endpoint("::1", 53), Endpoint("::1", 5353))


@pytest.mark.parametrize(
    "raw",
    [b"token-value-123\n", b"\xef\xbb\xbftoken-value-123\r\n", "token-value-123\r\n".encode("utf-16")],
    ids=["utf-8", "utf-8-bom", "utf-16"],
)
def test_secret_files_in_windows_encodings(tmp_path: Path, raw: bytes) -> None:
    from pytest_ece_o365.secret import SecretRef

    (tmp_path / "rt").write_bytes(raw)
    assert SecretRef("mailboxes[0].refresh_token", file=tmp_path / "rt").load().reveal() == "token-value-123"


def test_binary_secret_file_is_unavailable_not_a_crash(tmp_path: Path) -> None:
    from pytest_ece_o365.secret import SecretRef

    (tmp_path / "rt").write_bytes(b"\x80\x81\xfe")
    with pytest.raises(SecretUnavailable, match="is not text"):
        SecretRef("mailboxes[0].refresh_token", file=tmp_path / "rt").load()
