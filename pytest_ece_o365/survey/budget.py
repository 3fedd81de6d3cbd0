"""How many probes a run may have in flight: a thread per ready need, capped by the open-file budget.

A probe is mostly waiting on the network (a round trip to Office 365 is tens to hundreds of milliseconds,
its CPU a few milliseconds), so the run's wall time is the longest chain of dependent round trips only
if every need that is ready has its own thread: a fixed pool of 64 makes 400 probes of a 100-mailbox
deployment queue in waves. Threads are cheap here (a few hundred, each idle in a socket wait); sockets are
what runs out. Each probe thread holds at most :data:`FDS_PER_PROBE` descriptors at once (its connection,
a TLS probe's second reading connection, and — in a ``--ece-simulate`` run — the simulator's end of it),
so the cap is what the open-file limit leaves, and a limit too low for the run is first raised toward the
hard limit (POSIX ``RLIMIT_NOFILE``; a process-local change, never above the hard limit). Windows has no
such limit for sockets: the cap is :data:`MAX_PROBES`.
"""

from __future__ import annotations

import os
import sys

__all__ = ["FDS_PER_PROBE", "MAX_PROBES", "MIN_PROBES", "probe_cap"]

#: The most probes in flight at once, whatever the budget (1 000 mailboxes' worth of ready needs is past
#: any deployment the checklist is for, and a thread's stack is reserved, if not committed, memory).
MAX_PROBES = 1024
#: The fewest, however tight the budget: the survey still works with a small limit, only slower.
MIN_PROBES = 8
#: Descriptors one probe thread may hold at once (see the module docstring).
FDS_PER_PROBE = 3
#: Descriptors left for everything else in the process (pytest, its plugins, log files, the HTML report).
RESERVE = 64


def probe_cap(wanted: int = MAX_PROBES) -> int:
    """How many probe threads this process can run at once, at most ``wanted``."""
    wanted = max(MIN_PROBES, min(wanted, MAX_PROBES))
    if sys.platform == "win32":
        return wanted
    try:
        import resource
    except ImportError:  # a POSIX without the module: assume the common default of 1024
        return _fit(wanted, 1024, _open_descriptors())
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    used = _open_descriptors()
    needed = used + RESERVE + wanted * FDS_PER_PROBE
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (OSError, ValueError):
            pass  # not allowed here (a container, macOS' OPEN_MAX): the cap fits the limit as it is
    if soft == resource.RLIM_INFINITY:
        return wanted
    return _fit(wanted, soft, used)


def _fit(wanted: int, limit: int, used: int) -> int:
    return max(MIN_PROBES, min(wanted, (limit - used - RESERVE) // FDS_PER_PROBE))


def _open_descriptors() -> int:
    """Descriptors open now (Linux, macOS: listed in /dev/fd); 64 when the system does not say."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return len(os.listdir(folder))
        except OSError:
            continue
    return 64
