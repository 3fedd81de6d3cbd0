"""Fixtures shared by the project's own tests: deployment files written for a test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from deployments import deployment_text

# Loaded here, before any in-process pytester run: pytester restores sys.modules after each run, and
# cryptography's Rust core cannot be imported a second time in one process ("Algorithm must be a
# registered hash algorithm"), so modules the simulator needs must already be in the snapshot.
import pytest_ece_o365.sim.runner  # noqa: F401

DeploymentWriter = Callable[..., Path]


@pytest.fixture
def write_deployment(tmp_path: Path) -> DeploymentWriter:
    """Write a deployment file (``deployment_text`` keywords, or ``text=``) and return its path."""

    def write(filename: str = "prod.toml", *, text: str | None = None, **changes: str | None) -> Path:
        path = tmp_path / filename
        path.write_text(text if text is not None else deployment_text(**changes), encoding="utf-8")
        return path

    return write
