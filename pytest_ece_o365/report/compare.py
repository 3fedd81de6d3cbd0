"""What changed since a previous run (contract §1 ``--ece-compare PREVIOUS.json``): its findings and this
run's, keyed by (check, target, cause).

- **new**: a finding of this run the previous run did not have;
- **still failing**: a finding both runs have (with this run's status: failed, advisory or waived);
- **fixed**: a finding of the previous run that this run no longer sees although it judged that check and
  target again (passed, or now another cause — which is then new);
- **not checked again**: a finding of the previous run whose check and target this run did not judge
  (not selected, another role, or skipped), so nothing is known of it.

Plain data over result rows, shared by the results file, the terminal, the case note and the HTML report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pytest_ece_o365.redact import redact

#: The statuses that are findings (report.chain.FINDING_STATUSES; this module imports nothing of report).
FINDINGS = ("failed", "advisory", "waived")
KINDS = ("new", "still_failing", "fixed", "not_checked_again")
KIND_WORDS = {
    "new": "new",
    "still_failing": "still failing",
    "fixed": "fixed",
    "not_checked_again": "not checked again",
}


class Row(Protocol):
    """What a comparison reads of a result (report.results.ResultRow, which imports this module)."""

    @property
    def check(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def cause(self) -> str: ...


@dataclass(frozen=True)
class PreviousRun:
    """The run compared with: the file as named on the command line, when and where it ran, its rows."""

    file: str
    generated: str
    host: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Change:
    """One finding in a comparison. ``status`` is this run's for new and still failing findings, the
    previous run's for fixed ones and those not checked again; ``now`` is this run's status of the check
    and target ("" when this run has no result for them)."""

    check: str
    target: str
    cause: str
    status: str
    now: str = ""

    def as_json(self) -> dict[str, str]:
        target = redact(self.target)
        return {"check": self.check, "target": target, "cause": self.cause, "status": self.status, "now": self.now}


@dataclass(frozen=True)
class Comparison:
    previous: PreviousRun
    new: tuple[Change, ...]
    still_failing: tuple[Change, ...]
    fixed: tuple[Change, ...]
    not_checked_again: tuple[Change, ...]

    def of(self, kind: str) -> tuple[Change, ...]:
        return tuple(getattr(self, kind))

    def counts(self) -> str:
        """ "1 new, 2 still failing, 3 fixed, 0 not checked again"."""
        return ", ".join(f"{len(self.of(kind))} {KIND_WORDS[kind]}" for kind in KINDS)

    def as_json(self) -> dict[str, Any]:
        """The results file's ``comparison`` key."""
        run = self.previous
        previous = {"file": redact(run.file), "generated": run.generated, "host": run.host}
        return {"previous": previous, **{kind: [change.as_json() for change in self.of(kind)] for kind in KINDS}}


def _key(row: Row) -> tuple[str, str, str]:
    return (row.check, row.target, row.cause)


def _findings(rows: Iterable[Row]) -> dict[tuple[str, str, str], Row]:
    found: dict[tuple[str, str, str], Row] = {}
    for row in rows:
        if row.status in FINDINGS:
            found.setdefault(_key(row), row)
    return found


def compare(previous: PreviousRun, rows: Sequence[Row]) -> Comparison:
    before = _findings(previous.rows)
    after = _findings(rows)
    status_now = {(row.check, row.target): row.status for row in rows}
    new = [Change(*key, row.status) for key, row in after.items() if key not in before]
    still = [Change(*key, row.status) for key, row in after.items() if key in before]
    fixed: list[Change] = []
    unknown: list[Change] = []
    for key, row in before.items():
        if key in after:
            continue
        now = status_now.get((row.check, row.target), "")
        change = Change(*key, row.status, now)
        (fixed if now not in ("", "skipped") else unknown).append(change)
    return Comparison(previous, tuple(new), tuple(still), tuple(fixed), tuple(unknown))


def comparison_line(comparison: Comparison) -> str:
    """One line for the terminal and the case note."""
    previous = comparison.previous
    return f"Since the run of {previous.generated} ({previous.file}, host {previous.host}): {comparison.counts()}"
