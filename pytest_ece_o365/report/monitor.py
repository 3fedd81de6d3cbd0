"""``ece-o365 monitor``: a results file (contract §4) as a Nagios plugin status or Prometheus metrics.

The state, as in contract §1: 0 OK, 1 WARNING (an advisory, or a client secret or refresh token expiring
within ``warn_days``), 2 CRITICAL (a failure, a FAIL verdict, or an expiry already past), 3 UNKNOWN (the
file unreadable, not a results file, older than ``max_age``, or an INCOMPLETE / empty run). Nagios plugin
output: one line ``ECE-O365 <STATE> - <text> | <perfdata>``, perfdata ``'label'=value[UOM];[warn];[crit]``
with thresholds in the plugins' range format (``30:`` alerts below 30) (Monitoring Plugins Development
Guidelines, https://www.monitoring-plugins.org/doc/guidelines.html#AEN200, checked 2026-12-05). Prometheus: the text
exposition format the node exporter's textfile collector reads
(https://prometheus.io/docs/instrumenting/exposition_formats/, checked 2026-12-05).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")
RESULTS_SCHEMA = "pytest-ece-o365/results/1"
#: A results file larger than this is not one this product wrote (50 checks x 20 mailboxes stay far below).
MAX_RESULTS_BYTES = 32 * 1024 * 1024
WARN_DAYS = 30  # contract §1: WARNING for an expiry within 30 days


class ResultsUnreadable(ValueError):
    """The file cannot be judged; the message names it and what is wrong (state UNKNOWN)."""


def read_results(path: Path) -> dict[str, Any]:
    """A results file read by the one bounded reader (report.results_file: a regular file, size cap, UTF-8,
    nesting bound, schema); any refusal is :class:`ResultsUnreadable` (state UNKNOWN)."""
    from pytest_ece_o365.report.results_file import ResultsFileError
    from pytest_ece_o365.report.results_file import read_results as read_checked

    try:
        return read_checked(path).document
    except ResultsFileError as exc:
        raise ResultsUnreadable(str(exc)) from None


def _time(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return moment.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Expiry:
    """One forecast of the results file's ``expiry`` list: what expires when."""

    kind: str  # client_secret | refresh_token
    target: str
    expires: dt.datetime
    last_redeemed: dt.datetime | None = None


def expiries(document: dict[str, Any]) -> list[Expiry]:
    found = []
    for item in document.get("expiry") or []:
        if not isinstance(item, dict):
            continue
        expires = _time(item.get("expires"))
        if expires is None:
            continue
        kind, target = str(item.get("kind", "")), str(item.get("target", ""))
        found.append(Expiry(kind, target, expires, _time(item.get("last_redeemed"))))
    return found


@dataclass(frozen=True)
class Assessment:
    state: int
    text: str
    perfdata: list[str] = field(default_factory=list)
    document: dict[str, Any] | None = None
    age_s: float | None = None

    @property
    def line(self) -> str:
        perf = f" | {' '.join(self.perfdata)}" if self.perfdata else ""
        return f"ECE-O365 {STATE_NAMES[self.state]} - {self.text}{perf}"


def _some(rows: list[dict[str, Any]], limit: int = 3) -> str:
    named = [f"{r.get('check')}" + (f" {r.get('target')}" if r.get("target") else "") for r in rows[:limit]]
    return ", ".join(named) + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def assess(path: Path, *, now: dt.datetime, max_age_h: float | None = None, warn_days: int = WARN_DAYS) -> Assessment:
    """The monitoring state of one results file (never raises for a bad file: that is UNKNOWN)."""
    try:
        document = read_results(path)
    except ResultsUnreadable as exc:
        return Assessment(UNKNOWN, str(exc))
    rows: list[dict[str, Any]] = document["results"]
    counts = Counter(str(r.get("status")) for r in rows)
    generated = _time(document.get("generated"))
    age_s = (now - generated).total_seconds() if generated else None
    perf = [f"{status}={counts.get(status, 0)}" for status in ("passed", "failed", "advisory", "waived", "skipped")]
    if age_s is not None:
        perf.append(f"age={max(0, round(age_s))}s")
    soonest: dict[str, float] = {}
    for item in expiries(document):
        days = (item.expires - now).total_seconds() / 86400
        soonest[item.kind] = min(days, soonest.get(item.kind, days))
    # Days left, WARNING below warn_days, CRITICAL below 0 (range "N:" alerts when the value is under N).
    perf += [f"{kind}_days={days:.1f};{warn_days}:;0:" for kind, days in sorted(soonest.items())]
    host = document.get("host") or path.stem

    def result(state: int, text: str) -> Assessment:
        return Assessment(state, f"{host}: {text}", perf, document, age_s)

    if generated is None:
        return result(UNKNOWN, f"generated is {document.get('generated')!r}, not a UTC time")
    if max_age_h is not None and age_s is not None and age_s > max_age_h * 3600:
        return result(UNKNOWN, f"the results are {age_s / 3600:.1f} hours old (--max-age {max_age_h:g}): no fresh run")
    if not rows:
        return result(UNKNOWN, "the run executed no check")
    failed = [r for r in rows if r.get("status") == "failed"]
    expired = sorted(kind for kind, days in soonest.items() if days <= 0)
    if failed or expired or document.get("verdict") == "FAIL":
        parts = [f"{len(failed)} failed ({_some(failed)})"] if failed else []
        parts += [f"a {kind.replace('_', ' ')} has expired" for kind in expired]
        return result(CRITICAL, "; ".join(parts) or "verdict FAIL (advisories under --ece-strict)")
    advisory = [r for r in rows if r.get("status") == "advisory"]
    expiring = {kind: days for kind, days in soonest.items() if days <= warn_days}
    if advisory or expiring:
        parts = [f"{len(advisory)} advisory ({_some(advisory)})"] if advisory else []
        parts += [f"a {kind.replace('_', ' ')} expires in {days:.0f} days" for kind, days in sorted(expiring.items())]
        return result(WARNING, "; ".join(parts))
    if document.get("verdict") == "INCOMPLETE":
        return result(UNKNOWN, "INCOMPLETE: a selected check could not be judged (a missing secret or input)")
    return result(OK, f"{counts.get('passed', 0)} passed, verdict {document.get('verdict') or 'PASS'}")


