"""The one way the product builds an MSAL application: the token probe, the Graph reader's token and
``ece-o365 login`` all talk to Entra ID through :func:`confidential_client`.

Every application gets the run's :class:`~pytest_ece_o365.probes.http.ResolvingHttpClient` as its HTTP
client (the run's resolver, SNI and trust store, contract §2; MSAL's default, ``requests``, would let
``REQUESTS_CA_BUNDLE`` override the trust anchors and would ask the system resolver), so the caller's
deadline and redacted transcript cover MSAL's requests too.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.probes.http import ResolvingHttpClient
from pytest_ece_o365.secret import Secret


class ThreadClients:
    """MSAL's ``http_client`` for an application that several probe threads share
    (:mod:`pytest_ece_o365.probes.token_app`): each thread's requests go through the client it lent with
    :meth:`lent`, so that every probe keeps its own deadline, transcript and last reply."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextlib.contextmanager
    def lent(self, client: ResolvingHttpClient) -> Iterator[None]:
        self._local.client = client
        try:
            yield
        finally:
            self._local.client = None

    def _client(self) -> ResolvingHttpClient:
        client: ResolvingHttpClient | None = getattr(self._local, "client", None)
        if client is None:  # a request outside lent(): a bug, not a network failure
            raise RuntimeError("an MSAL request from a thread that lent no HTTPS client")
        return client

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._client().get(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        return self._client().post(*args, **kwargs)

    def close(self) -> None:
        """Nothing to release: every request uses its own connection."""


def authority(config: DeploymentConfig) -> str:
    """The tenant's authority on the configured cloud's login host, e.g.
    ``https://login.microsoftonline.com/contoso.com``."""
    return f"{config.o365.login.rstrip('/')}/{config.azure_ad.tenant}"


def confidential_client(
    config: DeploymentConfig,
    client_id: str,
    client_secret: Secret,
    http_client: ResolvingHttpClient | ThreadClients,
) -> Any:
    """An ``msal.ConfidentialClientApplication`` for ``client_id`` at :func:`authority`.

    MSAL reads the tenant's OpenID configuration here already, through ``http_client``: what that
    request raises (:class:`~pytest_ece_o365.probes.http.HttpProbeError`, or MSAL's ``ValueError`` for a
    refused discovery) reaches the caller.
    """
    import msal  # lazily: importing the plugin must stay cheap

    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=client_secret.reveal(),
        authority=authority(config),
        http_client=http_client,
        # The configured login host is asked itself, never MSAL's central instance-discovery endpoint on
        # login.microsoftonline.com (MSAL's instance_discovery docs): national clouds and the simulator
        # answer under their own host names.
        instance_discovery=False,
        validate_authority=False,
    )
