"""The results file (contract §4): one row per collected check and target."""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pytest_ece_o365 import __version__
from pytest_ece_o365.redact import redact
from pytest_ece_o365.report.compare import PreviousRun, compare
from pytest_ece_o365.report.outcome import run_verdict
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

    @property
    def is_finding(self) -> bool:
        return self.status in ("failed", "advisory", "waived")

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
    simulated: str | None = None  # contract §4: the scenario of a --ece-simulate run, else None
    config_sha256: str = ""  # contract §4: the SHA-256 of the deployment file's bytes
    raw_command: str = ""  # the command line as typed; shown only through ``command`` (redacted)
    #: the same, argument by argument: each is redacted before quoting, so that the shell quoting of an
    #: argument (a secret with a quote in it) cannot hide a secret from redaction
    raw_args: tuple[str, ...] = ()
    strict: bool = False  # --ece-strict: an advisory makes the verdict FAIL
    interrupted: bool = False  # Ctrl-C stopped the run: its results are incomplete, never a PASS
    tool_version: str = __version__
    previous: PreviousRun | None = None  # --ece-compare: the run this one is compared with

    @property
    def command(self) -> str:
        """The command line, redacted when it is read: a secret revealed later in the run (and so
        remembered by :mod:`~pytest_ece_o365.redact`) is masked too."""
        if self.raw_args:
            return shlex.join(redact(arg) for arg in self.raw_args)
        return redact(self.raw_command)

    @property
    def generated_text(self) -> str:
        return self.generated.strftime("%Y-%m-%dT%H:%M:%SZ")


def summarize(rows: list[ResultRow]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for row in rows:
        counts[row.status] += 1
    return counts


def results_document(
    info: RunInfo,
    rows: list[ResultRow],
    unused_waivers: Sequence[Mapping[str, str]] = (),
    expiry: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "generated": info.generated_text,
        "tool": {"name": "pytest-ece-o365", "version": info.tool_version},
        "verdict": run_verdict(rows, strict=info.strict, interrupted=info.interrupted),
        "interrupted": info.interrupted,
        "simulated": info.simulated,
        "knowledge_date": info.knowledge_date or None,
        "config_sha256": info.config_sha256 or None,
        "command": info.command or None,
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
        # contract §2 waivers: an entry that matched no finding of this run is reported, not ignored.
        "unused_waivers": [{key: redact(value) for key, value in waiver.items()} for waiver in unused_waivers],
        # expiry forecasts (plugin/tokens.py): kind (client_secret | refresh_token), target, expires, last_redeemed
        "expiry": [{key: redact(value) for key, value in item.items()} for item in expiry],
    }
    if info.previous is not None:  # --ece-compare
        document["comparison"] = compare(info.previous, rows).as_json()
    return document


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


def write_results(
    path: Path,
    info: RunInfo,
    rows: list[ResultRow],
    unused_waivers: Sequence[Mapping[str, str]] = (),
    expiry: Sequence[Mapping[str, str]] = (),
) -> None:
    text = json.dumps(results_document(info, rows, unused_waivers, expiry), indent=2, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Values were redacted one by one (ResultRow.as_json); redacting the serialized text could cut a
    # JSON escape in half.
    path.write_text(text + "\n", encoding="utf-8")
