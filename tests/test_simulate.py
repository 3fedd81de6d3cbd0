"""``--ece-simulate``: the zero-setup run against the simulated tenant, and nothing left behind."""

from __future__ import annotations

import os
import threading

import pytest


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def test_simulate_without_a_file_uses_the_packaged_example(pytester: pytest.Pytester) -> None:
    before = _threads()
    result = pytester.runpytest("--ece-simulate")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*deployment file the packaged example (--ece-simulate without a file)*",
            "*simulated Office 365 tenant, scenario healthy*",
        ]
    )
    assert _threads() - before == set()
    # the simulator hands its secrets over in memory: nothing was put in the environment
    assert not [name for name in os.environ if name.startswith("ECE_O365_")]


def test_unknown_scenario_is_a_usage_error_listing_the_names(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--ece-simulate=imap-disabledd")
    assert result.ret == 4
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1
    assert 'unknown scenario "imap-disabledd"; valid: healthy, broken,' in errors[0]
    assert "imap-disabled," in errors[0]


def test_scenario_the_file_cannot_host_is_a_usage_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "imap-only.toml").write_text(
        '[ece]\nversion = "12.6(1)"\n[azure_ad]\ntenant = "example.onmicrosoft.com"\n'
        'client_id = "11111111-2222-3333-4444-555555555555"\nclient_secret = { env = "X" }\n'
        'redirect_uri = "https://ece.example.com/x"\n'
        '[[mailboxes]]\naddress = "support@example.com"\ninbound = "imap"\n',
        encoding="utf-8",
    )
    result = pytester.runpytest("--ece-config", "imap-only.toml", "--ece-simulate=pop-disabled")
    assert result.ret == 4


def test_simulator_stops_after_an_internal_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("def pytest_collection_finish(session):\n    raise RuntimeError('boom')\n")
    before = _threads()
    result = pytester.runpytest("--ece-simulate")
    assert result.ret == pytest.ExitCode.INTERNAL_ERROR
    assert _threads() - before == set()


def test_simulator_stops_after_ctrl_c(pytester: pytest.Pytester) -> None:
    # In a subprocess, so that the interrupt stays there; atexit runs after pytest's cleanups.
    pytester.makeconftest(
        "import atexit, threading\n"
        "atexit.register(lambda: print('alive threads:', [t.name for t in threading.enumerate()"
        " if t is not threading.main_thread()]))\n"
        "def pytest_collection_finish(session):\n    raise KeyboardInterrupt\n"
    )
    result = pytester.runpytest_subprocess("--ece-simulate")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["alive threads: []"])


RECORD_CONFTEST = """
import json
from pytest_ece_o365.plugin.session import SESSION_KEY

def pytest_sessionfinish(session):
    recorder = session.config.stash[SESSION_KEY].simulator.recorder
    with open("recorded.json", "w") as out:
        json.dump({"commands": recorder.commands(), "mutations": recorder.mutations()}, out)
"""


def _recorded(pytester: pytest.Pytester, *args: str) -> dict[str, list[list[object]]]:
    import json

    pytester.makeconftest(RECORD_CONFTEST)
    pytester.runpytest("--ece-simulate", *args)
    return json.loads((pytester.path / "recorded.json").read_text())


def test_application_role_redeems_no_token_and_opens_no_mailbox(pytester: pytest.Pytester) -> None:
    recorded = _recorded(pytester, "--ece-role", "application")
    lines = [f"{protocol} {line}" for protocol, _session, line in recorded["commands"]]
    assert not [line for line in lines if "grant_type=refresh_token" in line]
    # IMAP and POP3 are reached (TAC: 993/995 from every role), never logged in to
    mail = [line for line in lines if line.split(" ", 1)[0] in ("imap", "pop3")]
    assert {line.split(" ", 1)[0] for line in mail} == {"imap", "pop3"}
    assert not [line for line in mail if any(word in line for word in ("AUTHENTICATE", "AUTH ", "EXAMINE", "STAT"))]
    assert any(line.startswith("dns ") for line in lines)  # the recorder did see the run


def test_a_whole_run_mutates_no_mailbox(pytester: pytest.Pytester) -> None:
    assert _recorded(pytester)["mutations"] == []
