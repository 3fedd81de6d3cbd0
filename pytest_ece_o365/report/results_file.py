"""Reading a results file (contract §4) back: the one bounded reader of ``ece-o365 report``, ``merge``,
``--ece-compare`` (and ``monitor``).

A results file comes from another machine, another version, or a hand that edited it. It is read within
bounds before it is parsed — a regular file, at most :data:`MAX_BYTES`, no NUL byte, UTF-8, JSON nested at
most :data:`MAX_DEPTH` deep (measured on the text, so that 100,000 nested ``[`` never reach ``json.loads``)
— then checked against the schema. Whatever is wrong is one :class:`ResultsFileError` line naming the file.

A run that executed no check judged nothing and is refused: reading it as a report would make its host
look clean. A run marked ``interrupted`` (Ctrl-C) is read, and says so (:attr:`ResultsFile.interrupted`):
each reader decides (``merge`` refuses it, ``report`` flags it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from array import array
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

from pytest_ece_o365.files import RESULTS_LIMIT, read_bounded
from pytest_ece_o365.report.compare import PreviousRun
from pytest_ece_o365.report.results import SCHEMA, ResultRow, RunInfo
from pytest_ece_o365.verdict import STATUSES

MAX_BYTES = RESULTS_LIMIT
MAX_DEPTH = 64

# Linear in the text whatever it holds: escapes first (then no string can hide a quote), then strings.
_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEPS = str.maketrans({"[": "\x01", "{": "\x01", "]": "\xff", "}": "\xff"})


class ResultsFileError(ValueError):
    """A results file that cannot be read; the message (one line) names the file and what is wrong."""


@dataclass(frozen=True)
class ResultsFile:
    """One results file as read: the document, the run info and rows the report needs."""

    path: Path
    document: dict[str, Any]
    info: RunInfo
    rows: list[ResultRow]
    unused_waivers: list[dict[str, str]]

    @property
    def interrupted(self) -> bool:
        """The run was stopped before every check ran (``interrupted: true``, written by such a run)."""
        return self.info.interrupted

    def as_previous(self, name: str) -> PreviousRun:
        """This run as the one ``--ece-compare`` compares with; ``name`` is the file as the user gave it."""
        return PreviousRun(name, self.info.generated_text, self.info.host, tuple(self.rows))


def read_results(path: Path) -> ResultsFile:
    """Read, bound and validate one results file; :class:`ResultsFileError` naming the file otherwise."""
    text = _bounded_text(path)
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise ResultsFileError(f"{path}: JSON nested deeper than {MAX_DEPTH} levels: not a results file")
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ResultsFileError(f"{path}: not a JSON results file ({_one_line(exc)})") from None
    try:
        return _parse(path, document)
    except (KeyError, TypeError, ValueError) as exc:
        raise ResultsFileError(f"{path}: {_one_line(exc.args[0] if exc.args else exc)}") from None


def _bounded_text(path: Path) -> str:
    try:
        data = read_bounded(path, MAX_BYTES)  # a regular file, opened without blocking, at most 32 MiB
    except OSError as exc:
        raise ResultsFileError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if b"\0" in data:
        raise ResultsFileError(f"{path}: holds NUL bytes: not a JSON results file")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # a BOM, as Windows editors save
    except UnicodeDecodeError as exc:
        raise ResultsFileError(f"{path}: not UTF-8 text (byte {exc.start}): not a JSON results file") from None


def nesting_depth(text: str) -> int:
    """How deep the JSON text's arrays and objects nest (what strings hold left out), without recursion:
    the highest running sum of +1 per opening and -1 per closing bracket."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    if not brackets:
        return 0
    steps = array("b")
    steps.frombytes(brackets.translate(_STEPS).encode("latin-1"))
    return max(0, max(accumulate(steps)))


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


# --- The schema ---------------------------------------------------------------------------------------


