"""The run's one MSAL application for every refresh-token redemption.

Building an MSAL application reads the tenant's OpenID configuration (a DNS, TCP, TLS and HTTP round trip
on both ends) and costs some milliseconds of CPU; one per refresh token made 200 mailboxes read the same
document 200 times (issue 13). :class:`TokenAppNeed` builds the application once per run; each redemption
then lends it, for the length of its own call, the HTTPS client that carries its deadline and transcript
(:class:`~pytest_ece_o365.probes.msal_app.ThreadClients`). MSAL's calls are synchronous, on the calling
thread, so a thread's requests go through the client it lent.

When the configuration cannot be read, there is no shared application: each redemption builds its own,
reads the configuration itself and reports that failure as its own, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_ece_o365.probes.http import probe_client
from pytest_ece_o365.probes.msal_app import ThreadClients, confidential_client
from pytest_ece_o365.probes.observation import Transcript
from pytest_ece_o365.secret import SecretUnavailable

if TYPE_CHECKING:
    from pytest_ece_o365.survey.needs import SurveyEnv


@dataclass(frozen=True)
class TokenApp:
    """The run's application (None when it could not be built) and how it read the configuration."""

    app: Any  # msal.ConfidentialClientApplication | None
    clients: ThreadClients
    transcript: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenAppNeed:
    """ECE's app registration ``client_id`` as an MSAL application, built once per run."""

    client_id: str

    def observe(self, env: SurveyEnv) -> TokenApp:
        return build(env, self.client_id)


def build(env: SurveyEnv, client_id: str) -> TokenApp:
    """Build the application (which reads the configuration); never raises."""
    config = env.config
    clients = ThreadClients()
    try:
        secret = env.secrets.get(config.azure_ad.client_secret)
    except SecretUnavailable:
        return TokenApp(None, clients)  # each redemption says so itself
    transcript = Transcript()
    client = probe_client(env, transcript)
    try:
        with clients.lent(client):
            app = confidential_client(config, client_id, secret, clients)
    except Exception:  # each redemption reads the configuration again and classifies what it sees
        return TokenApp(None, clients, transcript.lines())
    return TokenApp(app, clients, transcript.lines())
