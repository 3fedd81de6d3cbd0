"""``ece-o365 sim``: run the simulator in the foreground until Ctrl-C (or SIGTERM), handing the user the
configuration snippet on the terminal and the simulated secrets in shell scripts, never on the terminal.

The simulated secrets are throw-away values, but they are secrets all the same (contract §7: never in the
terminal): they go to scripts in the simulator's private work folder (mode 0700), which the user loads into
a shell and which disappear with the simulator.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TextIO

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.sim.leftovers import remove_leftovers
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator

__all__ = ["ShellStyle", "export_lines", "run_foreground", "write_secret_scripts"]

ShellStyle = Literal["posix", "cmd", "powershell"]
#: The script of each shell, by file name.
_SCRIPTS: tuple[tuple[ShellStyle, str], ...] = (
    ("posix", "secrets.sh"),
    ("powershell", "secrets.ps1"),
    ("cmd", "secrets.cmd"),
)


def export_lines(sim: RunningSimulator, style: ShellStyle | None = None) -> str:
    """Shell lines that set every secret's variable. THEY HOLD SECRET VALUES: ``ece-o365 sim`` only."""
    style = style or ("cmd" if os.name == "nt" else "posix")
    out = []
    for key, env in sim.env_names().items():
        value = sim.tenant.run_secrets.get(key)
        if value is None:
            continue
        if style == "posix":
            out.append(f"export {env}={shlex.quote(value)}")
        elif style == "cmd":
            out.append(f'set "{env}={value}"')
        else:
            out.append(f"$env:{env} = '{value}'")
    return "\n".join(out) + "\n"


def write_secret_scripts(sim: RunningSimulator) -> dict[ShellStyle, Path]:
    """One script a shell in the simulator's private work folder, each setting every secret's variable."""
    scripts: dict[ShellStyle, Path] = {}
    for style, name in _SCRIPTS:
        scripts[style] = sim.workdir / name
        scripts[style].write_text(export_lines(sim, style), encoding="utf-8")
    return scripts


def run_foreground(
    cfg: DeploymentConfig,
    scenario: str = "healthy",
    out: TextIO = sys.stdout,
    *,
    until: threading.Event | None = None,
) -> int:
    """``ece-o365 sim``: start, print the config snippet, write the secrets to private scripts, wait
    for Ctrl-C. ``until`` (tests) ends the wait like Ctrl-C."""
    stop = until or threading.Event()
    remove_leftovers()  # the folders (secrets scripts, server key) of simulators that were killed
    restore = _stop_on_sigterm(stop)
    try:
        return _foreground(cfg, scenario, out, stop)
    finally:
        restore()


#: What ends the simulator like Ctrl-C: SIGTERM, the terminal closed (SIGHUP), Ctrl-Break (Windows).
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGBREAK") if hasattr(signal, name))


def _stop_on_sigterm(stop: threading.Event) -> Callable[[], None]:
    """Make SIGTERM, SIGHUP and SIGBREAK end the wait like Ctrl-C, so that the servers stop and the private
    folder (secrets scripts, server key) goes away."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {number: signal.signal(number, lambda signum, frame: stop.set()) for number in _STOP_SIGNALS}

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


def _foreground(cfg: DeploymentConfig, scenario: str, out: TextIO, stop: threading.Event) -> int:
    with start_simulator(cfg, scenario) as sim:
        out.write(sim.config_snippet())
        scripts = write_secret_scripts(sim)
        out.write(
            "\n# The simulated secrets are in files only you can read, removed when the simulator stops.\n"
            f"# Load them into the shell that runs pytest:\n#   sh/bash:    . {scripts['posix']}\n"
            f"#   PowerShell: . {scripts['powershell']}\n#   cmd.exe:    call {scripts['cmd']}\n"
        )
        out.write(f"\nSimulator running (scenario {scenario}). Press Ctrl-C to stop.\n")
        out.flush()
        try:
            while not stop.wait(0.5):  # short waits keep Ctrl-C responsive on Windows
                pass
        except KeyboardInterrupt:
            pass
    with contextlib.suppress(OSError, ValueError):  # the terminal may be gone (SIGHUP)
        out.write("Simulator stopped.\n")
    return 0