def _parse(path: Path, document: Any) -> ResultsFile:
    if not isinstance(document, dict):
        raise ValueError("not a results file (the JSON is not an object)")
    schema = document.get("schema")
    if schema != SCHEMA:
        raise ValueError(f"schema is {schema!r}, expected {SCHEMA!r} (a file written by pytest --ece-json)")
    deployment = _field(document, "deployment", dict, "deployment")
    specials = _strings(deployment.get("engineering_specials", []), "deployment.engineering_specials")
    info = RunInfo(
        host=_field(document, "host", str, "host") or path.stem,
        roles=tuple(_strings(document.get("roles", []), "roles")),
        deployment=_field(deployment, "name", str, "deployment.name"),
        ece_version=str(deployment.get("ece_version", "")),
        engineering_specials=tuple(specials),
        tenant=str(deployment.get("tenant", "")),
        generated=_time(document.get("generated")),
        interrupted=_interrupted(document),
        **_provenance(document),
    )  # fmt: skip
    results = _field(document, "results", list, "results")
    if not results:
        # A run that executed no check (everything deselected, xdist workers) judged nothing: reading it
        # as a report would count its host as clean.
        raise ValueError(
            "the run executed no check (no results): it judged nothing, so it cannot be merged or reported"
        )
    rows = [_row(item, f"results[{index}]") for index, item in enumerate(results)]
    return ResultsFile(path, document, info, rows, _waivers(document.get("unused_waivers")))


def _provenance(document: dict[str, Any]) -> dict[str, Any]:
    """The keys added on 2026-12-03 (contract §4), absent in older files: read when there, else empty."""
    rows = document.get("results")
    failed = isinstance(rows, list) and any(isinstance(row, dict) and row.get("status") == "failed" for row in rows)
    tool = document.get("tool")
    return {
        "knowledge_date": _optional(document, "knowledge_date"),
        "simulated": _optional(document, "simulated") or None,
        "config_sha256": _optional(document, "config_sha256"),
        "raw_command": _optional(document, "command"),  # redacted when written; RunInfo.command redacts again
        # --ece-strict is not recorded as such: a FAIL without a failed result is an advisory under it.
        "strict": document.get("verdict") == "FAIL" and not failed,
        "tool_version": str(tool.get("version") or "") if isinstance(tool, dict) else "",
    }


def _interrupted(document: dict[str, Any]) -> bool:
    value = document.get("interrupted", False)
    if not isinstance(value, bool):
        raise ValueError(f"interrupted should be true or false, not {type(value).__name__}")
    return value


def _optional(document: dict[str, Any], key: str) -> str:
    value = document.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} should be a string, not {type(value).__name__}")
    return value


def _row(item: Any, where: str) -> ResultRow:
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    status = item.get("status")
    if status not in STATUSES:
        raise ValueError(f"{where}.status is {_short(status)}, not one of {', '.join(STATUSES)}")
    evidence = item.get("evidence", [])
    duration = item.get("duration_s", 0.0)
    return ResultRow(
        check=_field(item, "check", str, f"{where}.check"),
        target=_field(item, "target", str, f"{where}.target"),
        status=status,
        section=str(item.get("section", "")),
        title=str(item.get("title", "")),
        detail=str(item.get("detail", "")),
        remediation=str(item.get("remediation", "")),
        owner=str(item["owner"]) if item.get("owner") else None,
        setting=str(item["setting"]) if item.get("setting") else None,
        evidence=tuple(_strings(evidence, f"{where}.evidence")),
        nodeid=str(item.get("nodeid", "")),
        duration_s=float(duration) if isinstance(duration, (int, float)) else 0.0,
        cause=str(item.get("cause") or ""),
        blocked_by=_blocked_by(item.get("blocked_by"), f"{where}.blocked_by"),
        doc=str(item.get("doc") or ""),
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _blocked_by(value: Any, where: str) -> tuple[str, str] | None:
    """A result's ``blocked_by`` ({"check": …, "target": …}), absent in files written before it existed."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object with check and target")
    return _field(value, "check", str, f"{where}.check"), _field(value, "target", str, f"{where}.target")


def _waivers(value: Any) -> list[dict[str, str]]:
    """``unused_waivers`` (added 2026-12-03): absent in older files."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError("unused_waivers should be a list of objects")
    return [{str(key): str(text) for key, text in item.items()} for item in value]


def _field(container: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in container:
        raise ValueError(f"{where} is missing")
    value = container[key]
    if not isinstance(value, kind):
        raise ValueError(
            f"{where} should be a {'string' if kind is str else kind.__name__}, not {type(value).__name__}"
        )
    return value


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"{where} should be a list")
    return [str(item) for item in value]


def _time(value: Any) -> dt.datetime:
    try:
        return dt.datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise ValueError(f"generated is {_short(value)}, not a UTC time like 2026-11-28T14:00:00Z") from None
