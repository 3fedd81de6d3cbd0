"""The deployment file's JSON Schema: shipped in the package, generated from the loader's own tables, takes the
example and refuses what the loader refuses (the loader's error cases, walked one by one)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from deployments import deployment_text
from test_config import MALFORMED

from pytest_ece_o365.config.loader import ConfigError, load_config
from pytest_ece_o365.config.schema import SCHEMA_FILE, deployment_schema, schema_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
VALIDATOR = jsonschema.Draft4Validator(deployment_schema(), format_checker=jsonschema.FormatChecker())


def as_json(value: Any) -> Any:
    """TOML as an editor's schema validator sees it (taplo): dates and times become their ISO text."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def errors(text: str) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(as_json(tomllib.loads(text)))]


def test_the_packaged_schema_is_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), "run: python -m pytest_ece_o365.config.schema"
    jsonschema.Draft4Validator.check_schema(json.loads(schema_text()))


def test_the_schema_is_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "deployment.schema.json" in pyproject["tool"]["setuptools"]["package-data"]["pytest_ece_o365"]


@pytest.mark.parametrize("path", [REPO / "example_config.toml", REPO / "pytest_ece_o365" / "example_config.toml"])
def test_the_examples_are_valid(path: Path) -> None:
    load_config(path)
    assert errors(path.read_text(encoding="utf-8")) == []


def test_the_test_deployment_and_every_optional_key_are_valid(tmp_path: Path) -> None:
    text = deployment_text() + FULL_EXTRAS
    path = tmp_path / "prod.toml"
    path.write_text(text, encoding="utf-8")
    load_config(path)
    assert errors(text) == []


FULL_EXTRAS = """
[o365]
cloud = "gcc-high"
login = "https://login.microsoftonline.us:443/"
graph = "https://graph.microsoft.us"
imap = "outlook.office365.us:993"
pop3 = "[2001:db8::1]:995"
smtp = "smtp.office365.us"
[network]
timeout = 2.5
nameservers = ["10.0.0.53", "127.0.0.1:5353", "::1", "[::1]:53"]
ca_bundle = "corp.pem"
[[waivers]]
check = "license.exchange"
target = "sales@example.com"
reason = "CHG1"
expires = 2027-03-31
[[waivers]]
check = "license.exchange"
reason = "CHG2"
expires = "2027-04-01"
"""

# What a schema cannot say (sameness ignoring letter case across array items): the loader alone refuses it.
LOADER_ONLY = {"duplicate-mailbox"}
# Not TOML at all: the editor's TOML parser underlines them before any schema applies.
NOT_TOML = {"toml-syntax", "table-vs-array"}


@pytest.mark.parametrize(("text", "key_path", "problem"), MALFORMED)
def test_the_schema_refuses_what_the_loader_refuses(
    tmp_path: Path, text: str, key_path: str, problem: str, request: pytest.FixtureRequest
) -> None:
    case = request.node.callspec.id
    path = tmp_path / "prod.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path)
    if case in NOT_TOML:
        with pytest.raises(tomllib.TOMLDecodeError):
            tomllib.loads(text)
    elif case in LOADER_ONLY:
        assert errors(text) == []
    else:
        assert errors(text), f"the schema takes what the loader refuses: {key_path}: {problem}"


MORE_LOADER_ERRORS = [
    (
        '[[mailboxes]]\naddress = "a@example.com"\ninbound = "imap"\naccess = "shared"\naccount = "b@example.com"\n',
        "account",
    ),
    ('[[mailboxes]]\naddress = "a@example.com"\ninbound = "imap"\ntoken_account = "nobody"\n', "token_account"),
    ('[[mailboxes]]\naddress = "a@example.com"\ninbound = "imap"\nrefresh_token = { env = "" }\n', "empty env"),
    ('[[mailboxes]]\naddress = "a@example.com"\ninbound = "imap"\nrefresh_token = {}\n', "no source"),
    ("[network]\ntimeout = 0\n", "timeout 0"),
    ("[network]\ntimeout = 601\n", "timeout 601"),
    ("[network]\ntimeout = true\n", "timeout bool"),
    ('[network]\nnameservers = ["10.0.0.53:0"]\n', "nameserver port 0"),
    ('[o365]\nlogin = "http://login.microsoftonline.com"\n', "http login"),
    ('[o365]\nsmtp = "smtp.office365.com:0"\n', "port 0"),
    ('[graph]\nclient_id = "  "\nclient_secret = { env = "G" }\n', "blank value"),
    ('[graph]\nclientid = "x"\nclient_secret = { env = "G" }\n', "typo in a table"),
    ('[[servers]]\nname = "a"\n', "server without role"),
    ('[[waivers]]\ncheck = "license.exchange"\nreason = "x"\n', "waiver without expires"),
    ('[[waivers]]\ncheck = "license.exchange"\nreason = "x"\nexpires = 2027-03-31T10:00:00\n', "waiver date-time"),
    ('[[waivers]]\ncheck = "license.exchange"\nreason = "x"\nexpires = "2027-13-01"\n', "waiver month 13"),
    ('[graph]\nclient_id = "x"\n', "graph without secret"),
]


@pytest.mark.parametrize(("extra", "what"), MORE_LOADER_ERRORS, ids=[what for _, what in MORE_LOADER_ERRORS])
def test_more_of_the_loaders_errors_are_the_schemas(tmp_path: Path, extra: str, what: str) -> None:
    text = deployment_text() + "\n" + extra
    path = tmp_path / "prod.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path)
    assert errors(text), what


TAPLO = shutil.which("taplo", path=str(Path(sys.executable).parent)) or shutil.which("taplo")
needs_taplo = pytest.mark.skipif(TAPLO is None, reason="taplo is not installed (.ci/install.d/fleet.sh installs it)")


def taplo_check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    """What Even Better TOML underlines: taplo with the file's own ``#:schema`` line."""
    assert TAPLO is not None
    shutil.copy(SCHEMA_FILE, tmp_path / "deployment.schema.json")
    (tmp_path / "prod.toml").write_text("#:schema ./deployment.schema.json\n" + text, encoding="utf-8")
    env = {**os.environ, "RUST_LOG": "error"}
    return subprocess.run([TAPLO, "check", "prod.toml"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


@needs_taplo
def test_taplo_takes_the_example_with_its_dates(tmp_path: Path) -> None:
    done = taplo_check(tmp_path, (REPO / "example_config.toml").read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stdout + done.stderr


@needs_taplo
@pytest.mark.parametrize(("text", "key_path", "problem"), MALFORMED)
def test_taplo_underlines_what_the_loader_refuses(
    tmp_path: Path, text: str, key_path: str, problem: str, request: pytest.FixtureRequest
) -> None:
    done = taplo_check(tmp_path, text)
    if request.node.callspec.id in LOADER_ONLY:
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        assert done.returncode != 0, f"taplo takes what the loader refuses: {key_path}: {problem}"
