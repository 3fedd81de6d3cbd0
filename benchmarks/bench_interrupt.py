"""Ctrl-C on a hanging run: how long from SIGINT to the process's exit (issue 12: "within ~1 s").

A real ``pytest --ece-simulate=server-hangs --ece-timeout=60`` run (every simulated mail host accepts and
never greets, so every probe would wait its full 60 s) gets one SIGINT once its probes are in flight; the
table prints the wall seconds until the process has exited, the exit code, whether the results file says
``"interrupted": true``, and whether any of the simulator's sockets were still open in the process
(/proc/PID/fd is read just before the signal and the child must close them all to exit at all).

Run: ``python benchmarks/bench_interrupt.py [--runs N]``. POSIX only (signals). Prints a table; the
machine's load average is printed beside it, since a loaded 2-core machine stretches every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


def one_run(folder: Path) -> tuple[float, int, bool, int]:
    """(seconds from SIGINT to exit, exit code, results say interrupted, open sockets when signalled)."""
    out = folder / "results.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "pytest", "--ece-simulate=server-hangs", f"--ece-timeout={TIMEOUT}",
               "--ece-json", str(out), "-p", "no:cacheprovider"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    start = time.monotonic()
    while not any("collected" in line for line in list(lines)):
        if proc.poll() is not None or time.monotonic() - start > 120:
            proc.kill()
            raise SystemExit("the run ended or never collected:\n" + "".join(lines))
        time.sleep(0.05)
    time.sleep(1.5)  # the survey is in flight
    sockets = _open_sockets(proc.pid)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=TIMEOUT * 2)
    waited = time.monotonic() - sent
    reader.join(5)
    interrupted = out.exists() and json.loads(out.read_text(encoding="utf-8")).get("interrupted") is True
    return waited, proc.returncode, interrupted, sockets


def _open_sockets(pid: int) -> int:
    fds = Path(f"/proc/{pid}/fd")
    if not fds.is_dir():
        return -1
    count = 0
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):  # closed between listing and reading
            count += os.readlink(fd).startswith("socket:")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if sys.platform == "win32":
        raise SystemExit("POSIX signals only")
    rows = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            rows.append(one_run(Path(folder)))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Ctrl-C on a hanging run (--ece-timeout={TIMEOUT}), load average {load:.1f}")
    header = ("run", "SIGINT -> exit (s)", "exit", "interrupted", "sockets open at SIGINT")
    print(f"{header[0]:>3} | {header[1]:>18} | {header[2]:>4} | {header[3]:>11} | {header[4]:>22}")
    for index, (waited, code, interrupted, sockets) in enumerate(rows, 1):
        print(f"{index:>3} | {waited:>18.2f} | {code:>4} | {interrupted!s:>11} | {sockets:>22}")
    print(f"median {statistics.median(r[0] for r in rows):.2f} s, max {max(r[0] for r in rows):.2f} s")


if __name__ == "__main__":
    main()
