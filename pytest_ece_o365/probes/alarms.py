"""One thread for every probe's watchdog, instead of a ``threading.Timer`` thread per request.

Each HTTPS request and each mailbox session arms a watchdog that shuts its socket down if the deadline
passes (per-operation timeouts alone let a peer that trickles one byte at a time hold a probe for ever).
A ``threading.Timer`` each made a 200-mailbox run start, wake and end some 800 more threads, each start
waiting for the new thread to be scheduled while a thousand probes held the GIL (issue 13). Here one
daemon thread keeps the alarms in a heap, sleeps until the earliest is due and calls it; a cancelled
alarm is dropped when it comes up. Callbacks must be quick and must not block (a socket's shutdown):
they run on that one thread, one after the other.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable

__all__ = ["Alarm", "set_alarm"]


class Alarm:
    """An armed alarm: :meth:`cancel` it when the work it guards ends in time."""

    __slots__ = ("_callback", "cancelled", "due")

    def __init__(self, due: float, callback: Callable[[], object]) -> None:
        self.due = due
        self._callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def _ring(self) -> None:
        if not self.cancelled:
            with contextlib.suppress(Exception):  # a failing callback must not stop the others' alarms
                self._callback()


_condition = threading.Condition()
_heap: list[tuple[float, int, Alarm]] = []
_order = itertools.count()  # ties broken by arming order: alarms are never compared
_thread: threading.Thread | None = None


def set_alarm(seconds: float, callback: Callable[[], object]) -> Alarm:
    """Call ``callback`` (on the alarm thread) ``seconds`` from now unless the returned alarm is cancelled first."""
    global _thread
    alarm = Alarm(time.monotonic() + max(0.0, seconds), callback)
    with _condition:
        heapq.heappush(_heap, (alarm.due, next(_order), alarm))
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_ring_alarms, name="ece-o365 alarms", daemon=True)
            _thread.start()
        elif _heap[0][2] is alarm:  # due before every other: the sleeper must wake earlier
            _condition.notify()
    return alarm


def _ring_alarms() -> None:
    while True:
        with _condition:
            while True:
                while _heap and _heap[0][2].cancelled:
                    heapq.heappop(_heap)
                if not _heap:
                    _condition.wait()
                    continue
                wait = _heap[0][0] - time.monotonic()
                if wait <= 0:
                    alarm = heapq.heappop(_heap)[2]
                    break
                _condition.wait(wait)
        alarm._ring()
