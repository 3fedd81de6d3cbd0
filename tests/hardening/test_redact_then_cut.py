"""Issue 12 item 11: lines are redacted first and cut after — a secret that a peer echoes across the point
where a transcript line (300 characters) or an HTTPS body (600) is cut shows no piece of itself in any output:
terminal, HTML, JSON, JUnit."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme
from deployments import deployment_text
from probes.localdns import LocalDns

from hardening.hostile import HOST, Handler, Listener, login_host, tls
from pytest_ece_o365.probes.observation import Transcript
from pytest_ece_o365.redact import clip, remember

Listen = Callable[[Handler], Listener]
#: Shaped like no token pattern: only the remembered value can mask it.
REFRESH_TOKEN = "M.C507_BAY.0.U.-Cq7zStraddlingRefreshTokenValue-9876543210"
CLIENT_SECRET = "Qx8~StraddlingClientSecretValue.1234567890"


def pieces(secret: str, size: int = 8) -> set[str]:
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def assert_no_piece(text: str, where: str) -> None:
    for secret in (REFRESH_TOKEN, CLIENT_SECRET):
        shown = sorted(piece for piece in pieces(secret) if piece in text)
        assert not shown, f"{where} shows {shown[:3]} of a secret"


@pytest.mark.parametrize("at", [290, 297, 299, 590, 596])
def test_clip_redacts_before_it_cuts(at: int) -> None:
    remember(REFRESH_TOKEN)
    text = "x" * at + REFRESH_TOKEN + " tail"
    assert_no_piece(clip(text, 300), "clip at 300")
    assert_no_piece(clip(text, 600), "clip at 600")
    transcript = Transcript()
    transcript.server(text)
    assert_no_piece("\n".join(transcript.lines()), "the transcript")


def test_an_echoed_secret_across_the_cut_is_in_no_output(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    listen: Listen,
    hostile_cert: trustme.LeafCert,
    hostile_bundle: Path,
    hostile_dns: LocalDns,
) -> None:
    def refuse(issuer: str) -> tuple[int, str]:
        # A proxy's error page that echoes the request: the refresh token starts 8 characters before the
        # transcript's cut at 300 (the line reads "HTTP 400 " + the body).
        head = '{"error": "invalid_grant", "error_description": "AADSTS70000: echo '
        padding = "p" * (300 - 8 - len("HTTP 400 ") - len(head))
        return 400, f'{head}{padding}{REFRESH_TOKEN} and {CLIENT_SECRET}"}}'

    server = listen(tls(hostile_cert, login_host(refuse)))
    monkeypatch.setenv("ECE_O365_TEST_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("ECE_O365_TEST_RT_SUPPORT", REFRESH_TOKEN)
    extra = (
        f'\n[o365]\ncloud = "global"\nlogin = "https://{HOST}:{server.port}"\n\n'
        f'[network]\nnameservers = ["127.0.0.1:{hostile_dns.port}"]\nca_bundle = "{hostile_bundle}"\n'
    )
    config = pytester.path / "prod.toml"
    config.write_text(deployment_text(extra=extra), encoding="utf-8")
    result = pytester.runpytest(
        "--ece-config", str(config), "--ece-timeout", "3", "-k", "token.refresh and support", "-rA", "-vv",
        "--ece-json", "r.json", "--junitxml", "r.xml", "--html", "r.html", "--self-contained-html",
    )  # fmt: skip
    results = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))["results"]
    (row,) = [r for r in results if r["check"] == "token.refresh"]
    assert row["status"] == "failed" and any("HTTP 400" in line for line in row["evidence"]), row
    assert_no_piece("\n".join(result.outlines + result.errlines), "the terminal")
    for name in ("r.json", "r.xml", "r.html"):
        assert_no_piece((pytester.path / name).read_text(encoding="utf-8"), name)
