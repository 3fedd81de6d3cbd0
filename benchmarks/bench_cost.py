"""What the checklist costs when nothing is slow: CPU per mailbox, report rendering, memory.

For 1, 10, 100 and 500 mailboxes (every fourth a shared POP3 mailbox) against the simulated tenant with
no added latency, it runs the whole live checklist (services role) in a ``pytest`` subprocess with
``--ece-json``, and prints the run's CPU seconds by phase — startup and collection, the survey (the probe
threads: DNS, TLS handshakes, tokens and their JWT decoding, mailbox sessions, Graph), the checks (the main
thread meanwhile: judging, pytest's per-result cost), the end (findings, case note, results file) — the
CPU per mailbox over the 1-mailbox run, and the run's peak resident memory. Then it renders the
500-mailbox results file as ``ece-o365 report`` does (read, HTML page) and prints that time and its
peak Python memory (tracemalloc).

Run: ``python benchmarks/bench_cost.py [--sizes 1,10,100,500]``. Loopback only. Linux for the memory column.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from bench_simulator import many_mailboxes
from slow_tenant import EXAMPLE, ROOT, deployment_toml

from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.report.rerender import rerendered_html
from pytest_ece_o365.report.results_file import read_results
from pytest_ece_o365.sim.runner import start_simulator


def peak_rss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """The process's VmHWM (peak resident set, kB) until it exits."""
    status = Path(f"/proc/{pid}/status")
    while not stop.wait(0.02):
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            return


def run(count: int, workdir: Path) -> dict[str, object]:
    cfg = many_mailboxes(load_config(EXAMPLE), count)
    with start_simulator(cfg, "healthy") as sim:
        path = workdir / f"deployment-{count}.toml"
        path.write_text(deployment_toml(sim, cfg), encoding="utf-8")
        stats, results = workdir / f"stats-{count}.json", workdir / f"results-{count}.json"
        env = dict(os.environ, ECE_BENCH_STATS=str(stats))
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "benchmarks"), env.get("PYTHONPATH", "")])
        for key, name in sim.env_names().items():
            value = sim.tenant.run_secrets.get(key)
            if value is not None:
                env[name] = value
        command = [sys.executable, "-m", "pytest", "--ece-config", str(path), "--ece-role", "services", "-q"]
        command += ["--ece-json", str(results), "-p", "survey_stats_plugin", "-p", "no:cacheprovider"]
        command += ["-p", "no:hypothesispytest"]
        stop, peak = threading.Event(), [0]
        started = time.monotonic()
        proc = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        sampler = threading.Thread(target=peak_rss, args=(proc.pid, stop, peak), daemon=True)
        sampler.start()
        output, _ = proc.communicate()
        wall = time.monotonic() - started
        stop.set()
        sampler.join()
    if proc.returncode not in (0, 1):
        sys.stderr.write(output.decode("utf-8", "replace")[-3000:])
        raise SystemExit(f"pytest exited {proc.returncode} for {count} mailboxes")
    result: dict[str, object] = json.loads(stats.read_text(encoding="utf-8"))
    result.update(wall=wall, rss_mb=peak[0] / 1024, results_file=str(results))
    return result


def render(results: Path) -> tuple[float, float, int]:
    """(seconds, peak MB of Python allocations, bytes of HTML) to render a results file as a report; timed
    without tracemalloc (which slows allocation several times), then measured again with it."""
    started = time.perf_counter()
    html = rerendered_html(read_results(results))
    seconds = time.perf_counter() - started
    tracemalloc.start()
    rerendered_html(read_results(results))
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, len(html.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100,500", help="mailbox counts, comma-separated")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"no added latency; CPU seconds of the pytest process by phase; load average at start {load:.2f}")
    head = f"{'mailboxes':>9} {'probes':>6} {'results':>7} {'collect':>8} {'survey':>7} {'checks':>7} {'end':>6}"
    print(head + f" {'CPU/mailbox ms':>14} {'wall s':>7} {'peak RSS MB':>11}")
    base: dict[str, object] | None = None
    last = None
    with tempfile.TemporaryDirectory(prefix="ece-bench-") as tmp:
        for count in sizes:
            r = run(count, Path(tmp))
            cpu: dict[str, float] = r["cpu"]  # type: ignore[assignment]
            total = sum(cpu.values())
            base = base or {"total": total, "count": count}
            extra = count - int(base["count"])  # type: ignore[call-overload]
            per = (total - float(base["total"])) / extra * 1000 if extra else float("nan")  # type: ignore[arg-type]
            print(
                f"{count:>9} {r['probes']:>6} {r['results']:>7} {cpu['collected']:>8.2f} {cpu['survey']:>7.2f}"
                f" {cpu['checks']:>7.2f} {cpu['end']:>6.2f} {per:>14.1f} {r['wall']:>7.2f} {r['rss_mb']:>11.0f}"
            )
            last = (count, Path(str(r["results_file"])))
        if last is not None:
            seconds, peak, size = render(last[1])
            print(f"rendering the {last[0]}-mailbox results file as a report page (ece-o365 report):")
            print(f"  {seconds:.2f} s, peak Python memory {peak:.0f} MB, {size / 1024:.0f} KiB of HTML")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
