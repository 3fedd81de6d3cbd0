"""The plugin costs nothing in a pytest run that does not use it: an unrelated project's run loads the
plugin module of this package and nothing else of it (issue 10)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pytest_ece_o365.plugin as plugin
from pytest_ece_o365.catalog import KINDS
from pytest_ece_o365.knowledge import ROLE_MARKERS, VERSION_MARKERS
from pytest_ece_o365.plugin import source

# A conftest of the unrelated project that records, at the end of the session, which modules of this
# package the run has loaded.
RECORDER = """
import json, sys

def pytest_sessionfinish(session):
    names = sorted(name for name in sys.modules if name.split(".")[0] == "pytest_ece_o365")
    with open("loaded.json", "w", encoding="utf-8") as out:
        json.dump(names, out)
"""
UNUSED = ["pytest_ece_o365", "pytest_ece_o365.plugin"]


def _loaded(project: Path, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """Run ``pytest --co -q`` in a fresh interpreter in ``project``; the package modules it loaded."""
    (project / "conftest.py").write_text(RECORDER, encoding="utf-8")
    (project / "test_unrelated.py").write_text("def test_one():\n    assert True\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ECE_O365"))}
    command = [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", *args]
    done = subprocess.run(
        command, cwd=project, env={**clean, **(env or {})}, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return list(json.loads((project / "loaded.json").read_text(encoding="utf-8")))


def test_an_unrelated_run_loads_only_the_plugin_module(tmp_path: Path) -> None:
    assert _loaded(tmp_path) == UNUSED


def test_an_unrelated_run_with_ece_markers_in_its_ini_loads_only_the_plugin_module(tmp_path: Path) -> None:
    # --strict-markers and -m with one of the checklist's markers need the markers, not the checklist.
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers -m 'not network'\n", encoding="utf-8")
    assert _loaded(tmp_path) == UNUSED


@pytest.mark.parametrize(
    ("args", "env", "ini"),
    [
        (("--ece-config", "prod.toml"), None, ""),
        ((), {"ECE_O365_CONFIG": "prod.toml"}, ""),
        ((), None, "ece_config = prod.toml\n"),
        (("--ece-simulate", "healthy"), None, ""),
    ],
    ids=["option", "env", "ini", "simulate"],
)
def test_a_deployment_file_or_simulate_loads_the_run(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str] | None, ini: str
) -> None:
    """The other side of the test above: each way of asking for the checklist still loads the run."""
    example = Path(plugin.__file__).parent.parent / "example_config.toml"
    (tmp_path / "prod.toml").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(f"[pytest]\n{ini}", encoding="utf-8")
    # -m static: collection only, but keep a simulated run from starting more than it needs.
    loaded = _loaded(tmp_path, *args, "-m", "static", env=env)
    assert "pytest_ece_o365.plugin.session" in loaded
    assert "pytest_ece_o365.plugin.collect" in loaded


def test_the_plugins_marker_names_are_the_knowledge_and_catalogs() -> None:
    assert tuple(ROLE_MARKERS.values()) == plugin.ROLE_MARKER_NAMES
    assert plugin.VERSION_MARKER_NAMES == VERSION_MARKERS
    assert plugin.KIND_NAMES == KINDS
    assert plugin.ENV_VAR == source.ENV_VAR


def test_the_markers_are_registered_in_an_unrelated_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n"
        "@pytest.mark.services_server\n@pytest.mark.ece_12_6\n@pytest.mark.graph\n"
        "def test_marked(): pass\n"
    )
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=1)
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["*@pytest.mark.application_server: *", "*@pytest.mark.ece_15_0: *ECE 15.0*"])


def test_without_the_plugin_the_markers_are_unknown(pytester: pytest.Pytester) -> None:
    """-p no:ece_o365 still turns the plugin off entirely."""
    pytester.makepyfile("import pytest\n@pytest.mark.graph\ndef test_marked(): pass\n")
    result = pytester.runpytest_subprocess("-p", "no:ece_o365", "--strict-markers")
    result.stdout.fnmatch_lines(["*'graph' not found in `markers` configuration option*"])
    assert "--ece-config" not in pytester.runpytest_subprocess("-p", "no:ece_o365", "--help").stdout.str()
