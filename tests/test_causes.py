"""One cause, one finding, as data: every cause id has one owner check in one table (diagnosis.OWNERS), and
the run applies it once (checks.base.settle) — the owner reports the finding, every other result the cause
explains is skipped ``blocked_by`` it, and without the owner in the run (``-m``, ``-k``) the finding stays
where it was seen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365.catalog import CHECKS
from pytest_ece_o365.checks.base import CheckContext, RunOptions, settle
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.diagnosis import OWNERS, TABLE
from pytest_ece_o365.diagnosis.causes import cause_id, owners
from pytest_ece_o365.diagnosis.table import finding
from pytest_ece_o365.plugin.source import packaged_example
from pytest_ece_o365.sim.scenarios import SCENARIOS

CONFIG = load_config(packaged_example())


def test_every_cause_has_exactly_one_owner_and_it_is_a_check() -> None:
    for cause, checks in owners(TABLE).items():
        assert len(checks) == 1, f"{cause} is reported by {sorted(checks)}"
        assert next(iter(checks)) in CHECKS, cause
    assert set(OWNERS) == set(owners(TABLE))


@pytest.mark.parametrize(
    ("check_id", "signature", "cause"),
    [
        ("token.refresh", "AADSTS700082", "aadsts-700082"),
        ("token.refresh", "AADSTS70000-scope", "aadsts-70000-scope"),
        ("network.dns", "nxdomain", "dns-nxdomain"),
        ("network.tls", "tls-untrusted", "tls-untrusted"),
        ("network.xoauth2", "no-xoauth2", "no-xoauth2"),
        ("mailbox.inbound", "imap-not-connected", "imap-not-connected"),
        ("mailbox.inbound", "read-timeout", "mailbox-read-timeout"),
    ],
)
def test_cause_ids_read_like_the_contract(check_id: str, signature: str, cause: str) -> None:
    assert cause_id(check_id, signature) == cause


ROWS_OF_OTHERS = sorted(
    (key for key, row in TABLE.items() if (row.reported_by or key[0]) != key[0]), key=lambda key: "/".join(key)
)


@pytest.mark.parametrize("key", ROWS_OF_OTHERS, ids=lambda key: "/".join(key))
def test_a_row_worded_for_another_check_s_cause_is_blocked_by_it_only_when_it_runs(key: tuple[str, str]) -> None:
    check_id, signature = key
    row = TABLE[key]
    seen = finding(check_id, signature, row, row.cause, row.remediation)
    owner = OWNERS[seen.cause]
    assert owner == row.reported_by != check_id
    target = "sales@example.com"
    with_owner = CheckContext(CONFIG, ("services",), RunOptions(10), selected=frozenset({(owner, target)}))
    blocked = settle(seen, check_id, target, with_owner)
    assert (blocked.status, blocked.blocked_by, blocked.cause) == ("skipped", (owner, target), seen.cause)
    alone = CheckContext(CONFIG, ("services",), RunOptions(10), selected=frozenset({(check_id, target)}))
    assert settle(seen, check_id, target, alone) == seen  # the owner is not in the run: the finding stays


def test_the_owner_keeps_its_own_finding() -> None:
    row = TABLE["network.dns", "nxdomain"]
    seen = finding("network.dns", "nxdomain", row, row.cause, row.remediation)
    everything = CheckContext(CONFIG, ("services",), RunOptions(10), selected=frozenset({("network.dns", "h")}))
    assert settle(seen, "network.dns", "h", everything) == seen


def _rows(pytester: pytest.Pytester, *args: str) -> list[dict[str, Any]]:
    pytester.runpytest("--ece-json", "r.json", "--ece-timeout", "2", *args)
    document: dict[str, Any] = json.loads(Path(pytester.path, "r.json").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = document["results"]
    return rows


SELECTED = ["broken", "refresh-token-expired", "dns-nxdomain", "port-blocked", "wrong-token-user",
            "missing-imap-scope", "no-full-access", "app-not-found", "tls-inspection"]  # fmt: skip
#: Scenarios whose fault shows only in the opt-in test message, and those that are a correct deployment.
SENDING = {"no-send-as", "send-as-5-2-0"}
PASSING = {"license-gcc"}
CASES = [(name, ()) for name in SCENARIOS if name != "healthy"] + [
    (name, selection) for name in SELECTED for selection in (("-m", "mailbox"), ("-k", "token or mailbox"))
]


@pytest.mark.parametrize(
    ("scenario", "selection"), CASES, ids=[f"{name}{'-' + '-'.join(sel) if sel else ''}" for name, sel in CASES]
)
def test_every_finding_has_a_cause_and_every_blocked_result_points_at_that_finding(
    pytester: pytest.Pytester, scenario: str, selection: tuple[str, ...]
) -> None:
    send = ("--ece-send-test-mail", "ops@example.net") if scenario in SENDING else ()
    rows = _rows(pytester, f"--ece-simulate={scenario}", *send, *selection)
    by_key = {(row["check"], row["target"]): row for row in rows}
    findings = [row for row in rows if row["status"] in ("failed", "advisory", "waived")]
    assert findings or selection or scenario in PASSING, "each of these scenarios has a fault a full run reports"
    for row in findings:
        assert row["cause"] and row["owner"], row
    for row in rows:
        if "blocked_by" not in row:
            continue
        blocker = by_key[row["blocked_by"]["check"], row["blocked_by"]["target"]]
        assert blocker["status"] in ("failed", "advisory", "waived"), (row, blocker)
        assert blocker["cause"] == row["cause"], (row, blocker)  # one cause, one finding
    causes = [(row["cause"], row.get("target")) for row in findings]
    owners_seen = {(OWNERS.get(row["cause"], row["check"]), row["cause"]) for row in findings}
    assert len(owners_seen) <= len(causes)
