"""The token probe: one refresh-token redemption per refresh token, as ECE's services server does it.

THE INTERFACE (other probes depend on it; keep these names and fields):
- :class:`TokenNeed` — hashable survey need; one per refresh token (``secret_key_path``), asking for the
  union of the scopes every mailbox served by that token needs.
- :func:`token_need_for` — the TokenNeed of a mailbox.
- :class:`TokenObservation` — ``ok``, ``access_token`` (a :class:`~pytest_ece_o365.secret.Secret` or
  None), ``error`` (classified), ``aadsts`` (the AADSTS code or None), ``description`` (redacted),
  ``claims`` (decoded access-token claims, empty when opaque), ``transcript``.
(Being built.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_ece_o365.deployment import DeploymentConfig, Mailbox
from pytest_ece_o365.secret import Secret

if TYPE_CHECKING:
    from pytest_ece_o365.survey import SurveyEnv

#: The delegated permission each inbound protocol needs, and SMTP's (names under the Outlook resource).
INBOUND_SCOPES: Mapping[str, str] = {"imap": "IMAP.AccessAsUser.All", "pop3": "POP.AccessAsUser.All"}
SMTP_SCOPE = "SMTP.Send"


@dataclass(frozen=True)
class TokenObservation:
    need: TokenNeed
    ok: bool
    access_token: Secret | None = None
    error: str = ""  # "" when ok; e.g. "secret-missing", "invalid_grant", "invalid_client", "unreachable"
    aadsts: int | None = None
    description: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict)
    transcript: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenNeed:
    secret_key_path: str  # the refresh token's SecretRef.key_path, e.g. "mailboxes[0].refresh_token"
    account: str  # whom the token should belong to: the mailbox, or its token_account when shared
    scopes: tuple[str, ...]  # sorted full scope URIs, e.g. "https://outlook.office.com/IMAP.AccessAsUser.All"

    def observe(self, env: SurveyEnv) -> TokenObservation:
        raise NotImplementedError("being built")


def token_need_for(config: DeploymentConfig, mailbox: Mailbox) -> TokenNeed | None:
    """The TokenNeed serving ``mailbox`` (None when it has no refresh_token in the file)."""
    ref = mailbox.refresh_token
    if ref is None:
        return None
    # Mailboxes whose refresh token comes from the same variable or file share one token (and one
    # request): the shared-account model, where one delegate's token serves several mailboxes.
    source = (ref.env, ref.file)
    same_token = [
        other
        for other in config.mailboxes
        if other.refresh_token is not None and (other.refresh_token.env, other.refresh_token.file) == source
    ]
    names = {SMTP_SCOPE} | {INBOUND_SCOPES[other.inbound] for other in same_token}
    resource = config.o365.outlook_resource
    first = same_token[0].refresh_token
    assert first is not None
    return TokenNeed(first.key_path, mailbox.token_user, tuple(sorted(f"{resource}/{name}" for name in names)))
