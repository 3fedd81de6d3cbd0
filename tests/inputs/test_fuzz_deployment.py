"""Hypothesis fuzz of the deployment loader (issue 12): whatever the file holds, loading it gives a
deployment or one ConfigError line naming the file — never another exception."""

from __future__ import annotations

import json
import re
from pathlib import Path

from deployments import deployment_text
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import ConfigError, load_config

BASE = deployment_text()
LINES = BASE.splitlines()
ASSIGNMENTS = [index for index, line in enumerate(LINES) if re.match(r"^\w+ = ", line)]
TABLES = ["deployment", "ece", "azure_ad", "graph", "o365", "network", "[servers]", "[mailboxes]", "[waivers]"]
KEYS = ["name", "version", "engineering_specials", "external_url", "admin_console_url", "java_home", "role",
        "tenant", "client_id", "client_secret", "redirect_uri", "address", "inbound", "access", "account",
        "token_account", "refresh_token", "cloud", "login", "imap", "pop3", "smtp", "graph", "timeout",
        "nameservers", "ca_bundle", "check", "target", "reason", "expires", "env", "file"]  # fmt: skip

scalars = st.one_of(
    st.text(max_size=40).map(json.dumps),
    st.sampled_from(["https://", "https://a@b", "host:99999", "::1", "[::1]:53", "12.6(1)", "ES12_ET1",
                     "C:\\\\x", "..", "/dev/zero", "2027-01-01", "imap", "shared", "global"]).map(json.dumps),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: {"inf": "inf", "-inf": "-inf"}.get(repr(f), repr(f)))
    .map(lambda text: "nan" if text == "nan" else text),
    st.sampled_from(["true", "false", "2027-01-01", "1979-05-27T07:32:00Z", "07:32:00", "{}", "[]"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=3).map(
            lambda pairs: "{ " + ", ".join(f"{k} = {v}" for k, v in dict(pairs).items()) + " }"
        ),
    ),
    max_leaves=8,
)
edits = st.lists(st.tuples(st.sampled_from(ASSIGNMENTS), values), max_size=4)
extra = st.lists(
    st.tuples(st.sampled_from(TABLES), st.lists(st.tuples(st.sampled_from(KEYS), values), max_size=3)), max_size=2
)


def document(changes: list[tuple[int, str]], tables: list[tuple[str, list[tuple[str, str]]]]) -> str:
    lines = list(LINES)
    for index, value in changes:
        key = lines[index].split(" = ", 1)[0]
        lines[index] = f"{key} = {value}"
    for table, pairs in tables:
        lines.append(f"[{table}]")
        lines += [f"{key} = {value}" for key, value in dict(pairs).items()]
    return "\n".join(lines) + "\n"


def loads_or_one_line(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        config = load_config(path)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message and "\r" not in message, message
        assert "\x1b" not in message
    else:
        assert isinstance(config, DeploymentConfig)


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(changes=edits, tables=extra)
@example(changes=[(ASSIGNMENTS[0], "[" * 600 + "]" * 600)], tables=[])
def test_a_mutated_deployment_file_loads_or_gives_one_exit_4_line(
    tmp_path: Path, changes: list[tuple[int, str]], tables: list[tuple[str, list[tuple[str, str]]]]
) -> None:
    loads_or_one_line(tmp_path / "prod.toml", document(changes, tables).encode("utf-8"))


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace"))))
def test_arbitrary_bytes_load_or_give_one_exit_4_line(tmp_path: Path, data: bytes) -> None:
    loads_or_one_line(tmp_path / "prod.toml", data)


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(BASE)), junk=st.text(max_size=20))
def test_a_truncated_or_spliced_file_loads_or_gives_one_exit_4_line(tmp_path: Path, cut: int, junk: str) -> None:
    loads_or_one_line(tmp_path / "prod.toml", (BASE[:cut] + junk + BASE[cut:]).encode("utf-8", "replace"))
