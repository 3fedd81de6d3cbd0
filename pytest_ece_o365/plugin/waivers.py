"""Accepted exceptions: a finding covered by a valid waiver is shown, not failed (contract §2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pytest_ece_o365.config.deployment import Waiver
from pytest_ece_o365.verdict import Verdict


def apply_waivers(verdict: Verdict, waivers: Iterable[Waiver], check: str, target: str, today: dt.date) -> Verdict:
    """Waive a failure or advisory that a waiver valid ``today`` covers; note an expired one."""
    if verdict.status not in ("failed", "advisory"):
        return verdict
    covering = [waiver for waiver in waivers if waiver.covers(check, target)]
    valid = [waiver for waiver in covering if waiver.valid_on(today)]
    if valid:
        waiver = max(valid, key=lambda waiver: waiver.expires)
        return verdict.waived_by(waiver.reason, waiver.expires.isoformat())
    if covering:
        waiver = max(covering, key=lambda waiver: waiver.expires)
        return verdict.with_note(
            f"the waiver for this finding expired on {waiver.expires.isoformat()} and waives nothing: {waiver.reason}"
        )
    return verdict


def unused_waivers(waivers: Iterable[Waiver], findings: Iterable[tuple[str, str]]) -> list[Waiver]:
    """The waivers that cover none of the run's findings (``(check, target)`` of every failed, advisory
    and waived result): reported, never silently ignored — the finding is fixed, the target is
    misspelt, or the check does not run on this server."""
    found = list(findings)
    return [waiver for waiver in waivers if not any(waiver.covers(check, target) for check, target in found)]


def waiver_entry(waiver: Waiver) -> dict[str, str]:
    """A waiver as the results file's ``unused_waivers`` names it."""
    return {
        "check": waiver.check,
        "target": waiver.target or "",
        "expires": waiver.expires.isoformat(),
        "reason": waiver.reason,
    }


def unused_waiver_line(waiver: Waiver) -> str:
    target = f" [{waiver.target}]" if waiver.target else " (every target)"
    return (
        f"the waiver for {waiver.check}{target}, expiring {waiver.expires.isoformat()}, matched no finding of "
        "this run: remove it if the finding is fixed, or correct its check or target"
    )
