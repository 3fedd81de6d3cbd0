"""A skipped check is reported at the deployment file and its check id, not at the line of collect.py that
raised the skip.

pytest has no public way to give a skip raised in ``runtest`` the item's location: ``pytest.skip()`` takes
no location, and pytest's own skipping and unittest support use the private ``_use_item_location`` of
``pytest.skip.Exception``, as :meth:`pytest_ece_o365.plugin.collect.CheckItem.runtest` does. This test is the
guard: it fails, naming the pytest version, the day pytest stops honouring it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from deployments import deployment_text

BROKEN = (
    f"pytest {pytest.__version__} no longer reports a skip at the item's location for "
    "pytest.skip.Exception(..., _use_item_location=True) (see _pytest/reports.py, TestReport.from_item_and_call): "
    "find its replacement for CheckItem.runtest in pytest_ece_o365/plugin/collect.py"
)


def _write(pytester: pytest.Pytester) -> None:
    # No admin console URL: web_url.admin_console is skipped, the only skip of a static run.
    (pytester.path / "prod.toml").write_text(deployment_text(admin_console_url=None), encoding="utf-8")


def test_the_skip_report_carries_the_deployment_file_and_the_check_id(pytester: pytest.Pytester) -> None:
    _write(pytester)
    recorded = pytester.inline_run("--ece-config", "prod.toml", "-m", "static")
    skips = [report for report in recorded.getreports("pytest_runtest_logreport") if report.skipped]
    assert [report.nodeid for report in skips] == ["prod.toml::web_url.admin_console"]
    longrepr = skips[0].longrepr
    assert isinstance(longrepr, tuple), BROKEN
    path, line, message = longrepr
    assert Path(path).name == "prod.toml", BROKEN
    assert line == 1, BROKEN
    assert "not given" in message


def test_the_short_summary_names_the_deployment_file(pytester: pytest.Pytester) -> None:
    _write(pytester)
    result = pytester.runpytest("--ece-config", "prod.toml", "-m", "static", "-rs")
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] prod.toml:1: *not given*"])
    assert "collect.py" not in result.stdout.str(), BROKEN
