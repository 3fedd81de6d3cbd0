"""Every probe socket still open, so that an abort (Ctrl-C) can close them all at once.

:func:`~pytest_ece_o365.probes.tcp.connect_address` registers each socket it opens, and the TLS layers
register the socket that takes its descriptor over (``wrap_socket`` detaches the plain one). On abort
each is shut down (``socket.socket.shutdown``, not ``SSLSocket.shutdown``, which would tear down the TLS
state under the thread reading it): a thread blocked in ``connect`` or ``recv`` wakes with an error at
once instead of waiting for its deadline. The registry holds weak references: a closed and dropped
socket leaves it by itself.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

from pytest_ece_o365 import abort

__all__ = ["Aborted", "abortable", "close_all", "open_count", "register"]

S = TypeVar("S", bound=socket.socket)
T = TypeVar("T")

_sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
_lock = threading.RLock()  # re-entrant: the SIGINT handler may run while this thread holds it
_waiting: set[threading.Event] = set()  # the abortable() callers asleep, woken by an abort


class Aborted(OSError):
    """A probe tried to open or use a connection after the run was aborted."""


def register(sock: S) -> S:
    """Track ``sock`` until it is dropped; raise :class:`Aborted` (after closing it) if the run is aborting."""
    with _lock:
        _sockets.add(sock)
    if abort.abort_requested():
        _shut(sock)
        raise Aborted("the run was interrupted")
    return sock


def abortable(call: Callable[[], T], aborted: Callable[[], T], name: str = "ece-o365 probe") -> T:
    """``call()``, or ``aborted()`` as soon as the run is aborted while it still runs.

    For what keeps sockets of its own (dnspython) or none at all (``getaddrinfo``): ``call`` runs in a
    daemon thread, which an abort leaves to end by its own deadline without holding the process open.
    The caller sleeps until the call ends or the abort wakes it (no polling: a run of hundreds of
    lookups once woke each caller twenty times a second).
    """
    outcome: list[tuple[bool, object]] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed to the caller as it is
            outcome.append((False, exc))
        finally:
            done.set()

    with _lock:
        _waiting.add(done)
    try:
        if abort.abort_requested():  # requested before this caller could be woken by it
            return aborted()
        threading.Thread(target=run, name=name, daemon=True).start()
        done.wait()
    finally:
        with _lock:
            _waiting.discard(done)
    if not outcome:  # woken by the abort, the call still running
        return aborted()
    ok, value = outcome[0]
    if not ok:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]


def _wake_waiters() -> None:
    with _lock:
        waiting = list(_waiting)
    for done in waiting:
        done.set()


def close_all() -> int:
    """Shut down every registered socket that is still open; how many were."""
    with _lock:
        sockets = list(_sockets)
    count = 0
    for sock in sockets:
        if sock.fileno() != -1:
            count += 1
            _shut(sock)
    return count


def open_count() -> int:
    """How many registered sockets are still open (for tests and the abort report)."""
    with _lock:
        return sum(1 for sock in list(_sockets) if sock.fileno() != -1)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError, ValueError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


abort.on_abort(close_all)
abort.on_abort(_wake_waiters)
