"""``ece-o365 merge`` of real simulated runs from two servers (contract §1): a tenant-wide finding once with
the hosts it was seen from (HTML and the merged JSON's ``findings``), its evidence carried, folded and
capped within a page budget; no secret in any byte."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import escape
from pathlib import Path
from typing import Any

import pytest

from pytest_ece_o365.cli import main
from pytest_ece_o365.report.finding_html import EVIDENCE_MIN_CHARS, EVIDENCE_PAGE_CHARS
from pytest_ece_o365.report.results import ResultRow, RunInfo, results_document

RECORDER = """
import json
from pathlib import Path
from pytest_ece_o365.plugin.session import SESSION_KEY

def pytest_sessionfinish(session):
    simulator = session.config.stash[SESSION_KEY].simulator
    values = [secret.reveal() for secret in simulator.secrets.values()]
    values += list(simulator.tenant.refresh_tokens)
    path = Path("secrets.json")
    old = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps(old + values))
"""


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str, list[str]]:
    where = tmp_path_factory.mktemp("merge-two-servers")
    (where / "conftest.py").write_text(RECORDER, encoding="utf-8")
    for host, role in (("ece-svc01", "services"), ("ece-app01", "application")):
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--ece-simulate=broken", "--ece-role", role,
             "--ece-json", f"{host}.json"],
            cwd=where, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 1, done.stdout + done.stderr
        path = where / f"{host}.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        document["host"] = host  # two servers (both runs are on this machine)
        path.write_text(json.dumps(document), encoding="utf-8")
    code = main(["merge", str(where / "ece-svc01.json"), str(where / "ece-app01.json"),
                 "--html", str(where / "m.html"), "--json", str(where / "m.json")])  # fmt: skip
    assert code == 1
    secrets = json.loads((where / "secrets.json").read_text(encoding="utf-8"))
    return (
        where,
        json.loads((where / "m.json").read_text(encoding="utf-8")),
        (where / "m.html").read_text("utf-8"),
        secrets,
    )


def _inputs(where: Path) -> list[dict[str, Any]]:
    return [json.loads((where / f"{host}.json").read_text("utf-8")) for host in ("ece-svc01", "ece-app01")]


def test_a_finding_both_servers_saw_is_one_entry_with_both_hosts(
    merged: tuple[Path, dict[str, Any], str, list[str]],
) -> None:
    where, document, html, _ = merged
    svc, app = _inputs(where)

    def keys(run: dict[str, Any]) -> set[tuple[str, str]]:
        return {(r["check"], r["cause"]) for r in run["results"] if r["status"] in ("failed", "advisory")}

    both = keys(svc) & keys(app)
    assert ("network.tls", "tls-inspection") in both  # the simulated TLS inspection hits every server
    findings = document["findings"]
    assert len({(f["check"], f["status"], f["cause"]) for f in findings}) == len(findings)  # each once
    tls = next(f for f in findings if f["check"] == "network.tls")
    assert tls["hosts"] == ["ece-svc01", "ece-app01"] and tls["owner"] == "network" and tls["evidence"]
    shared = [t for t in tls["targets"] if t["hosts"] == ["ece-svc01", "ece-app01"]]
    assert shared  # a target both servers probe is named once, with both hosts
    assert len(tls["targets"]) == len({t["target"] for t in tls["targets"]})
    assert html.index("SIMULATED RUN (scenario broken)") < html.index("<h1>")  # the inputs were simulated
    assert html.count("data-check='network.tls'") == 1
    card = re.search(r"<article[^>]*data-check='network.tls'>.*?</article>", html, re.DOTALL)
    assert card and "<dt>Seen from</dt><dd>ece-svc01, ece-app01 (2 hosts)</dd>" in card.group(0)
    targets = re.search(r"<dt>Targets?</dt><dd>(.*?)</dd>", card.group(0))
    assert targets and escape(shared[0]["target"]) in targets.group(1)
    assert f"{escape(shared[0]['target'])} (seen from" not in targets.group(1)  # seen from every host: no note


def test_the_merged_report_carries_the_evidence(merged: tuple[Path, dict[str, Any], str, list[str]]) -> None:
    where, document, html, _ = merged
    for run in _inputs(where):
        for row in run["results"]:
            if row["status"] == "failed":
                card = re.search(rf"<article[^>]*data-check='{re.escape(row['check'])}'>.*?</article>", html, re.DOTALL)
                assert card and "<details><summary>Evidence (" in card.group(0)
                assert escape(row["evidence"][0], quote=True) in card.group(0)
    assert all(f["evidence"] for f in document["findings"] if f["status"] == "failed")


def test_no_secret_in_any_byte_of_the_merged_outputs(merged: tuple[Path, dict[str, Any], str, list[str]]) -> None:
    where, _, _, secrets = merged
    assert secrets
    for name in ("m.html", "m.json"):
        raw = (where / name).read_bytes()
        assert not [secret for secret in secrets if secret.encode() in raw]


def test_evidence_shares_a_page_budget_over_many_hosts(tmp_path: Path) -> None:
    long = tuple(f"S: line {index} " + "x" * 150 for index in range(300))
    paths = []
    for number in range(8):  # eight servers, fifty failing checks each, an endless dialogue each
        rows = [ResultRow(f"future.check{index}", f"t{number}", "failed", "S", "check", "seen", "fix", "network",
                          evidence=long, cause=f"cause-{index}-{number}") for index in range(50)]  # fmt: skip
        info = RunInfo(f"ece-app{number:02}", ("application",), "Contoso", "12.6(1)", (), "example.onmicrosoft.com")
        paths.append(tmp_path / f"{number}.json")
        paths[-1].write_text(json.dumps(results_document(info, rows)), encoding="utf-8")
    assert (
        main(["merge", *map(str, paths), "--html", str(tmp_path / "m.html"), "--json", str(tmp_path / "m.json")]) == 1
    )
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 1_000_000  # the hard cap, with 400 findings
    evidence = re.findall(r"<pre class='ece-evidence'>(.*?)</pre>", html, re.DOTALL)
    assert len(evidence) == 400 and all(0 < len(block) <= EVIDENCE_MIN_CHARS + 200 for block in evidence)
    assert sum(map(len, evidence)) <= max(EVIDENCE_PAGE_CHARS, 400 * EVIDENCE_MIN_CHARS) * 1.3
    assert html.count("more evidence line(s) cut to keep the report small") == 400
