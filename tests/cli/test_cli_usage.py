"""``ece-o365`` usage errors: one line after the usage and the contract's exit code 4 (argparse's own is 2);
``monitor`` exits 3, a Nagios plugin's UNKNOWN. Also: every command redacts every library's log records."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from pytest_ece_o365.cli import main


@pytest.mark.parametrize(
    ("argv", "code", "said"),
    [
        ([], 4, "the following arguments are required: COMMAND"),
        (["merge", "--html", "out.html"], 4, "the following arguments are required: RESULTS.json"),
        (["report", "r.json"], 4, "the following arguments are required: --html"),
        (["login", "c.toml"], 4, "the following arguments are required: --mailbox"),
        (["sim", "--bogus"], 4, "unrecognized arguments: --bogus"),
        (["bundle", "--bogus"], 4, "unrecognized arguments: --bogus"),
        (["monitor"], 3, "the following arguments are required: RESULTS.json"),
        (["monitor", "r.json", "--format", "xml"], 3, "invalid choice: 'xml'"),
    ],
)
def test_a_usage_error_is_one_line_and_its_exit_code(
    argv: list[str], code: int, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == code
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ece-o365") and said in err[-1]
    assert not any("Traceback" in line for line in err)


def test_the_console_script_exits_4_on_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_ece_o365.cli", "merge"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 4, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("ece-o365 merge: error: ")


def test_every_command_redacts_library_log_records(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_ece_o365 import redact_logs
    from pytest_ece_o365.redact import remember

    canary = "CanarySecretValue-5f1c2b9e7a"
    remember(canary)
    try:
        assert main(["monitor", str(tmp_path / "missing.json")]) == 3  # any command: the factory is installed
        record = logging.getLogger("msal.application").makeRecord(
            "msal.application",
            logging.WARNING,
            __file__,
            1,
            "Token response is not in json format: %s",
            (canary,),
            None,
        )
        assert canary not in record.getMessage()
    finally:
        redact_logs.uninstall()
