"""The results file (contract §4): one row per collected check and target."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_ece_o365 import __version__
from pytest_ece_o365.redact import redact
from pytest_ece_o365.verdict import STATUSES, Status

SCHEMA = "pytest-ece-o365/results/1"


@dataclass(frozen=True)
class ResultRow:
    check: str
    target: str
    status: Status
    section: str
    title: str
    detail: str
    remediation: str = ""
    owner: str | None = None
    setting: str | None = None
    evidence: tuple[str, ...] = ()
    nodeid: str = ""
    duration_s: float = 0.0
    cause: str = ""  # contract §4: the diagnosed cause's id, on every failed/advisory/waived result
    blocked_by: tuple[str, str] | None = None  # contract §4: (check, target) of the result that explains this
    doc: str = ""  # contract §4: one documentation URL for the finding (failed/advisory/waived rows only)

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        row["evidence"] = [redact(line) for line in self.evidence]
        for key in ("detail", "remediation", "target", "title"):
            row[key] = redact(row[key])
        row["duration_s"] = round(self.duration_s, 3)
        if row["setting"] is None:
            del row["setting"]
        if self.status == "passed" or self.status == "skipped":
            row.pop("owner")
            row.pop("doc")
        if self.blocked_by is None:
            row.pop("blocked_by")
            if self.status in ("passed", "skipped"):
                row.pop("cause")  # a blocked result keeps the cause it is blocked for
        else:
            row["blocked_by"] = {"check": self.blocked_by[0], "target": redact(self.blocked_by[1])}
        return row


@dataclass(frozen=True)
class RunInfo:
    host: str
    roles: tuple[str, ...]
    deployment: str
    ece_version: str
    engineering_specials: tuple[str, ...]
    tenant: str
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    knowledge_date: str = ""  # contract §4: the date of the product's ECE/Office 365 tables

    @property
    def generated_text(self) -> str:
        return self.generated.strftime("%Y-%m-%dT%H:%M:%SZ")


def summarize(rows: list[ResultRow]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def results_document(info: RunInfo, rows: list[ResultRow]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "generated": info.generated_text,
        "tool": {"name": "pytest-ece-o365", "version": __version__},
        "knowledge_date": info.knowledge_date or None,
        "host": info.host,
        "roles": list(info.roles),
        "deployment": {
            "name": info.deployment,
            "ece_version": info.ece_version,
            "engineering_specials": list(info.engineering_specials),
            "tenant": info.tenant,
        },
        "summary": summarize(rows),
        "results": [row.as_json() for row in rows],
    }


def knowledge_date() -> str:
    """The oldest day any fact of the knowledge and diagnosis tables was checked against its source: no
    fact the run relies on is fresher than that (contract §4 ``knowledge_date``)."""
    # Imported here: the checks (which a run has imported by now) add their rows to the table.
    from pytest_ece_o365.checks import REGISTRY  # noqa: F401  (every diagnosis module, through the checks)
    from pytest_ece_o365.diagnosis import TABLE
    from pytest_ece_o365.knowledge import KNOWLEDGE_DATE
    from pytest_ece_o365.knowledge.sources import oldest_checked

    table = oldest_checked(row.source for row in TABLE.values() if row.source is not None)
    return min(date for date in (KNOWLEDGE_DATE, table) if date)


def write_results(path: Path, info: RunInfo, rows: list[ResultRow]) -> None:
    text = json.dumps(results_document(info, rows), indent=2, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Values were redacted one by one (ResultRow.as_json); redacting the serialized text could cut a
    # JSON escape in half.
    path.write_text(text + "\n", encoding="utf-8")
