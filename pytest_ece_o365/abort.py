"""The run's abort flag: Ctrl-C asks every probe to stop now, not at its own deadline.

:func:`request_abort` sets the flag and calls every hook registered with :func:`on_abort` (the probes'
registry of open sockets shuts them down, waking any thread blocked on one). Probes read
:func:`abort_requested` (a :class:`~pytest_ece_o365.probes.observation.Deadline` has no time left once it is
set) and wait with :func:`wait`, which returns early on abort. :func:`reset` clears the flag for the next
run in the same process.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

_flag = threading.Event()
_hooks: list[Callable[[], object]] = []
_lock = threading.RLock()  # re-entrant: the SIGINT handler may run while this thread holds it


def on_abort(hook: Callable[[], object]) -> None:
    """Call ``hook`` (once per abort, from the aborting thread) whenever an abort is requested."""
    with _lock:
        if hook not in _hooks:
            _hooks.append(hook)


def request_abort() -> None:
    """Stop the run: set the flag, then run every hook (a failing hook does not stop the others)."""
    _flag.set()
    with _lock:
        hooks = list(_hooks)
    for hook in hooks:
        with contextlib.suppress(Exception):
            hook()


def abort_requested() -> bool:
    return _flag.is_set()


def wait(seconds: float) -> bool:
    """Sleep up to ``seconds``; True when it returned early because an abort was requested."""
    return _flag.wait(max(0.0, seconds))


def reset() -> None:
    """A new run: the previous run's abort no longer applies."""
    _flag.clear()