# --- Prometheus text format ---------------------------------------------------------------------------


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _sample(name: str, labels: Mapping[str, object], value: float) -> str:
    inner = ",".join(f'{key}="{_label(item)}"' for key, item in labels.items())
    number = str(int(value)) if float(value).is_integer() else repr(float(value))  # %g would round timestamps
    return f"{name}{{{inner}}} {number}" if inner else f"{name} {number}"


_HELP = {
    "ece_o365_monitor_state": "Nagios-style state of the last run: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
    "ece_o365_verdict": "The last run's verdict (1 for the run's verdict, 0 for the others).",
    "ece_o365_check_status": "One sample per check and target: 1 for its status in the last run.",
    "ece_o365_run_timestamp_seconds": "When the last run wrote its results (Unix time).",
    # Each check waits for what it reads (the probes run meanwhile) and then judges: the sum is about the
    # time from the first check to the last, the probing included.
    "ece_o365_run_duration_seconds": "The checks' summed duration in the last run (waits for probes included).",
    "ece_o365_results_age_seconds": "Age of the results file's run when this was written.",
    "ece_o365_client_secret_expiry_timestamp_seconds": "When the app's client secret expires (Unix time).",
    "ece_o365_refresh_token_expiry_timestamp_seconds": "When the refresh token expires unused (Unix time).",
    "ece_o365_refresh_token_age_seconds": "Time since this product last redeemed the refresh token.",
}


def prometheus_text(assessment: Assessment, *, now: dt.datetime) -> str:
    document = assessment.document or {}
    host = str(document.get("host") or "")
    base = {"host": host} if host else {}
    families: dict[str, list[str]] = {name: [] for name in _HELP}
    families["ece_o365_monitor_state"].append(_sample("ece_o365_monitor_state", base, assessment.state))
    if document:
        verdict = document.get("verdict") or ""
        for name in ("PASS", "FAIL", "INCOMPLETE"):
            labels = {**base, "verdict": name}
            families["ece_o365_verdict"].append(_sample("ece_o365_verdict", labels, int(verdict == name)))
        for row in document["results"]:
            labels = {**base, "check": row.get("check", ""), "target": row.get("target", "")}
            labels["status"] = row.get("status")
            families["ece_o365_check_status"].append(_sample("ece_o365_check_status", labels, 1))
        generated = _time(document.get("generated"))
        if generated is not None:
            families["ece_o365_run_timestamp_seconds"].append(
                _sample("ece_o365_run_timestamp_seconds", base, generated.timestamp())
            )
            age = max(0.0, (now - generated).total_seconds())
            families["ece_o365_results_age_seconds"].append(_sample("ece_o365_results_age_seconds", base, age))
        duration = sum(float(r.get("duration_s") or 0) for r in document["results"])
        families["ece_o365_run_duration_seconds"].append(_sample("ece_o365_run_duration_seconds", base, duration))
        for item in expiries(document):
            if item.kind == "client_secret":
                name = "ece_o365_client_secret_expiry_timestamp_seconds"
                families[name].append(_sample(name, {**base, "secret": item.target}, item.expires.timestamp()))
            elif item.kind == "refresh_token":
                name = "ece_o365_refresh_token_expiry_timestamp_seconds"
                labels = {**base, "mailbox": item.target}
                families[name].append(_sample(name, labels, item.expires.timestamp()))
                if item.last_redeemed is not None:
                    age = max(0.0, (now - item.last_redeemed).total_seconds())
                    families["ece_o365_refresh_token_age_seconds"].append(
                        _sample("ece_o365_refresh_token_age_seconds", labels, age)
                    )
    lines = []
    for name, samples in families.items():
        if samples:
            lines += [f"# HELP {name} {_HELP[name]}", f"# TYPE {name} gauge", *samples]
    return "\n".join(lines) + "\n"
