"""The whole live checklist against a slow tenant, end to end: ``pytest`` process start to exit.

The simulated tenant runs in this process (independent of the run it serves) and waits 300 ms before
every answer of every server — each DNS reply, TLS ServerHello, HTTP response and mail reply — as an
Office 365 behind a slow or proxied link would. For 1, 40, 100 and 200 mailboxes (every fourth a shared
POP3 mailbox) it writes a deployment file pointed at the simulator, runs
``pytest --ece-config FILE --ece-role services`` in a subprocess, and prints side by side: wall time,
ratio to 1 mailbox, probes, the probing span (first probe start to last end, from the survey's
accounting), the most probes in flight, the peak thread count of the pytest process (sampled from
/proc on Linux; "-" elsewhere), CPU seconds of the run and of the simulator, the results and the wall
time the checks took after the last probe ended (the checks run meanwhile, each when its observations are
in; what is left is pytest's per-result cost no probe overlaps), and the fastest and slowest
wall time of the repeats (run interleaved: 1, 40, 100, 200, 1, 40, …).

Run: ``python benchmarks/slow_tenant.py [--sizes 1,40,100,200] [--delay 0.3] [--repeat N] [--without-graph]``.
Loopback only.
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
from pathlib import Path
from types import ModuleType
from typing import Any

from bench_simulator import many_mailboxes

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator

resource: ModuleType | None
try:
    import resource
except ImportError:  # Windows: no CPU columns
    resource = None

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "pytest_ece_o365" / "example_config.toml"


def deployment_toml(sim: RunningSimulator, cfg: DeploymentConfig, *, graph: bool = True) -> str:
    """The example's deployment, ECE and Azure tables (its [graph] reader app unless ``graph`` is false),
    ``cfg``'s mailboxes, and the simulator's [o365] and [network] tables (its DNS, ports and CA) — a
    real-world run pointed at the simulated tenant."""
    head = EXAMPLE.read_text(encoding="utf-8").split("[[mailboxes]]", 1)[0]
    if not graph:
        before, _, after = head.partition("[graph]")
        head = before + after[after.index("\n\n") + 2 :] if after else head
    boxes = []
    for box in cfg.mailboxes:
        lines = ["[[mailboxes]]", f'address = "{box.address}"', f'inbound = "{box.inbound}"']
        lines.append(f'access = "{box.access}"')
        if box.token_account:
            lines.append(f'token_account = "{box.token_account}"')
        lines.append(f'refresh_token = {{ env = "{box.refresh_token.env}" }}')
        boxes.append("\n".join(lines))
    return head + "\n\n".join(boxes) + "\n\n" + sim.config_snippet()


def _cpu(who: int) -> float:
    assert resource is not None
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def thread_sampler(pid: int, stop: threading.Event, peak: list[int]) -> None:
    status = Path(f"/proc/{pid}/status")
    while not stop.wait(0.01):
        try:
            for line in status.read_text().splitlines():
                if line.startswith("Threads:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            return


def run_once(count: int, delay: float, workdir: Path, *, graph: bool = True) -> dict[str, Any]:
    cfg = many_mailboxes(load_config(EXAMPLE), count)
    with start_simulator(cfg, "healthy", answer_delay=delay) as sim:
        path = workdir / f"deployment-{count}.toml"
        path.write_text(deployment_toml(sim, cfg, graph=graph), encoding="utf-8")
        stats = workdir / f"stats-{count}.json"
        env = dict(os.environ, ECE_BENCH_STATS=str(stats))
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "benchmarks"), env.get("PYTHONPATH", "")])
        for key, name in sim.env_names().items():
            value = sim.tenant.run_secrets.get(key)
            if value is not None:
                env[name] = value
        command = [sys.executable, "-m", "pytest", "--ece-config", str(path), "--ece-role", "services"]
        # hypothesis (the test extra) is no part of a deployment's run: its plugin's first-use import costs
        # seconds of assertion rewriting at the terminal summary, the same for every size.
        command += ["-q", "-p", "survey_stats_plugin", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
        stop, peak = threading.Event(), [0]
        sim_cpu = _cpu(resource.RUSAGE_SELF) if resource else 0.0
        run_cpu = _cpu(resource.RUSAGE_CHILDREN) if resource else 0.0
        started = time.monotonic()
        proc = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        sampler = threading.Thread(target=thread_sampler, args=(proc.pid, stop, peak), daemon=True)
        sampler.start()
        output, _ = proc.communicate()
        wall = time.monotonic() - started
        sim_cpu = _cpu(resource.RUSAGE_SELF) - sim_cpu if resource else float("nan")
        run_cpu = _cpu(resource.RUSAGE_CHILDREN) - run_cpu if resource else float("nan")
        stop.set()
        sampler.join()
        (workdir / f"output-{count}.txt").write_bytes(output)
    if proc.returncode not in (0, 1):
        sys.stderr.write(output.decode("utf-8", "replace")[-3000:])
        raise SystemExit(f"pytest exited {proc.returncode} for {count} mailboxes")
    result: dict[str, Any] = json.loads(stats.read_text(encoding="utf-8"))
    result.update(wall=wall, threads_peak=peak[0], exit=proc.returncode, run_cpu=run_cpu, sim_cpu=sim_cpu)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,40,100,200", help="mailbox counts, comma-separated")
    parser.add_argument("--delay", type=float, default=0.3, help="seconds before every answer")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the median wall time is shown")
    parser.add_argument(
        "--without-graph",
        action="store_true",
        help="no [graph] reader app: the directory's checks are not run, a mail session is the longest chain",
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    graph = "without [graph]" if args.without_graph else "with [graph]"
    print(f"slow tenant: {args.delay * 1000:.0f} ms before every answer, {graph}; load average at start {load:.2f}")
    print(f"{'mailboxes':>9} {'wall s':>7} {'ratio':>6} {'probes':>7} {'probing s':>9} {'slowest s':>9}", end="")
    print(f" {'in flight':>9} {'threads':>8} {'run CPU s':>9} {'sim CPU s':>9}", end="")
    print(f" {'results':>7} {'checks after s':>14} {'exit':>5} {'wall range s':>12}")
    base = 0.0
    runs: dict[int, list[dict[str, Any]]] = {count: [] for count in sizes}
    with tempfile.TemporaryDirectory(prefix="ece-bench-") as tmp:
        # Sizes interleaved, repeat after repeat: a shared machine's speed drifts over minutes, and all the
        # 1-mailbox runs first, then all the 200-mailbox ones, would put that drift into the ratio.
        for _ in range(args.repeat):
            for count in sizes:
                runs[count].append(run_once(count, args.delay, Path(tmp), graph=not args.without_graph))
        for count in sizes:
            ordered = sorted(runs[count], key=lambda r: r["wall"])
            r = ordered[len(ordered) // 2]
            base = base or r["wall"]
            checks = r["checks_after_probing"]  # pytest's per-result cost that no probe overlaps
            print(
                f"{count:>9} {r['wall']:>7.2f} {r['wall'] / base:>6.2f} {r['probes']:>7} {r['probing']:>9.2f}"
                f" {r['slowest']:>9.2f} {r['in_flight_peak']:>9} {r['threads_peak'] or '-':>8}"
                f" {r['run_cpu']:>9.2f} {r['sim_cpu']:>9.2f} {r['results']:>7} {checks:>14.2f} {r['exit']:>5}"
                f" {ordered[0]['wall']:>5.2f}–{ordered[-1]['wall']:<6.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
