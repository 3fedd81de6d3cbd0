"""Where the run's deployment file comes from: ``--ece-config`` > ``ECE_O365_CONFIG`` > the ini's
``ece_config``; and the packaged example ``--ece-simulate`` uses without one."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pytest

__all__ = ["ENV_VAR", "config_source", "packaged_example"]

ENV_VAR = "ECE_O365_CONFIG"


def config_source(config: pytest.Config) -> tuple[Path, str] | None:
    """The deployment file and which setting named it: option > environment > ini."""
    option = config.getoption("ece_config")
    if option:
        return config.invocation_params.dir / option, f"{option} (from --ece-config)"
    env = os.environ.get(ENV_VAR)
    if env:
        return config.invocation_params.dir / env, f"{env} (from {ENV_VAR})"
    ini = config.getini("ece_config")
    if ini:
        base = config.inipath.parent if config.inipath else config.rootpath
        return base / str(ini), f"{ini} (from ece_config in {config.inipath or 'the ini file'})"
    return None


def packaged_example() -> Path:
    return Path(str(resources.files("pytest_ece_o365") / "example_config.toml"))
