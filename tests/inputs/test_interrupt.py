"""Ctrl-C (issue 12 item 2): the run ends within about a second, closing every probe socket, and its
results say it was interrupted; a second Ctrl-C prints no traceback; merge refuses such a file."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pytest_ece_o365 import abort
from pytest_ece_o365.cli import main
from pytest_ece_o365.probes import inflight
from pytest_ece_o365.probes.observation import Deadline
from pytest_ece_o365.report.results import ResultRow, RunInfo, results_document

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # the probes' own deadline: far beyond the bound below, so only the abort can end them
BOUND = 15.0  # wall seconds from SIGINT to exit on a loaded 2-core machine (before: the whole TIMEOUT)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_ends_a_hanging_run_at_once_and_marks_the_results_interrupted(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "pytest", "--ece-simulate=server-hangs", f"--ece-timeout={TIMEOUT}",
               "--ece-json", str(out), "-p", "no:cacheprovider"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    try:
        start = time.monotonic()
        while not any("collected" in line for line in list(lines)):
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() - start < 60, "the run never collected"
            time.sleep(0.05)
        time.sleep(1.5)  # the survey is in flight: the IMAP probes wait for a greeting that never comes
        assert proc.poll() is None, "".join(lines)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # the impatient second Ctrl-C
        proc.wait(timeout=BOUND)
        waited = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(5)
    stderr = proc.stderr.read() if proc.stderr else ""
    output = "".join(lines) + stderr
    assert waited < BOUND
    assert proc.returncode == 2, output
    assert "Traceback" not in output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["interrupted"] is True
    assert document["verdict"] != "PASS"
    assert any(row["detail"] == "not run: the run was interrupted" for row in document["results"])
    assert "INTERRUPTED" in output  # the case note says it


def test_an_abort_wakes_a_thread_blocked_on_a_probe_socket_and_refuses_new_ones() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    client = inflight.register(socket.create_connection(server.getsockname()))
    peer, _ = server.accept()
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: outcome.append(client.recv(10)))
    client.settimeout(TIMEOUT)
    thread.start()
    try:
        abort.request_abort()
        thread.join(BOUND)
        assert not thread.is_alive() and outcome == [b""]  # woken: the socket was shut down
        assert Deadline(TIMEOUT).remaining() == 0 and abort.wait(TIMEOUT)
        with pytest.raises(inflight.Aborted):
            inflight.register(socket.socket())
    finally:
        abort.reset()
        for sock in (client, peer, server):
            sock.close()
    assert Deadline(TIMEOUT).remaining() > 0 and not abort.wait(0)


def test_merge_refuses_an_interrupted_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info = RunInfo("ece-svc01", ("services",), "Contoso", "12.6(1)", (), "example.onmicrosoft.com", interrupted=True)
    rows = [ResultRow("network.dns", "login.microsoftonline.com", "passed", "Network connectivity", "DNS", "ok")]
    document = results_document(info, rows)
    assert document["interrupted"] is True and document["verdict"] == "INCOMPLETE"
    path = tmp_path / "svc.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["merge", str(path), "--html", str(tmp_path / "m.html")]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "svc.json" in err[0] and "interrupted" in err[0]
    assert not (tmp_path / "m.html").exists()


def test_an_abort_ends_a_dns_lookup_that_gets_no_answer() -> None:
    from pytest_ece_o365.config.deployment import Endpoint
    from pytest_ece_o365.probes.dns import resolve

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a nameserver that never answers
    silent.bind(("127.0.0.1", 0))
    silent.settimeout(BOUND)
    nameserver = (Endpoint("127.0.0.1", silent.getsockname()[1]),)
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: outcome.append(resolve("login.example.test", nameserver, TIMEOUT)))
    thread.start()
    try:
        silent.recvfrom(512)  # the query is out: the probe now waits for an answer
        abort.request_abort()
        thread.join(BOUND)
        assert not thread.is_alive()
    finally:
        abort.reset()
        silent.close()
    observation = outcome[0]
    assert getattr(observation, "error", "") == "dns-timeout" and "interrupted" in getattr(observation, "message", "")
