"""Who a token's user is in the directory, for token.identity: its UPN, primary address and proxy
addresses, read through the optional ``[graph]`` reader (never needed by ECE itself).

A token issued to another UPN than the one the deployment file expects is either the private-window
pitfall (another person signed in) or the same person whose sign-in name differs from the mailbox's
address (Microsoft does not require the two to match). Graph tells which: the token's user holds the
mailbox's address among its ``proxyAddresses`` or not. The lookup runs only when the names differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pytest_ece_o365.probes.graph_client import GraphClient, GraphFailed
from pytest_ece_o365.probes.graph_model import DirectoryUser as DirectoryUser
from pytest_ece_o365.probes.token import TokenNeed

if TYPE_CHECKING:
    from pytest_ece_o365.survey.needs import SurveyEnv

#: Graph returns proxyAddresses "only on $select" (https://learn.microsoft.com/en-us/graph/api/resources/user,
#: checked 2026-12-04): primary address as "SMTP:", the others as "smtp:".
_FIELDS = "id,userPrincipalName,mail,proxyAddresses"


@dataclass(frozen=True)
class DirectoryUserNeed:
    """``users/{user}`` with its addresses, once per user per run."""

    user: str

    def observe(self, env: SurveyEnv) -> DirectoryUser:
        return observe_user(env, self.user)


def observe_user(env: SurveyEnv, user: str) -> DirectoryUser:
    from pytest_ece_o365.probes.graph import GraphTokenNeed

    if env.config.graph is None:
        return DirectoryUser(user, error="no-graph", message="the file has no [graph] section")
    token = env.get(GraphTokenNeed(env.config.graph.client_id))
    if not token.ok or token.token is None:
        return DirectoryUser(user, error="no-token", message=token.message)
    graph = GraphClient(env, token.token)
    try:
        found = graph.get(
            f"users/{quote(user, safe='@')}", {"$select": _FIELDS}, permission="User.Read.All (or Directory.Read.All)"
        )
    except GraphFailed as exc:
        return DirectoryUser(user, error=exc.error, message=exc.message, transcript=graph.transcript.lines())
    return DirectoryUser(
        user,
        upn=_text(found.get("userPrincipalName")),
        mail=_text(found.get("mail")),
        proxy_addresses=tuple(_text(item) for item in _items(found.get("proxyAddresses")) if isinstance(item, str)),
        transcript=graph.transcript.lines(),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class TokenUserNeed:
    """The directory's view of whoever the refresh token of ``token`` was issued to — asked only when that
    is not the account the deployment file expects (``error`` "not-asked" otherwise)."""

    token: TokenNeed

    def observe(self, env: SurveyEnv) -> DirectoryUser:
        user = env.get(self.token).user
        if user is None or user.lower() == self.token.account_key:
            return DirectoryUser(user or "", error="not-asked")
        found = env.get(DirectoryUserNeed(user))
        return found
