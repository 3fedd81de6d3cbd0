"""Every fact about Microsoft or Cisco in the tables carries its source and the day it was checked, and the
results file's knowledge_date is the oldest of those days (contract §4)."""

from __future__ import annotations

import datetime as dt

import pytest

from pytest_ece_o365.checks import REGISTRY  # noqa: F401  (every check module adds its diagnosis rows)
from pytest_ece_o365.diagnosis import TABLE
from pytest_ece_o365.knowledge.sources import Source, oldest_checked
from pytest_ece_o365.report.results import knowledge_date


@pytest.mark.parametrize("key", sorted(TABLE), ids=lambda key: "/".join(key))
def test_every_diagnosis_row_has_a_source(key: tuple[str, str]) -> None:
    row = TABLE[key]
    assert isinstance(row.source, Source), f"{key} has no source"
    assert row.source.ref.startswith(("https://", "http://")) or "#" in row.source.ref or "/" in row.source.ref


def test_a_source_refuses_a_date_that_is_not_one() -> None:
    with pytest.raises(ValueError):
        Source("https://example.com", "2026-13-01")
    with pytest.raises(ValueError):
        Source(" ", "2026-12-04")


def test_knowledge_date_is_the_oldest_check_of_any_source() -> None:
    date = knowledge_date()
    dt.date.fromisoformat(date)
    sources = [row.source for row in TABLE.values() if row.source is not None]
    assert date <= oldest_checked(sources)
    assert oldest_checked([Source("a/b#1", "2026-12-04"), Source("a/b#2", "2025-01-31")]) == "2025-01-31"
    assert oldest_checked([]) == ""


def test_every_knowledge_row_has_a_source() -> None:
    from pytest_ece_o365.knowledge import CLOUDS, EXCHANGE_PLANS, KNOWLEDGE_DATE, knowledge_sources
    from pytest_ece_o365.knowledge.releases import RELEASES

    assert all(isinstance(release.source, Source) for release in RELEASES)
    assert all(release.highest_named_source is not None for release in RELEASES if release.highest_named_es)
    assert all(release.latest_source is not None for release in RELEASES if release.latest_es)
    assert all(cloud.sources for cloud in CLOUDS.values())
    assert all(isinstance(plan.source, Source) for plan in EXCHANGE_PLANS)
    assert oldest_checked(knowledge_sources()) == KNOWLEDGE_DATE
