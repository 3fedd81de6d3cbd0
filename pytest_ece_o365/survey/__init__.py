"""The concurrent survey: every observation the selected checks need, gathered once, in parallel.

After collection the plugin asks each selected check for its needs and calls :meth:`Survey.gather`
without waiting; the probes then run a thread per ready need (capped by the open-file budget:
:mod:`.budget`), each need exactly once per run, and each check reads its observations with
:meth:`Survey.get`, waiting for those still in flight. A blocked firewall costs one timeout, not one per
check.

A *need* is a hashable frozen dataclass with an ``observe(env)`` method: a ``Need[T]`` observes a ``T``
(:mod:`pytest_ece_o365.survey.needs`). This module defines the network ones; the probes (tokens, mailbox
sessions, Graph) add their own need types without touching the survey. A check reads only needs that
were gathered (:meth:`Survey.get` raises :class:`NotGathered` otherwise); a need's own sub-needs are
computed inline (:meth:`SurveyEnv.get`).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TypeVar, cast

from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint
from pytest_ece_o365.probes.observation import DnsObservation, EndpointObservation
from pytest_ece_o365.secret import SecretSource
from pytest_ece_o365.survey.needs import Need, SurveyEnv

__all__ = [
    "THREAD_PREFIX",
    "EndpointNeed",
    "HostNeed",
    "Need",
    "NotGathered",
    "ProbeTiming",
    "Survey",
    "SurveyEnv",
    "run_lookup",
]

T = TypeVar("T")

#: The name of every probe thread begins with this (``threading.Thread.name``; log records' ``threadName``).
THREAD_PREFIX = "ece-survey"


class NotGathered(LookupError):
    """A check read a need that no check declared: its ``needs`` under-declare (a bug in the check)."""


@dataclass(frozen=True)
class HostNeed:
    """A DNS lookup of ``host`` through the configured resolver."""

    host: str

    def observe(self, env: SurveyEnv) -> DnsObservation:
        from pytest_ece_o365.probes.dns import resolve

        network = env.config.network
        return resolve(self.host, network.nameservers, env.timeout, network.resolver_name)


def run_lookup(env: SurveyEnv) -> Callable[[str, float], DnsObservation]:
    """The lookup a probe's HTTPS client uses (:class:`~pytest_ece_o365.probes.http.ResolvingHttpClient`'s
    ``lookup``): the run's :class:`HostNeed`, once per host and shared by every probe, as ECE's Java runtime
    and the system resolver cache a name. Every token of 200 mailboxes asked DNS twice before (discovery and
    token POST): 400 lookups of one name, each a round trip on its token's chain and a thread.

    A failed lookup is the run's one observation of that host too: the probes report it as they would their
    own. The timeout is the HostNeed's (one per run, counted from its start), not the caller's."""
    return lambda host, _timeout: env.get(HostNeed(host))


@dataclass(frozen=True)
class EndpointNeed:
    """The chain DNS -> TCP -> TLS -> capabilities for one endpoint spoken to as ``protocol``."""

    endpoint: Endpoint
    protocol: str  # https | imap | pop3 | smtp

    def observe(self, env: SurveyEnv) -> EndpointObservation:
        from pytest_ece_o365.probes.endpoint import probe_endpoint

        dns = env.get(HostNeed(self.endpoint.host))
        # The timeout counts from the start of this probe, DNS included (a slow resolver costs one timeout,
        # not its time plus one); a fifth of it at least, so that a slow answer is not a false TLS timeout.
        timeout = max(env.remaining(self), env.timeout * 0.2)
        return probe_endpoint(self.endpoint, self.protocol, dns, env.config.network, timeout)


@dataclass(frozen=True)
class ProbeTiming:
    """When one need's probe ran (``time.monotonic()``), so tests can assert overlap, not wall time."""

    need: Need[object]
    started: float
    ended: float
    thread: str

    @property
    def duration(self) -> float:
        return self.ended - self.started


