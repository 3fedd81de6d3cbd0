"""Benchmark of what the plugin costs a pytest run that does not use it.

Run: ``python benchmarks/bench_plugin_load.py [--runs N]``. Prints a table.

An unrelated project (one trivial test file, no deployment file, no ``ECE_O365_CONFIG``) runs
``python -m pytest --co -q`` in a fresh interpreter, with the plugin on and with ``-p no:ece_o365``,
alternately (so that a load spike on the machine hits both sides alike), N times each. The median wall
time of each and their difference are printed; the difference should be within the noise (the plugin
module alone is imported: tests/test_plugin_cost.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = {"plugin on": (), "-p no:ece_o365": ("-p", "no:ece_o365")}


def one_run(project: Path, extra: tuple[str, ...]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ECE_O365"))}
    command = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *extra]
    started = time.perf_counter()
    subprocess.run(command, cwd=project, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "test_unrelated.py").write_text("def test_one():\n    assert True\n", encoding="utf-8")
        for extra in MODES.values():
            one_run(project, extra)  # warm the file system cache and the bytecode of both sides
        for _ in range(runs):
            for mode, extra in MODES.items():
                times[mode].append(one_run(project, extra))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each side (at least 10; default 15)")
    runs = max(parser.parse_args().runs, 10)
    times = measure(runs)
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    print(f"unrelated `pytest --co`, median of {runs} runs each (fresh interpreter per run)")
    print(f"{'mode':<18} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for mode, values in times.items():
        print(f"{mode:<18} {medians[mode] * 1000:>10.0f} {min(values) * 1000:>8.0f} {max(values) * 1000:>8.0f}")
    difference = medians["plugin on"] - medians["-p no:ece_o365"]
    spread = statistics.pstdev(times["-p no:ece_o365"])
    print(f"{'difference':<18} {difference * 1000:>10.0f}   (run-to-run spread, plugin off: ±{spread * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
