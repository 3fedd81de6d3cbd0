"""``ece-o365 monitor``: one test per exit code and format (contract §1), Prometheus output parsed by
prometheus_client's own parser."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pytest_ece_o365.cli import main
from pytest_ece_o365.report.results import ResultRow, RunInfo, results_document

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def results(tmp_path: Path, rows: list[ResultRow], *, age_h: float = 1, **extra: Any) -> Path:
    info = RunInfo("ece-svc01", ("services",), "Contoso", "12.6(1)", (), "example.onmicrosoft.com",
                   NOW - dt.timedelta(hours=age_h))  # fmt: skip
    document = {**results_document(info, rows), **extra}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def row(check: str, status: Any, target: str = "support@example.com") -> ResultRow:
    owner = None if status in ("passed", "skipped") else "ece-admin"
    return ResultRow(check, target, status, "Token", check, "seen", owner=owner, duration_s=0.5)


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def expiry(kind: str, target: str, days: float, redeemed_days_ago: float | None = None) -> dict[str, Any]:
    item = {"kind": kind, "target": target, "expires": stamp(NOW + dt.timedelta(days=days))}
    if redeemed_days_ago is not None:
        item["last_redeemed"] = stamp(NOW - dt.timedelta(days=redeemed_days_ago))
    return item


PASSING = [row("token.refresh", "passed"), row("network.dns", "passed", "login.microsoftonline.com")]


def monitor(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    code = main(["monitor", *map(str, argv)])
    return code, capsys.readouterr().out


def test_nagios_ok_is_exit_0_with_perfdata(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = monitor(capsys, results(tmp_path, PASSING))
    assert code == 0
    assert out.startswith("ECE-O365 OK - ece-svc01: 2 passed, verdict PASS | passed=2 failed=0 advisory=0 ")
    assert out.count("\n") == 1 and re.search(r" age=36\d\ds$", out.strip())


def test_nagios_advisory_is_warning_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = monitor(capsys, results(tmp_path, [*PASSING, row("azure_app.client_secret", "advisory", "")]))
    assert code == 1
    assert out.startswith("ECE-O365 WARNING - ece-svc01: 1 advisory (azure_app.client_secret) |")


def test_an_expiry_within_warn_days_is_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = results(tmp_path, PASSING, expiry=[expiry("refresh_token", "support@example.com", 20, 70)])
    code, out = monitor(capsys, path)
    assert code == 1 and "a refresh token expires in 20 days" in out and "refresh_token_days=20.0;30:;0:" in out
    code, out = monitor(capsys, path, "--warn-days", "10")
    assert code == 0, out


def test_nagios_failure_is_critical_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*PASSING, row("token.refresh", "failed", "sales@example.com"), row("azure_app.client_secret", "advisory")]
    code, out = monitor(capsys, results(tmp_path, rows))
    assert code == 2
    assert out.startswith("ECE-O365 CRITICAL - ece-svc01: 1 failed (token.refresh sales@example.com) | ")
    assert "failed=1 advisory=1" in out


def test_an_expired_secret_is_critical(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = results(tmp_path, PASSING, expiry=[expiry("client_secret", "app 1111 secret prod", -1)])
    code, out = monitor(capsys, path)
    assert code == 2 and "a client secret has expired" in out


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"{not json", "not a JSON results file"),
        (b'{"schema": "other/1", "results": []}', "schema is 'other/1'"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_an_unreadable_file_is_unknown_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, said: str
) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(content)
    code, out = monitor(capsys, path)
    assert code == 3 and out.startswith(f"ECE-O365 UNKNOWN - {path}: {said}")
    code, out = monitor(capsys, tmp_path / "missing.json")
    assert code == 3 and "cannot read the file" in out
    code, out = monitor(capsys, tmp_path)  # a folder
    assert code == 3 and "UNKNOWN" in out


def test_a_stale_file_is_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = results(tmp_path, [*PASSING, row("token.refresh", "failed", "x@example.com")], age_h=30)
    code, out = monitor(capsys, path, "--max-age", "26")
    assert code == 3 and "the results are 30.0 hours old (--max-age 26): no fresh run" in out
    assert monitor(capsys, path)[0] == 2  # without --max-age the failure counts


def test_an_incomplete_or_empty_run_is_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    skipped = ResultRow("token.refresh", "a@example.com", "skipped", "Token", "t", "ECE_O365_RT_A is not set")
    code, out = monitor(capsys, results(tmp_path, [*PASSING, skipped]))
    assert code == 3 and "INCOMPLETE" in out
    code, out = monitor(capsys, results(tmp_path, []))
    assert code == 3 and "executed no check" in out


def test_a_bad_option_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["monitor", str(tmp_path / "r.json"), "--max-age", "soon"])
    assert stop.value.code == 2 or stop.value.code == 4
    assert "'soon' is not a number of hours" in capsys.readouterr().err


def families(text: str) -> dict[str, list[Any]]:
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def test_prometheus_metrics_parse_and_hold_every_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*PASSING, row("token.refresh", "failed", 'odd"name\\@example.com')]
    forecasts = [expiry("client_secret", "app 1111 secret prod", 200), expiry("refresh_token", "a@example.com", 80, 10)]
    out_file = tmp_path / "textfile" / "ece_o365.prom"
    code = main(
        ["monitor", str(results(tmp_path, rows, expiry=forecasts)), "--format", "prometheus", "--out", str(out_file)]
    )
    assert code == 2 and capsys.readouterr().out == ""
    assert not [p for p in out_file.parent.iterdir() if p.name != "ece_o365.prom"]  # no temporary file left
    parsed = families(out_file.read_text(encoding="utf-8"))
    assert [s.value for s in parsed["ece_o365_monitor_state"]] == [2]
    statuses = {(s.labels["check"], s.labels["target"], s.labels["status"]) for s in parsed["ece_o365_check_status"]}
    assert ("token.refresh", 'odd"name\\@example.com', "failed") in statuses and len(statuses) == 3
    verdicts = {s.labels["verdict"]: s.value for s in parsed["ece_o365_verdict"]}
    assert verdicts == {"PASS": 0, "FAIL": 1, "INCOMPLETE": 0}
    (secret,) = parsed["ece_o365_client_secret_expiry_timestamp_seconds"]
    assert secret.value == (NOW + dt.timedelta(days=200)).timestamp() and secret.labels["host"] == "ece-svc01"
    (age,) = parsed["ece_o365_refresh_token_age_seconds"]
    assert age.labels["mailbox"] == "a@example.com" and 10 * 86400 <= age.value < 10 * 86400 + 120
    (ran,) = parsed["ece_o365_run_timestamp_seconds"]
    assert ran.value == (NOW - dt.timedelta(hours=1)).timestamp()
    assert [s.value for s in parsed["ece_o365_run_duration_seconds"]] == [1.5]


@pytest.mark.parametrize(("rows", "state"), [(PASSING, 0), ([*PASSING, row("x.y", "advisory")], 1)])
def test_prometheus_exit_code_is_the_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[ResultRow], state: int
) -> None:
    code, out = monitor(capsys, results(tmp_path, rows), "--format", "prometheus")
    assert code == state and [s.value for s in families(out)["ece_o365_monitor_state"]] == [state]


def test_prometheus_for_an_unreadable_file_still_parses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = monitor(capsys, tmp_path / "gone.json", "--format", "prometheus")
    assert code == 3 and [s.value for s in families(out)["ece_o365_monitor_state"]] == [3]


def test_the_console_script_exits_with_the_state(tmp_path: Path) -> None:
    path = results(tmp_path, [*PASSING, row("token.refresh", "failed")])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-m", "pytest_ece_o365.cli", "monitor", str(path)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 2 and done.stdout.startswith("ECE-O365 CRITICAL"), done.stderr
