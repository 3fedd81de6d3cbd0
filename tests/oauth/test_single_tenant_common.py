"""AADSTS50194 (scenario ``single-tenant-common``) comes only from /common or /organizations: the simulated
token endpoint serves the same single-tenant app through its tenant's own endpoint (id or domain)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pytest_ece_o365
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.probes.http import ResolvingHttpClient
from pytest_ece_o365.sim.runner import RunningSimulator, start_simulator

EXAMPLE = Path(pytest_ece_o365.__file__).parent / "example_config.toml"


@pytest.fixture(scope="module")
def sim() -> RunningSimulator:
    with start_simulator(load_config(EXAMPLE), "single-tenant-common") as running:
        yield running  # type: ignore[misc]


def _refresh(sim: RunningSimulator, authority: str) -> tuple[int, str]:
    cfg = sim.configure(sim.cfg)
    form = {
        "grant_type": "refresh_token",
        "client_id": cfg.azure_ad.client_id,
        "client_secret": sim.tenant.run_secrets["azure_ad.client_secret"],
        "refresh_token": sim.tenant.run_secrets["mailboxes[0].refresh_token"],
        "scope": f"{cfg.o365.outlook_resource}/IMAP.AccessAsUser.All offline_access",
    }
    reply = ResolvingHttpClient(cfg.network, 5).post(f"{cfg.o365.login}/{authority}/oauth2/v2.0/token", data=form)
    return reply.status_code, reply.text


def test_the_scenarios_deployment_names_the_common_authority(sim: RunningSimulator) -> None:
    assert sim.cfg.azure_ad.tenant == "example.onmicrosoft.com"  # the file's own
    assert sim.configure(sim.cfg).azure_ad.tenant == "common"  # what the scenario's run uses


@pytest.mark.parametrize("authority", ["common", "organizations", "Common"])
def test_50194_through_the_multi_tenant_aliases(sim: RunningSimulator, authority: str) -> None:
    status, text = _refresh(sim, authority)
    assert status == 400
    assert "AADSTS50194" in text and "is not configured as a multi-tenant application" in text


def test_the_tenants_own_endpoint_serves_the_single_tenant_app(sim: RunningSimulator) -> None:
    for authority in ("example.onmicrosoft.com", sim.tenant.tenant_id):
        status, text = _refresh(sim, authority)
        assert status == 200, text[:300]
        assert "access_token" in text


def test_a_healthy_tenant_serves_common_too() -> None:
    """The app of every other scenario is multi-tenant as far as the simulator goes: /common works."""
    with start_simulator(load_config(EXAMPLE), "healthy") as healthy:
        status, text = _refresh(healthy, "common")
    assert status == 200, text[:300]


def test_ece_o365_sim_says_which_authority_the_scenario_uses(sim: RunningSimulator) -> None:
    assert '[azure_ad] tenant = "common"' in sim.config_snippet()
