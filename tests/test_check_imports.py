"""Checks read plain values: what they import from ``probes/`` is a value module with no I/O, or one of
the probe modules that still define a need class (listed here, to shrink, never to grow)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_ece_o365"

#: Modules of plain values (observations, constants): no socket, no TLS, no HTTP, no probe code.
PLAIN = {"observation", "mail_observation", "graph_model", "scopes"}
#: Probe modules checks still import for their need classes (whose ``observe`` runs the probe).
NEEDS_NOT_YET_MOVED = {"graph", "graph_user", "java_trust", "mail_needs", "token"}
IO_MODULES = {"socket", "ssl", "http", "urllib", "msal", "dns", "imapclient", "imaplib", "poplib", "smtplib"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _probe_modules(imports: set[str]) -> set[str]:
    prefix = "pytest_ece_o365.probes."
    return {name.removeprefix(prefix).split(".")[0] for name in imports if name.startswith(prefix)}


def test_checks_import_from_probes_only_value_modules_and_the_listed_need_modules() -> None:
    for path in sorted((PACKAGE / "checks").glob("*.py")):
        extra = _probe_modules(_imports(path)) - PLAIN - NEEDS_NOT_YET_MOVED
        assert not extra, f"{path.name} imports probe code {sorted(extra)}: import needs and observations instead"


def test_value_modules_hold_no_io_and_no_probe_code() -> None:
    for name in sorted(PLAIN):
        imports = _imports(PACKAGE / "probes" / f"{name}.py")
        assert not {module.split(".")[0] for module in imports} & IO_MODULES, name
        assert _probe_modules(imports) <= PLAIN, name
