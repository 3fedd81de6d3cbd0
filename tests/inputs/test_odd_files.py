"""Odd files and odd values (issue 12 items 4, 7, 16): a FIFO, /dev/zero, a directory, a huge file, NUL
bytes, non-UTF-8, deep nesting, control characters — each one exit-4 line naming the file, never a hang,
a crash or a forged terminal line."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from deployments import deployment_text

from pytest_ece_o365.cli import main
from pytest_ece_o365.config.loader import ConfigError, load_config
from pytest_ece_o365.files import CONFIG_LIMIT, RESULTS_LIMIT, read_bounded
from pytest_ece_o365.printable import printable
from pytest_ece_o365.probes.tcp import ProbeError
from pytest_ece_o365.probes.tls import trust_store
from pytest_ece_o365.secret import SecretRef, SecretUnavailable

T = TypeVar("T")
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


def ends(call: Callable[[], T]) -> T | BaseException:
    """What ``call`` returns or raises, in a thread that must end (a FIFO read blocks for ever)."""
    outcome: list[T | BaseException] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # the outcome under test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "it blocked"
    return outcome[0]


def fifo(tmp_path: Path, name: str = "pipe") -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def one_line_config_error(path: Path, problem: str) -> None:
    error = ends(lambda: load_config(path))
    assert isinstance(error, ConfigError), error
    message = str(error)
    assert "\n" not in message and message.startswith(str(path)) and problem in message, message


@POSIX
def test_a_fifo_as_deployment_file_is_refused_not_read(tmp_path: Path) -> None:
    one_line_config_error(fifo(tmp_path, "prod.toml"), "a FIFO (named pipe), not a regular file")


@POSIX
def test_dev_zero_and_a_directory_are_refused() -> None:
    one_line_config_error(Path("/dev/zero"), "a character device, not a regular file")
    one_line_config_error(Path("/tmp"), "a directory, not a regular file")


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "prod.toml"
    path.write_bytes(deployment_text().encode() + b"#" * CONFIG_LIMIT)
    one_line_config_error(path, "larger than 1 MiB")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [(b'[ece]\nversion = "12.6\x00(1)"\n', "TOML syntax error"), (b'[deployment]\nname = "\xff"\n', "not UTF-8")],
    ids=["nul", "not-utf-8"],
)
def test_nul_bytes_and_non_utf8_are_one_line(tmp_path: Path, raw: bytes, problem: str) -> None:
    path = tmp_path / "prod.toml"
    path.write_bytes(raw)
    one_line_config_error(path, problem)


@pytest.mark.parametrize("depth", [450, 5000])
def test_deeply_nested_arrays_are_one_line_not_a_recursion_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "prod.toml"
    path.write_text(deployment_text() + f"\n[network]\nnameservers = {'[' * depth}{']' * depth}\n", encoding="utf-8")
    error = ends(lambda: load_config(path))
    assert isinstance(error, ConfigError), repr(error)[:200]
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("old", "new", "key_path"),
    [
        ('client_secret = { env = "ECE_O365_TEST_CLIENT_SECRET" }', 'client_secret = { file = "rt\\u0000x" }',
         "azure_ad.client_secret.file"),
        ('name = "', 'name = "\\u001b[2K\\rece-o365: all checks passed\\u202e', "deployment.name"),
    ],
    ids=["nul-in-a-secret-file-path", "ansi-and-bidi-in-the-name"],
)  # fmt: skip
def test_control_characters_in_values_are_refused_and_never_printed_raw(
    tmp_path: Path, old: str, new: str, key_path: str
) -> None:
    text = deployment_text()
    assert old in text
    path = tmp_path / "prod.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert f": {key_path}: holds a control or bidi character" in message
    assert printable(message) == message  # nothing left for a terminal to act on


def test_printable_escapes_what_a_terminal_would_act_on() -> None:
    assert printable("a\x1b[31mb\r\n\x9b\u202ec\x00") == "a\\x1b[31mb\\r\\n\\x9b\\u202ec\\x00"
    assert printable("Contoso (prod) ü 日本") == "Contoso (prod) ü 日本"


def test_a_deployment_file_named_with_an_escape_does_not_carry_it_into_the_name(tmp_path: Path) -> None:
    path = tmp_path / "prod\x1b[2K.toml"
    path.write_text(deployment_text().replace('[deployment]\nname = "Contoso (prod)"\n', ""), encoding="utf-8")
    name = load_config(path).name
    assert "\x1b" not in name and printable(name) == name


@POSIX
@pytest.mark.parametrize("source", ["fifo", "/dev/zero", "dir"])
def test_a_secret_file_that_is_no_regular_file_is_unavailable_not_a_hang(tmp_path: Path, source: str) -> None:
    path = fifo(tmp_path) if source == "fifo" else tmp_path if source == "dir" else Path(source)
    error = ends(lambda: SecretRef("mailboxes[0].refresh_token", file=path).load())
    assert isinstance(error, SecretUnavailable), error
    assert "not a regular file" in str(error) or "larger than" in str(error)


def test_a_secret_file_with_a_nul_byte_is_not_text(tmp_path: Path) -> None:
    (tmp_path / "rt").write_bytes(b"token\x00value")
    with pytest.raises(SecretUnavailable, match="NUL byte"):
        SecretRef("mailboxes[0].refresh_token", file=tmp_path / "rt").load()


@POSIX
@pytest.mark.parametrize("source", ["fifo", "/dev/zero", "empty", "nul-path"])
def test_a_ca_bundle_that_cannot_be_read_is_a_finding_not_a_hang(tmp_path: Path, source: str) -> None:
    (tmp_path / "empty.pem").write_text("", encoding="utf-8")
    paths = {"/dev/zero": Path("/dev/zero"), "empty": tmp_path / "empty.pem", "nul-path": Path("corp\x00.pem")}
    path = fifo(tmp_path) if source == "fifo" else paths[source]
    error = ends(lambda: trust_store(path))
    assert isinstance(error, ProbeError) and error.error == "ca-bundle-invalid", error


@POSIX
@pytest.mark.parametrize("source", ["fifo", "nested", "huge"])
def test_merge_refuses_odd_results_files_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    if source == "fifo":
        path = fifo(tmp_path, "svc.json")
    else:
        path = tmp_path / "svc.json"
        with path.open("wb") as handle:
            if source == "nested":
                handle.write(b"[" * 100_000 + b"]" * 100_000)
            else:
                handle.truncate(RESULTS_LIMIT + 1)
    code = ends(lambda: main(["merge", str(path), "--html", str(tmp_path / "m.html")]))
    assert code == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "svc.json" in err[0], err


def test_read_bounded_reads_a_regular_file_whole(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(json.dumps({"a": 1}), encoding="utf-8")
    assert read_bounded(tmp_path / "r.json", 100) == b'{"a": 1}'
