"""The run's verdict (contract §4 ``verdict``) and what could not be judged, as plain data over result rows.

One definition for every output: the results file, the terminal, the case note, the HTML report.

- ``FAIL``: a check failed, or an advisory under ``--ece-strict``.
- ``INCOMPLETE``: nothing failed, but a selected check could not be judged (a secret not set, no
  ``[graph]``, a blocked dependency, another missing input), or the run executed no check at all: a run
  that judged nothing must never read as "all is well".
- ``PASS``: otherwise.

Opt-in checks not asked for (``mailbox.send_test`` without ``--ece-send-test-mail``) are not "could not
be judged": the user chose not to run them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol, TypeVar


class ResultRow(Protocol):
    """What the verdict reads of a result (report.results.ResultRow, which imports this module to write
    ``verdict`` into the results file: a protocol keeps the import one way)."""

    @property
    def check(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def detail(self) -> str: ...
    @property
    def blocked_by(self) -> tuple[str, str] | None: ...


Row = TypeVar("Row", bound=ResultRow)

RunVerdict = Literal["PASS", "FAIL", "INCOMPLETE"]
VERDICTS: tuple[RunVerdict, ...] = ("PASS", "FAIL", "INCOMPLETE")

# Reason kinds, in the order a reader should fix them: inputs first, then what they block.
MISSING_SECRET = "missing secret"
NO_GRAPH = "no [graph] section"
BLOCKED = "blocked by another result"
OTHER = "other"
REASON_KINDS: tuple[str, ...] = (MISSING_SECRET, NO_GRAPH, BLOCKED, OTHER)

#: Checks that only run when the user asks for them (contract §1 ``--ece-send-test-mail``).
OPT_IN_CHECKS = frozenset({"mailbox.send_test"})
# The skip reason of an opt-in check not asked for (checks/mailbox.py NOTHING_SENT); matched by text so
# that this module stays free of the checks' imports.
_NOT_ASKED = "nothing is sent without --ece-send-test-mail"

# How a skip names a secret that is not there: secret.SecretUnavailable's messages ("environment variable
# X is not set", "cannot read file F", "file F is empty", "... is not text"), and the token observation's
# error id "secret-missing" that the mailbox checks quote. Not "`[ece] java_home` is not set": that is a
# setting, not a secret.
_SECRET = re.compile(
    r"environment variable \S+ is (?:not set|empty)|cannot read file |file .+ is (?:empty|not text)|secret-missing"
    r"|client secret is not available"
)
_NO_GRAPH = re.compile(r"^no \[graph\] section")


def is_opt_in_not_asked(row: ResultRow) -> bool:
    return row.status == "skipped" and row.check in OPT_IN_CHECKS and row.detail.startswith(_NOT_ASKED)


def reason_kind(row: ResultRow) -> str | None:
    """Why ``row`` could not be judged (one of :data:`REASON_KINDS`), or None when it was judged or is an
    opt-in check the user did not ask for."""
    if row.status != "skipped" or is_opt_in_not_asked(row):
        return None
    if row.blocked_by is not None:
        return BLOCKED
    if _NO_GRAPH.search(row.detail):
        return NO_GRAPH
    if _SECRET.search(row.detail):
        return MISSING_SECRET
    return OTHER


def unjudged(rows: Iterable[Row]) -> list[Row]:
    """The selected checks that could not be judged, in run order."""
    return [row for row in rows if reason_kind(row) is not None]


def unjudged_reasons(rows: Iterable[Row]) -> list[tuple[str, list[Row]]]:
    """The rows that could not be judged, grouped by reason kind in :data:`REASON_KINDS` order; empty
    groups are left out."""
    groups: dict[str, list[Row]] = {kind: [] for kind in REASON_KINDS}
    for row in rows:
        kind = reason_kind(row)
        if kind is not None:
            groups[kind].append(row)
    return [(kind, group) for kind, group in groups.items() if group]


def executed_nothing(rows: Sequence[ResultRow]) -> bool:
    """No check produced a result: everything deselected, nothing collected, or xdist ran it elsewhere."""
    return not rows


def run_verdict(rows: Sequence[ResultRow], *, strict: bool = False, interrupted: bool = False) -> RunVerdict:
    """``interrupted``: the run stopped before every check ran, so it is at best INCOMPLETE."""
    statuses = {row.status for row in rows}
    if "failed" in statuses or (strict and "advisory" in statuses):
        return "FAIL"
    if interrupted or executed_nothing(rows) or any(reason_kind(row) is not None for row in rows):
        return "INCOMPLETE"
    return "PASS"


def unjudged_summary(rows: Iterable[ResultRow]) -> str:
    """One line: "k checks could not be judged: 3 missing secret, 1 blocked by another result", or "" when
    every selected check was judged."""
    groups = unjudged_reasons(rows)
    total = sum(len(group) for _, group in groups)
    if not total:
        return ""
    noun = "check" if total == 1 else "checks"
    return f"{total} {noun} could not be judged: " + ", ".join(f"{len(group)} {kind}" for kind, group in groups)


def verdict_line(rows: Sequence[ResultRow], *, strict: bool = False) -> str:
    """The verdict word and, when the run judged nothing, why that is not a pass."""
    verdict = run_verdict(rows, strict=strict)
    if executed_nothing(rows):
        return f"{verdict}: the run executed no check"
    return verdict
