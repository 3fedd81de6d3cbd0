"""The probes' shared alarm thread (probes/alarms.py): alarms ring in order of when they are due, a
cancelled one never rings, a failing callback does not silence the others, and arming many starts no
thread per alarm."""

from __future__ import annotations

import threading

from pytest_ece_o365.probes.alarms import set_alarm

WAIT = 10.0  # an upper bound for a loaded machine, not a timing assertion


def test_alarms_ring_in_order_of_their_due_time_whatever_order_they_were_armed_in() -> None:
    rung: list[str] = []
    last = threading.Event()
    set_alarm(0.4, lambda: (rung.append("late"), last.set()))
    set_alarm(0.05, lambda: rung.append("early"))  # armed later, due first: the sleeping thread wakes for it
    assert last.wait(WAIT)
    assert rung == ["early", "late"]


def test_a_cancelled_alarm_never_rings() -> None:
    rung: list[str] = []
    after = threading.Event()
    alarm = set_alarm(0.05, lambda: rung.append("cancelled"))
    alarm.cancel()
    set_alarm(0.2, after.set)
    assert after.wait(WAIT)
    assert rung == []


def test_a_failing_callback_does_not_stop_the_next_alarm() -> None:
    rang = threading.Event()

    def fail() -> None:
        raise OSError("the socket was already closed")

    set_alarm(0.0, fail)
    set_alarm(0.05, rang.set)
    assert rang.wait(WAIT)


def test_a_thousand_alarms_share_one_thread() -> None:
    before = threading.active_count()
    alarms = [set_alarm(60, lambda: None) for _ in range(1000)]
    assert threading.active_count() <= before + 1  # the alarm thread, if this test started it
    for alarm in alarms:
        alarm.cancel()
