"""Ctrl-C during a checklist run: stop within about a second, and never leave a file that looks complete.

The first Ctrl-C requests an abort (:mod:`pytest_ece_o365.abort`: every probe socket is shut down, every
deadline has no time left) and raises ``KeyboardInterrupt`` the way pytest expects, so that the run ends
through pytest's own path (results file, reports, the simulator stopped). A second Ctrl-C while that
happens is ignored with one line, not a traceback. The results then say ``"interrupted": true``, every
check that did not run is a skipped result "not run: the run was interrupted", and the verdict is never
PASS.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterable
from types import FrameType

import pytest

from pytest_ece_o365 import abort
from pytest_ece_o365.plugin.collect import CheckItem
from pytest_ece_o365.report.results import ResultRow

NOT_RUN = "not run: the run was interrupted"


class SigintGuard:
    """Owns SIGINT for the length of one run (main thread only: Python allows handlers nowhere else)."""

    def __init__(self) -> None:
        self._previous: object = None
        self._installed = False

    def install(self) -> None:
        abort.reset()
        if threading.current_thread() is not threading.main_thread():
            return
        self._previous = signal.signal(signal.SIGINT, self._first)
        self._installed = True

    def restore(self) -> None:
        """Give SIGINT back, unless the run is stopping: then a late Ctrl-C stays quiet to the end."""
        if self._installed and not abort.abort_requested():
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
            self._installed = False

    def _first(self, signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, self._again)
        abort.request_abort()
        raise KeyboardInterrupt

    @staticmethod
    def _again(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(Exception):
            sys.stderr.write("\nece-o365: already stopping; the results written so far are kept\n")


def was_interrupted(exitstatus: int) -> bool:
    return abort.abort_requested() or exitstatus == pytest.ExitCode.INTERRUPTED


def not_run_rows(items: Iterable[pytest.Item], rows: list[ResultRow]) -> list[ResultRow]:
    """A skipped result for every selected check that has none: it never ran."""
    done = {row.nodeid for row in rows}
    return [
        ResultRow(
            check=item.check.spec.id,
            target=item.target.label,
            status="skipped",
            section=item.check.spec.section_name,
            title=item.check.spec.title,
            detail=NOT_RUN,
            nodeid=item.nodeid,
        )
        for item in items
        if isinstance(item, CheckItem) and item.nodeid not in done
    ]
