"""``--ece-simulate``: start the simulated tenant for a run and point the run at it."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.secret import SecretSource


def launch_simulator(
    config: pytest.Config, deployment: DeploymentConfig, scenario: str
) -> tuple[Any, DeploymentConfig, SecretSource]:
    """Start the simulator for ``scenario``; return it, the config pointed at it, and its secrets.

    It is stopped by the config's cleanup, which pytest runs at the end of every session — also after
    Ctrl-C and internal errors — so no server thread or port outlives the run.
    """
    from pytest_ece_o365.sim.runner import start_simulator
    from pytest_ece_o365.sim.tenant import ScenarioError

    try:
        simulator = start_simulator(deployment, scenario)
    except ScenarioError as exc:
        raise pytest.UsageError(f"--ece-simulate={scenario}: {exc}") from None
    except OSError as exc:
        raise pytest.UsageError(f"--ece-simulate: cannot start the simulated tenant: {exc}") from None
    config.add_cleanup(simulator.stop)
    return simulator, simulator.configure(deployment), SecretSource(simulator.secrets)
