"""Dependencies as used: pyproject.toml declares what the package imports at run time, and nothing else
(a runtime dependency is installed on production ECE servers); what only the tests and benchmarks import
is in the ``test`` extra."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "pytest_ece_o365"
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]

#: The standard library of every supported Python: tomllib from 3.11 (on 3.10 the code imports tomli instead).
STDLIB = sys.stdlib_module_names | {"tomllib"}

#: Distribution names whose import name differs from the name with "-" as "_".
IMPORT_NAMES = {"pyjwt": "jwt", "dnspython": "dns"}

#: Declared runtime dependencies that the package does not import yet, with the change that will: the mark
#: is strict, so the test fails (XPASS) as soon as the import lands and the entry must go.
PENDING: dict[str, str] = {}


def _distribution(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return match.group(0).lower().replace("_", "-")


def _import_name(distribution: str) -> str:
    return IMPORT_NAMES.get(distribution, distribution.replace("-", "_"))


def _third_party_imports(root: Path, local: set[str]) -> dict[str, set[str]]:
    """Top-level names of every absolute import under ``root`` (lazy and type-only ones too) that are
    neither the standard library nor ``local``, each with the files importing it."""
    found: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in STDLIB and top not in local:
                    found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


RUNTIME = {_import_name(_distribution(r)): _distribution(r) for r in PROJECT["dependencies"]}
TEST_EXTRA = {_import_name(_distribution(r)) for r in PROJECT["optional-dependencies"]["test"]}
PACKAGE_IMPORTS = _third_party_imports(PACKAGE, {"pytest_ece_o365"})


def _pending(name: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(reason=PENDING[name], strict=True)] if name in PENDING else []


@pytest.mark.parametrize(
    "import_name", [pytest.param(name, marks=_pending(name)) for name in sorted(RUNTIME)], ids=sorted(RUNTIME)
)
def test_every_runtime_dependency_is_imported_by_the_package(import_name: str) -> None:
    assert import_name in PACKAGE_IMPORTS, (
        f"{RUNTIME[import_name]} is a runtime dependency but pytest_ece_o365 never imports {import_name}: "
        "move it to the test extra or drop it"
    )


def test_every_third_party_import_of_the_package_is_a_runtime_dependency() -> None:
    undeclared = {name: files for name, files in PACKAGE_IMPORTS.items() if name not in RUNTIME}
    assert undeclared == {}


def test_the_test_only_packages_are_not_runtime_dependencies() -> None:
    # They installed an SMTP server command (aiosmtpd) and a test CA (trustme) on production ECE servers.
    assert {"trustme", "aiosmtpd", "pytest_benchmark", "requests"}.isdisjoint(RUNTIME)


def test_every_import_of_the_tests_and_benchmarks_is_declared() -> None:
    found: dict[str, set[str]] = {}
    for root in (REPO / "tests", REPO / "benchmarks"):
        # The tests' own helper modules and packages, imported by name (rootdir-relative imports).
        local = {path.stem for path in root.rglob("*.py")} | {path.name for path in root.rglob("*") if path.is_dir()}
        for name, files in _third_party_imports(root, local | {"pytest_ece_o365"}).items():
            found.setdefault(name, set()).update(files)
    undeclared = {name: files for name, files in found.items() if name not in RUNTIME.keys() | TEST_EXTRA}
    assert undeclared == {}


def test_the_distribution_names_map_to_their_import_names() -> None:
    assert _import_name(_distribution("pyjwt>=2.8")) == "jwt"
    assert _import_name(_distribution("dnspython>=2.6")) == "dns"
    assert _import_name(_distribution("pytest-html>=4.1")) == "pytest_html"
    assert _import_name(_distribution("tomli>=2.0; python_version < '3.11'")) == "tomli"


def test_the_installed_distribution_requires_only_what_the_package_imports() -> None:
    # What `pip show pytest-ece-o365` lists under Requires, from the metadata pip installed (not pyproject.toml).
    from importlib.metadata import requires

    installed = {_distribution(r) for r in requires("pytest-ece-o365") or [] if "extra ==" not in r}
    assert installed, "pytest-ece-o365 is not installed with its metadata"
    assert {name for name in installed if _import_name(name) not in PACKAGE_IMPORTS} == set()


def test_the_classifiers_name_the_pythons_the_bundle_builds_for() -> None:
    from pytest_ece_o365.cli.bundle_target import PYTHONS

    prefix = "Programming Language :: Python :: 3."
    named = tuple(
        c.removeprefix("Programming Language :: Python :: ") for c in PROJECT["classifiers"] if c.startswith(prefix)
    )
    assert named == PYTHONS and PROJECT["requires-python"] == f">={PYTHONS[0]}"


def test_the_licence_is_spdx_and_shipped() -> None:
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (
        (REPO / "LICENSE")
        .read_text(encoding="utf-8")
        .startswith("MIT License\n\nCopyright (c) 2026 pytest-ece-o365 contributors")
    )
    # An SPDX expression and a License classifier together are refused by setuptools (PEP 639).
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_no_pytest_benchmark_in_a_developer_install() -> None:
    # Its plugin printed a header in every run and left .benchmarks/; the benchmarks are plain scripts.
    assert "pytest_benchmark" not in TEST_EXTRA and "pytest_benchmark" not in RUNTIME
