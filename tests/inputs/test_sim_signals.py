"""``ece-o365 sim`` (issue 12 item 15): its private folder (secrets scripts, server key) goes away when the
terminal closes (SIGHUP) or on SIGTERM, and one left by a killed simulator is removed at the next start."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pytest_ece_o365.sim.leftovers import OWNER_FILE, PREFIX, remove_leftovers

ROOT = Path(__file__).resolve().parents[2]
SIM = "import sys; from pytest_ece_o365.cli import main; sys.exit(main(['sim']))"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGHUP is POSIX")
@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_the_private_folder_is_removed_when_the_terminal_closes(tmp_path: Path, signum: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", TMPDIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-c", SIM], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Simulator running"):
                break
        script = next(Path(m.group(1)) for line in lines if (m := re.search(r"sh/bash:\s+\. (\S+)", line)))
        folder = script.parent
        assert folder.name.startswith(PREFIX) and script.exists() and (folder / OWNER_FILE).exists()
        proc.send_signal(signum)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert not folder.exists()


def test_a_folder_left_by_a_killed_simulator_is_removed_at_the_next_start(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left, running, old, fresh = (tmp_path / f"{PREFIX}{name}" for name in ("left", "running", "old", "fresh"))
    for folder in (left, running, old, fresh):
        folder.mkdir()
        (folder / "secrets.sh").write_text("export X=secret\n", encoding="utf-8")
    (left / OWNER_FILE).write_text(dead.stdout.strip(), encoding="ascii")
    (running / OWNER_FILE).write_text(str(os.getppid()), encoding="ascii")  # a live process: not ours to remove
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))  # an older version's folder (no owner file), days old
    assert remove_leftovers(tmp_path) == [left, old]
    assert running.exists() and fresh.exists() and not left.exists() and not old.exists()
