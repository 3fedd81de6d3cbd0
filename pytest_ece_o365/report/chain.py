"""The findings of a run as the report lists them (contract §5.2): along the dependency chain, one entry
per cause (a tenant-wide cause once, with every target it hits), and under each the results it explains.

Pure functions on :class:`~pytest_ece_o365.report.results.ResultRow`; shared by the pytest-html report and
``ece-o365 merge`` (which reads files other versions wrote, so unknown check ids are expected).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pytest_ece_o365.catalog import CATALOG, STAGES, stage
from pytest_ece_o365.report.results import ResultRow

FINDING_STATUSES = frozenset({"failed", "advisory", "waived"})

__all__ = ["FINDING_STATUSES", "STAGES", "Finding", "group_findings", "stage", "stage_name"]

_CATALOG_ORDER = {spec.id: index for index, spec in enumerate(CATALOG)}
_SEVERITY = {"failed": 0, "advisory": 1, "waived": 2}


def stage_name(index: int) -> str:
    return STAGES[index] if index < len(STAGES) else "Other checks"


@dataclass
class Finding:
    """One cause as seen by one check: the rows it was seen on (one per target) and what it blocked."""

    rows: list[ResultRow]
    blocked: list[ResultRow] = field(default_factory=list)

    @property
    def first(self) -> ResultRow:
        return self.rows[0]

    @property
    def check(self) -> str:
        return self.first.check

    @property
    def status(self) -> str:
        return self.first.status

    @property
    def targets(self) -> list[str]:
        return [row.target for row in self.rows]

    @property
    def stage(self) -> int:
        return stage(self.check)

    def distinct(self, field: str) -> list[tuple[str, list[str]]]:
        """Each distinct value of ``field`` (detail, remediation) with the targets it is for: one entry when
        every target's is the same (a tenant-wide cause), else one per value, in target order."""
        by_value: dict[str, list[str]] = {}
        for row in self.rows:
            targets = by_value.setdefault(str(getattr(row, field)), [])
            if row.target not in targets:  # one target seen from several hosts (a merged report) is named once
                targets.append(row.target)
        return list(by_value.items())

    def sort_key(self) -> tuple[int, int, int, str, str]:
        order = _CATALOG_ORDER.get(self.check, len(_CATALOG_ORDER))
        return (self.stage, order, _SEVERITY.get(self.status, 3), self.check, self.first.target)


def _group_key(row: ResultRow, index: int) -> tuple[str, str, str, str]:
    """Rows of one check with one cause and status are one finding; a row without a cause stands alone."""
    return (row.check, row.status, row.cause, "" if row.cause else str(index))


def group_findings(rows: list[ResultRow]) -> tuple[list[Finding], list[ResultRow]]:
    """The findings in chain order, each with the skipped rows it explains; and the skipped rows no
    finding of this list explains (they go to "could not be judged")."""
    groups: dict[tuple[str, str, str, str], Finding] = {}
    for index, row in enumerate(rows):
        if row.status in FINDING_STATUSES:
            key = _group_key(row, index)
            if key in groups:
                groups[key].rows.append(row)
            else:
                groups[key] = Finding([row])
    by_result = {(row.check, row.target): finding for finding in groups.values() for row in finding.rows}
    unexplained: list[ResultRow] = []
    for row in rows:
        if row.status != "skipped":
            continue
        finding = by_result.get(row.blocked_by) if row.blocked_by else None
        if finding is None:
            unexplained.append(row)
        else:
            finding.blocked.append(row)
    return sorted(groups.values(), key=Finding.sort_key), unexplained
