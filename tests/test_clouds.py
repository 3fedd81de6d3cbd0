"""The [o365] cloud presets: which endpoints a deployment in each Microsoft cloud probes, and their sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from deployments import deployment_text

from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.knowledge import CLOUDS, KNOWLEDGE_DATE, knowledge_sources
from pytest_ece_o365.knowledge.releases import RELEASES
from pytest_ece_o365.knowledge.sources import oldest_checked

# What Microsoft publishes per cloud (knowledge.CLOUDS cites the pages): the login host (Entra ID) and
# the IMAP, POP3 and SMTP submission endpoints the services server must reach.
PROBED = {
    "gcc-high": ["login.microsoftonline.us:443", "outlook.office365.us:993", "outlook.office365.us:995",
                 "outlook.office365.us:587"],
    "dod": ["login.microsoftonline.us:443", "outlook-dod.office365.us:993", "outlook-dod.office365.us:995",
            "outlook-dod.office365.us:587"],
    "china": ["login.partner.microsoftonline.cn:443", "partner.outlook.cn:993", "partner.outlook.cn:995",
              "smtp.partner.outlook.cn:587"],
}  # fmt: skip


def _cloud_deployment(path: Path, cloud: str) -> Path:
    path.write_text(deployment_text(extra=f'\n[o365]\ncloud = "{cloud}"\n'), encoding="utf-8")
    return path


@pytest.mark.parametrize("cloud", sorted(PROBED))
def test_cloud_preset_probes_the_clouds_own_endpoints(pytester: pytest.Pytester, cloud: str) -> None:
    _cloud_deployment(pytester.path / "prod.toml", cloud)
    result = pytester.runpytest("--ece-config", "prod.toml", "--ece-role", "services", "-m", "network",
                                "--collect-only", "-q")  # fmt: skip
    collected = [line for line in result.stdout.lines if "::network.tcp" in line]
    assert collected == [f"prod.toml::network.tcp[services-{endpoint}]" for endpoint in PROBED[cloud]]


@pytest.mark.parametrize(
    ("cloud", "graph", "resource"),
    [
        ("gcc-high", "https://graph.microsoft.us", "https://outlook.office365.us"),
        ("dod", "https://dod-graph.microsoft.us", "https://outlook-dod.office365.us"),
        ("china", "https://microsoftgraph.chinacloudapi.cn", "https://partner.outlook.cn"),
    ],
)
def test_cloud_preset_asks_the_clouds_graph_and_outlook_resource(
    tmp_path: Path, cloud: str, graph: str, resource: str
) -> None:
    config = load_config(_cloud_deployment(tmp_path / "prod.toml", cloud))
    assert (config.o365.cloud, config.o365.graph, config.o365.outlook_resource) == (cloud, graph, resource)


@pytest.mark.parametrize(
    ("cloud", "lookup"),
    [
        ("global", "https://login.microsoftonline.com/error?code="),
        ("gcc-high", "https://login.microsoftonline.us/error?code="),
        ("dod", "https://login.microsoftonline.us/error?code="),
        ("china", "https://login.partner.microsoftonline.cn/error?code="),
    ],
)
def test_each_cloud_has_its_own_error_lookup(cloud: str, lookup: str) -> None:
    # The lookup host is the one the cloud's own Entra ID replies name in "error_uri" (knowledge.CLOUDS).
    assert CLOUDS[cloud].error_lookup == lookup


def test_every_cloud_row_is_sourced() -> None:
    for name, cloud in CLOUDS.items():
        assert cloud.sources, name
        assert all(source.ref.strip() for source in cloud.sources), name


def test_knowledge_date_is_the_oldest_date_a_table_source_was_checked() -> None:
    rows = [release.source for release in RELEASES] + [s for cloud in CLOUDS.values() for s in cloud.sources]
    assert set(rows) <= set(knowledge_sources())
    assert oldest_checked(knowledge_sources()) == KNOWLEDGE_DATE
    assert oldest_checked(rows) >= KNOWLEDGE_DATE