class _Slot:
    """One need's result, claimed by the thread that computes it; others wait on ``done``."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None


class Survey:
    """Gathers observations concurrently, once each, and hands them to the checks.

    Thread-safe. No thread and no socket exist until something is needed.
    """

    def __init__(
        self,
        config: DeploymentConfig,
        timeout: float,
        *,
        secrets: SecretSource | None = None,
        max_workers: int | None = None,
    ) -> None:
        self.config = config
        self.timeout = timeout
        self.max_workers = max_workers  # None: a thread per ready need, up to survey.budget.probe_cap()
        self._env = SurveyEnv(config, timeout, self, secrets if secrets is not None else SecretSource())
        self._lock = threading.Lock()
        self._slots: dict[Need[object], _Slot] = {}
        self._submitted: dict[Need[object], Future[object]] = {}
        self._waiting_since: dict[Need[object], float] = {}
        self._timings: list[ProbeTiming] = []
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    def gather(self, needs: Iterable[Need[object]], *, wait_for_all: bool = True) -> None:
        """Run the probes for ``needs`` concurrently (a thread each, up to the cap); each need runs once per survey.

        Needs already gathered or in flight are not run again. With ``wait_for_all`` (the default) this
        returns when every one of them has its observation.
        """
        futures: list[Future[object]] = []
        new: list[tuple[Need[object], Future[object]]] = []
        with self._lock:
            if self._closed:
                raise RuntimeError("the survey is closed")
            for need in dict.fromkeys(needs):  # keep order, drop duplicates
                _check_need(need)
                future = self._submitted.get(need)
                if future is None and need not in self._slots:
                    future = self._submitted[need] = Future()
                    new.append((need, future))
                if future is not None:
                    futures.append(future)
            if new and self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers(), thread_name_prefix=THREAD_PREFIX)
            pool = self._pool
        # Submitted outside the lock: starting hundreds of threads takes a while, and the ones started
        # first must be able to claim their slots (under the lock) and probe meanwhile.
        for need, future in new:
            try:
                assert pool is not None
                pool.submit(self._fill, need, future)
            except RuntimeError:  # closed meanwhile
                future.cancel()
        if wait_for_all and futures:
            wait(futures)

    def _fill(self, need: Need[object], future: Future[object]) -> None:
        if not future.set_running_or_notify_cancel():
            return  # cancelled by close()
        try:
            future.set_result(self._compute(need))
        except BaseException as exc:  # the reader re-raises it (get)
            future.set_exception(exc)

    def _workers(self) -> int:
        if self.max_workers is None:
            from pytest_ece_o365.survey.budget import probe_cap

            self.max_workers = probe_cap()
        return self.max_workers

    def get(self, need: Need[T]) -> T:
        """The observation for ``need``, which must have been gathered: cached, awaited if in flight, or
        probed now in this thread if still queued (``gather(..., wait_for_all=False)``).

        Raises :class:`NotGathered` for a need no one gathered: a check reads only what its ``needs``
        declared, so that the survey runs every probe up front, in parallel, and not in a check's thread.
        """
        _check_need(need)
        with self._lock:
            gathered = need in self._submitted
        if not gathered:
            raise NotGathered(
                f"{need!r} was not gathered: the check that reads it must declare it in its needs "
                "(@check(..., needs=...)), or the caller must gather it first"
            )
        return cast(T, self._compute(need))

    def waiting_since(self, need: Need[object]) -> float:
        """When ``need``'s probe began (``time.monotonic()``), its sub-needs' waits included; now if not
        begun. Not its gather: a need queued behind the cap has not begun to spend its timeout."""
        with self._lock:
            return self._waiting_since.get(need, time.monotonic())

    def observe_nested(self, need: Need[T]) -> T:
        """``need``'s observation for another need's ``observe`` (:meth:`SurveyEnv.get`): a sub-need is
        part of its parent, so it is computed inline (or awaited) whether gathered or not."""
        _check_need(need)
        return cast(T, self._compute(need))

    def _compute(self, need: Need[object]) -> object:
        # A slot is created only by the thread that is about to compute it, never for a queued task: a
        # thread waiting on a slot therefore waits on running work, and a full pool cannot deadlock.
        mine = _Slot()
        try:
            with self._lock:
                if self._slots.setdefault(need, mine) is mine:
                    self._waiting_since[need] = time.monotonic()
            if self._slots[need] is mine:
                mine.value = need.observe(self._env)
        except BaseException as exc:  # a probe bug (or Ctrl-C in the main thread): re-raised to every reader
            if self._slots.get(need) is not mine:
                raise
            mine.error = exc
        finally:
            # Marked done whatever happened above — even a Ctrl-C landing between two of its lines
            # in the main thread, which computes a need still queued: a pool thread waiting on a slot
            # never marked done would wait for ever, and the interpreter waits for the pool's threads.
            if self._slots.get(need) is mine and not mine.done.is_set():
                try:
                    self._record(need)
                finally:
                    mine.done.set()
        slot = self._slots[need]
        if slot is not mine:
            _wait(slot.done)
        if slot.error is not None:
            raise slot.error
        return slot.value

    def _record(self, need: Need[object]) -> None:
        with self._lock:
            started = self._waiting_since.get(need, time.monotonic())
            self._timings.append(ProbeTiming(need, started, time.monotonic(), threading.current_thread().name))

    @property
    def accounting(self) -> tuple[ProbeTiming, ...]:
        """Start and end of every probe run so far, in the order they ended."""
        with self._lock:
            return tuple(self._timings)

    def observations(self) -> dict[Need[object], object]:
        """Every observation gathered so far (for the report)."""
        with self._lock:
            return {need: slot.value for need, slot in self._slots.items() if slot.done.is_set() and not slot.error}

    def close(self) -> None:
        """Stop accepting work; probes already running end by their own deadlines."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            pending = list(self._submitted.values())
        for future in pending:
            future.cancel()  # only those no thread has started: a running probe ends by its deadline
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Survey:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


#: Before Python 3.14 a lock wait without a timeout is not interrupted by Ctrl-C on Windows (only on POSIX:
#: python/cpython#125541, checked 2026-12-05), so the main thread waits in slices there.
_SLICED_WAIT = sys.platform == "win32" and sys.version_info < (3, 14)
_WAIT_SLICE = 0.25  # seconds: how late Ctrl-C may come through at most


def _wait(done: threading.Event) -> None:
    """Wait for ``done``. The main thread — where a check waits for a probe still in flight, and where
    Ctrl-C is delivered — waits in slices where a plain wait would hold Ctrl-C back until the probe ends
    (up to the run's timeout); the probe threads wait plainly (a thousand of them waking every slice
    would cost the run's CPU)."""
    if _SLICED_WAIT and threading.current_thread() is threading.main_thread():
        while not done.wait(_WAIT_SLICE):
            pass
    else:
        done.wait()


_NEED_TYPES: set[type] = set()  # types already checked: isinstance() against a Protocol is slow


def _check_need(need: object) -> None:
    # Needs come typed from checks; this guards callers outside mypy's view (tests, plugins).
    if type(need) in _NEED_TYPES:
        return
    if not isinstance(need, Need):
        raise TypeError(f"{need!r} is not a survey need (it is unhashable or has no observe(env) method)")
    _NEED_TYPES.add(type(need))
