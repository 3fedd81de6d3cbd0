"""Waiting in tests without guessing how long a thread or a server takes (a loaded 2-core CI machine makes
any guess wrong): wait for the condition itself, with a deadline that only a real failure reaches."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")

#: What a loaded 2-core machine may add to a wall-clock measure of a probe's deadline. Used only where the
#: behaviour under test is about time ("ends within the timeout"); each such bound stays well below what
#: the failure it guards against would take (a server holding the connection for 10-30 s, a drip of bytes
#: lasting 8 s and more, a deadline per stage or per retry).
SLACK = 2.0


def wait_until(condition: Callable[[], T], what: str, timeout: float = 10.0) -> T:
    """Poll ``condition`` until it returns something truthy, and return that; fail naming ``what`` when
    ``timeout`` seconds go by first."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"waited {timeout} s for {what}")
        time.sleep(0.01)
