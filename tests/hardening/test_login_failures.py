"""Issue 12 item 8: ``ece-o365 login`` against a login host that fails the redemption — HTTP 500 from the token
endpoint, or an ID token without the sign-in's nonce — is a failed sign-in (one sentence, exit 1), not an
internal error (exit 3)."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import trustme
from probes.localdns import LocalDns

from hardening.hostile import HOST, Handler, Listener, login_host, tls, unsigned_jwt
from pytest_ece_o365.cli.errors import CommandError
from pytest_ece_o365.cli.login import login
from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint, Network
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.plugin.source import packaged_example
from pytest_ece_o365.secret import Secret, SecretSource

Listen = Callable[[Handler], Listener]
CLIENT_SECRET = "client-secret-of-the-test-0123456789"


@pytest.fixture
def local_dns() -> Iterator[LocalDns]:
    server = LocalDns({HOST: "127.0.0.1"})
    yield server
    server.stop()


class Paste:
    """The user: reads the printed sign-in address and pastes a redirect with a code and its state."""

    def __init__(self, printed: io.StringIO, redirect_uri: str) -> None:
        self.printed, self.redirect_uri = printed, redirect_uri

    def readline(self) -> str:
        state = re.search(r"[?&]state=([^&\s]+)", self.printed.getvalue())
        assert state, self.printed.getvalue()
        return f"{self.redirect_uri}?code=0.AUTHCODE-of-the-test&state={state.group(1)}\n"


def sign_in(listen: Listen, cert: trustme.LeafCert, bundle: Path, dns: LocalDns, reply: Callable[[str], tuple[int, str]],
            tmp_path: Path) -> CommandError:  # fmt: skip
    server = listen(tls(cert, login_host(reply)))
    example = load_config(packaged_example())
    config: DeploymentConfig = replace(
        example,
        o365=replace(example.o365, login=f"https://{HOST}:{server.port}"),
        network=Network(timeout=3, nameservers=(Endpoint("127.0.0.1", dns.port),), ca_bundle=bundle),
    )
    printed = io.StringIO()
    secrets = SecretSource({"azure_ad.client_secret": Secret(CLIENT_SECRET)})
    with pytest.raises(CommandError) as failure:
        login(config, "support@example.com", tmp_path / "rt", secrets=secrets, stdin=Paste(printed, config.azure_ad.redirect_uri),  # type: ignore[arg-type]
              stdout=printed)  # fmt: skip
    assert not (tmp_path / "rt").exists()
    return failure.value


def test_http_500_from_the_token_endpoint_is_a_failed_sign_in(
    listen: Listen, hostile_cert: trustme.LeafCert, hostile_bundle: Path, local_dns: LocalDns, tmp_path: Path
) -> None:
    error = sign_in(
        listen, hostile_cert, hostile_bundle, local_dns, lambda issuer: (500, "<html>oops</html>"), tmp_path
    )
    assert error.exit_code == 1
    assert "HTTP 500" in str(error) and "\n" not in str(error)


def test_an_id_token_without_the_nonce_is_a_failed_sign_in(
    listen: Listen, hostile_cert: trustme.LeafCert, hostile_bundle: Path, local_dns: LocalDns, tmp_path: Path
) -> None:
    def reply(issuer: str) -> tuple[int, str]:
        now = int(time.time())
        claims = {"iss": issuer, "aud": "11111111-2222-3333-4444-555555555555", "iat": now, "nbf": now,
                  "exp": now + 3600, "preferred_username": "support@example.com", "tid": "t", "sub": "s", "oid": "o"}  # fmt: skip
        body = {"token_type": "Bearer", "access_token": "opaque-access-token-value", "expires_in": 3599,
                "refresh_token": "0.REFRESH-of-the-test", "id_token": unsigned_jwt(claims)}  # fmt: skip
        return 200, json.dumps(body)

    error = sign_in(listen, hostile_cert, hostile_bundle, local_dns, reply, tmp_path)
    assert error.exit_code == 1
    assert "nonce" in str(error) and "\n" not in str(error)
    assert "REFRESH-of-the-test" not in str(error)
