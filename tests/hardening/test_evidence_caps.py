"""Issue 12 item 3: evidence is bounded per result, not only by time — an IMAP server streaming an endless
CAPABILITY reply at ``--ece-timeout 3`` gives one finding with a capped transcript that says it was cut."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme
from deployments import deployment_text
from probes.localdns import LocalDns

from hardening.hostile import HOST, Handler, Listener, endless_capability, tls
from pytest_ece_o365.probes.observation import Transcript
from pytest_ece_o365.verdict import MAX_EVIDENCE_CHARS, MAX_EVIDENCE_LINE, MAX_EVIDENCE_LINES, Verdict, failed

Listen = Callable[[Handler], Listener]


def test_an_endless_capability_stream_gives_bounded_evidence(
    pytester: pytest.Pytester,
    listen: Listen,
    hostile_cert: trustme.LeafCert,
    hostile_bundle: Path,
    hostile_dns: LocalDns,
) -> None:
    server = listen(tls(hostile_cert, endless_capability))
    extra = (
        f'\n[o365]\ncloud = "global"\nimap = "{HOST}:{server.port}"\n\n'
        f'[network]\nnameservers = ["127.0.0.1:{hostile_dns.port}"]\nca_bundle = "{hostile_bundle}"\n'
    )
    config = pytester.path / "prod.toml"
    config.write_text(deployment_text(extra=extra), encoding="utf-8")
    pytester.runpytest("--ece-config", str(config), "--ece-timeout", "3", "-k", "xoauth2", "--ece-json", "r.json")
    results = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))["results"]
    (row,) = [r for r in results if r["check"] == "network.xoauth2" and r["target"] == f"{HOST}:{server.port}"]
    assert row["status"] == "failed", row
    evidence = row["evidence"]
    assert len(evidence) <= MAX_EVIDENCE_LINES + 1
    assert sum(len(line) for line in evidence) <= MAX_EVIDENCE_CHARS + 200
    assert "endless CAPABILITY reply" in row["detail"] + evidence[-1], evidence[-3:]


def test_a_verdict_caps_its_evidence_and_says_so() -> None:
    verdict: Verdict = failed(
        "d", "r", "network", cause="c", evidence=tuple(f"S: {i} " + "x" * 5000 for i in range(1000))
    )
    assert len(verdict.evidence) <= MAX_EVIDENCE_LINES + 1
    assert all(len(line) <= MAX_EVIDENCE_LINE + 40 for line in verdict.evidence)
    assert sum(len(line) for line in verdict.evidence) <= MAX_EVIDENCE_CHARS + 200
    (note,) = [line for line in verdict.evidence if "evidence lines cut" in line]
    assert "of 1000" in note
    assert verdict.evidence[0].startswith("S: 0 ") and verdict.evidence[-1].startswith("S: 999 ")  # the end is kept
    small = failed("d", "r", "network", cause="c", evidence=("a", "b"))
    assert small.evidence == ("a", "b")


def test_a_transcript_keeps_its_first_and_last_lines() -> None:
    transcript = Transcript()
    for number in range(10_000):
        transcript.server(f"* CAPABILITY {number}")
    transcript.note("the conclusion")
    lines = transcript.lines()
    assert len(lines) == Transcript.MAX_LINES + 1
    assert lines[0] == "S: * CAPABILITY 0" and lines[-1] == "*: the conclusion"
    assert any("lines cut" in line for line in lines)
