"""Test-only helpers for the tenant tests: independent HTTPS clients that reach the simulator's loopback
ports under Microsoft's real host names, and a minimal login+Graph server pair.

The clients are plain ``requests`` sessions (what MSAL uses): name resolution is replaced by an adapter
that connects to 127.0.0.1 while sending the real host name as SNI and verifying the certificate for it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msal
import requests
from requests.adapters import HTTPAdapter

import pytest_ece_o365
from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.config.loader import load_config
from pytest_ece_o365.sim import pki
from pytest_ece_o365.sim.aad import AadApp
from pytest_ece_o365.sim.graph import GraphApp
from pytest_ece_o365.sim.https import HttpsServer
from pytest_ece_o365.sim.scenarios import build_tenant
from pytest_ece_o365.sim.tenant import Tenant

EXAMPLE = Path(pytest_ece_o365.__file__).parent / "example_config.toml"
OUTLOOK = "https://outlook.office.com"
IMAP_SMTP = [f"{OUTLOOK}/IMAP.AccessAsUser.All", f"{OUTLOOK}/SMTP.Send"]


def example_config() -> DeploymentConfig:
    return load_config(EXAMPLE)


class LoopbackAdapter(HTTPAdapter):
    """Connects to 127.0.0.1 for one real host name; SNI, Host header and certificate check use the name."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self.host
        kwargs["assert_hostname"] = self.host
        super().init_poolmanager(*args, **kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port or 443}"))
        return super().send(request, *args, **kwargs)


def session_for(ca_bundle: Path, *base_urls: str) -> requests.Session:
    """A session that trusts exactly ``ca_bundle`` and reaches each base URL's host on loopback."""
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE must not override verify (protocol reference, MSAL)
    session.verify = str(ca_bundle)
    for base in base_urls:
        session.mount(base.rstrip("/") + "/", LoopbackAdapter(urlsplit(base).hostname or ""))
    return session


@dataclass
class WebSim:
    """Entra ID and Graph for one tenant, without the mail servers or DNS."""

    tenant: Tenant
    login: str
    graph: str
    ca_bundle: Path
    session: requests.Session

    def msal_app(self, client_id: str | None = None, secret: str | None = None) -> msal.ConfidentialClientApplication:
        cfg_secret = secret if secret is not None else self.tenant.run_secrets["azure_ad.client_secret"]
        return msal.ConfidentialClientApplication(
            client_id or self.tenant.ece_client_id,
            client_credential=cfg_secret,
            authority=f"{self.login}/{self.tenant.default_domain}",
            instance_discovery=False,
            validate_authority=False,
            http_client=self.session,
        )

    def graph_token(self) -> str:
        app = msal.ConfidentialClientApplication(
            self.tenant.graph_client_id,
            client_credential=self.tenant.run_secrets["graph.client_secret"],
            authority=f"{self.login}/{self.tenant.tenant_id}",
            instance_discovery=False,
            validate_authority=False,
            http_client=self.session,
        )
        result = app.acquire_token_for_client(["https://graph.microsoft.com/.default"])
        assert "access_token" in result, result
        return str(result["access_token"])

    def graph_get(self, path: str, token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token if token is not None else self.graph_token()}"}
        return self.session.get(f"{self.graph}/v1.0/{path}", headers=headers, timeout=10)


@contextmanager
def web_sim(cfg: DeploymentConfig, scenario: str = "healthy") -> Iterator[WebSim]:
    """Start only the login and Graph HTTPS servers for ``scenario``."""
    tenant = build_tenant(cfg, scenario)
    authority = pki.authority(tenant.tls_chain)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ca_bundle = workdir / "ca.pem"
        ca_bundle.write_bytes(authority.root_pem)
        context = authority.server_certificate(tenant.hosts.all()).server_context(workdir)
        aad_app, graph_app = AadApp(tenant), GraphApp(tenant)
        aad = HttpsServer("login", aad_app, context)
        graph = HttpsServer("graph", graph_app, context)
        aad.start()
        try:
            graph.start()
            try:
                aad_app.set_base(f"https://{tenant.hosts.login}:{aad.port}")
                graph_app.set_base(f"https://{tenant.hosts.graph}:{graph.port}")
                session = session_for(ca_bundle, aad_app.login_base, graph_app.base)
                yield WebSim(tenant, aad_app.login_base, graph_app.base, ca_bundle, session)
                session.close()
            finally:
                graph.stop()
        finally:
            aad.stop()
