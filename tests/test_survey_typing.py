"""Typed needs: ``survey.get(need)`` is the need's observation type for mypy, with no annotation or cast.

The snippets are checked by mypy --strict (the project's config), so a regression to ``Any`` or to an
untyped ``get`` fails here, not only in a reviewer's eye.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parents[1]

TYPED = """
from typing_extensions import assert_type

from pytest_ece_o365.checks.base import CheckContext
from pytest_ece_o365.config.deployment import Endpoint
from pytest_ece_o365.probes.observation import DnsObservation, EndpointObservation
from pytest_ece_o365.probes.token import TokenNeed, TokenObservation
from pytest_ece_o365.survey import EndpointNeed, HostNeed, Survey, SurveyEnv


def read(survey: Survey, env: SurveyEnv, ctx: CheckContext, endpoint: Endpoint, token: TokenNeed) -> None:
    assert_type(survey.get(HostNeed("login.microsoftonline.com")), DnsObservation)
    assert_type(survey.get(EndpointNeed(endpoint, "imap")), EndpointObservation)
    assert_type(env.get(token), TokenObservation)
    if ctx.survey is not None:
        assert_type(ctx.survey.get(token), TokenObservation)
"""

UNTYPED = """
from pytest_ece_o365.survey import Survey


def read(survey: Survey) -> None:
    survey.get("login.microsoftonline.com")
"""


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(source), encoding="utf-8")
    # Run from the project root: its pyproject's [tool.mypy] applies and its cache keeps this fast.
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(snippet)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_get_returns_the_needs_observation_type(tmp_path: Path) -> None:
    result = _mypy(tmp_path, TYPED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_get_refuses_what_is_not_a_need(tmp_path: Path) -> None:
    result = _mypy(tmp_path, UNTYPED)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Argument 1 to "get" of "Survey" has incompatible type "str"' in result.stdout
