"""The token probe: one refresh-token redemption per refresh token, as ECE's services server does it.

What the mailbox probes and the login command rely on:
- :class:`TokenNeed` — hashable survey need; one per refresh token (``secret_key_path``), asking for the
  union of the scopes every mailbox served by that token needs.
- :func:`token_need_for` — the TokenNeed of a mailbox.
- :class:`TokenObservation` — ``ok``, ``access_token`` (a :class:`~pytest_ece_o365.secret.Secret` or
  None), ``error`` (classified), ``aadsts`` (the AADSTS code or None), ``description`` (redacted),
  ``claims`` (decoded access-token claims, empty when opaque), ``transcript``.

The redemption goes through MSAL (OpenID discovery, then the refresh-token POST to the v2.0 endpoint;
:func:`~pytest_ece_o365.probes.msal_app.confidential_client`) with one deadline for both requests, through
the run's resolver, SNI and trust store (contract §2). It never raises: every failure becomes an
observation; what Entra's replies mean is :mod:`pytest_ece_o365.probes.entra_reply`.

Error classes (``TokenObservation.error``): ``secret-missing``; Entra's OAuth errors as sent
(``invalid_grant``, ``invalid_client``, ``unauthorized_client``, ``invalid_tenant`` …, with ``aadsts``);
the HTTP client's network classes (``nxdomain``, ``refused``, ``tcp-timeout``, ``tls-untrusted``,
``read-timeout`` …, see :mod:`pytest_ece_o365.probes.observation`); ``discovery-failed`` (the OpenID
configuration could not be read), ``server-error`` (HTTP 5xx), ``bad-response`` (not JSON / no token / an
``expires_in`` out of range), ``too-large`` (over 1 MiB), ``probe-error`` (anything else; a bug or a surprise, still
an observation).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_ece_o365.config.deployment import DeploymentConfig, Mailbox
from pytest_ece_o365.probes.entra_reply import Refusal, aadsts_key, failed_reply, refusal
from pytest_ece_o365.probes.http import HttpProbeError, ResolvingHttpClient, probe_client
from pytest_ece_o365.probes.msal_app import authority as authority_of
from pytest_ece_o365.probes.msal_app import confidential_client
from pytest_ece_o365.probes.observation import Deadline, Transcript
from pytest_ece_o365.probes.peer_values import PeerValueError
from pytest_ece_o365.probes.peer_values import expires_in as seconds
from pytest_ece_o365.probes.scopes import INBOUND_SCOPES as INBOUND_SCOPES
from pytest_ece_o365.probes.scopes import SMTP_SCOPE as SMTP_SCOPE
from pytest_ece_o365.probes.token_app import TokenAppNeed
from pytest_ece_o365.redact import redact
from pytest_ece_o365.secret import Secret, SecretRef, SecretUnavailable

if TYPE_CHECKING:
    from pytest_ece_o365.survey.needs import SurveyEnv


@dataclass(frozen=True)
class TokenObservation:
    """One refresh-token redemption: the token (a Secret) and its claims, or the classified refusal."""

    need: TokenNeed
    ok: bool
    access_token: Secret | None = None
    error: str = ""  # "" when ok; e.g. "secret-missing", "invalid_grant", "invalid_client", "unreachable"
    aadsts: int | None = None
    description: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict)
    transcript: tuple[str, ...] = ()
    # Added: what the token endpoint said beyond the token itself.
    expires_in: int | None = None  # seconds, as the token response says (also for opaque tokens)
    scope: str = ""  # the granted scopes, space-separated full URIs, as the token response says
    login: str = ""  # the authority the request went to, e.g. https://login.microsoftonline.com/contoso.com
    elapsed: float = 0.0
    rotated: Secret | None = None  # the new refresh token the redemption returned (--ece-keep-tokens)

    @property
    def error_key(self) -> str:
        """The diagnosis signature of a refusal: ``AADSTS<code>``, ``AADSTS70000-scope`` for 70000's scope
        meaning, else the error class ("" when ok)."""
        if self.aadsts is None:
            return self.error
        return aadsts_key(self.aadsts, self.description)

    @property
    def opaque(self) -> bool:
        """A token was issued but is not a JWT we can read (Microsoft may do that): claims cannot tell."""
        return self.ok and not self.claims

    @property
    def user(self) -> str | None:
        """Whom the issued token belongs to, by its claims (None: no token, or no user claim)."""
        return claims_user(self.claims) if self.ok else None


#: The claims that name a token's user: ``upn`` / ``unique_name`` (v1 tokens, Outlook's) or
#: ``preferred_username`` (v2) (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference,
#: checked 2026-12-04).
_USER_CLAIMS = ("upn", "unique_name", "preferred_username")


def claims_user(claims: Mapping[str, Any]) -> str | None:
    """The account a token was issued to, from its claims."""
    for name in _USER_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and value:
            # unique_name of a guest reads "live.com#user@example.com"
            return value.rsplit("#", 1)[-1]
    return None


@dataclass(frozen=True)
class TokenNeed:
    """Redeem the refresh token at ``secret_key_path`` for ``scopes``; its user should be ``account``.

    Needs compare by ``account`` case-insensitively (``account_key``): addresses are, and ``ECE-Mail@…``
    in one mailbox entry and ``ece-mail@…`` in another must not redeem the same refresh token twice.
    ``account`` keeps the form the file wrote, for display.
    """

    secret_key_path: str  # the refresh token's SecretRef.key_path, e.g. "mailboxes[0].refresh_token"
    account: str = field(compare=False)  # whom the token should belong to: the mailbox, or its token_account
    scopes: tuple[str, ...]  # sorted full scope URIs, e.g. "https://outlook.office.com/IMAP.AccessAsUser.All"
    account_key: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "account_key", self.account.lower())

    def observe(self, env: SurveyEnv) -> TokenObservation:
        """Redeem the refresh token once, within ``env.timeout``; never raises."""
        return redeem(self, env)


def token_need_for(config: DeploymentConfig, mailbox: Mailbox) -> TokenNeed | None:
    """The TokenNeed serving ``mailbox`` (None when it has no refresh_token in the file)."""
    ref = mailbox.refresh_token
    if ref is None:
        return None
    # Mailboxes whose refresh token comes from the same variable or file share one token (and one
    # request): the shared-account model, where one delegate's token serves several mailboxes.
    same_token = _by_token_source(config)[(ref.env, ref.file)]
    names = {SMTP_SCOPE} | {INBOUND_SCOPES[other.inbound] for other in same_token}
    resource = config.o365.outlook_resource
    first = same_token[0].refresh_token
    assert first is not None
    return TokenNeed(first.key_path, mailbox.token_user, tuple(sorted(f"{resource}/{name}" for name in names)))


TokenSource = tuple[str | None, Path | None]  # a refresh token's (env, file)
# The grouping of the last deployment asked about: token_need_for is called for every mailbox by several
# checks, and grouping anew each time made a 500-mailbox run quadratic (issue 13). Kept by identity (a
# deployment is immutable), one entry: a run has one deployment.
_last_grouping: tuple[DeploymentConfig, dict[TokenSource, list[Mailbox]]] | None = None


def _by_token_source(config: DeploymentConfig) -> dict[TokenSource, list[Mailbox]]:
    global _last_grouping
    last = _last_grouping
    if last is not None and last[0] is config:
        return last[1]
    groups: dict[TokenSource, list[Mailbox]] = {}
    for mailbox in config.mailboxes:
        if mailbox.refresh_token is not None:
            groups.setdefault((mailbox.refresh_token.env, mailbox.refresh_token.file), []).append(mailbox)
    _last_grouping = (config, groups)
    return groups


def _refresh_token_ref(config: DeploymentConfig, key_path: str) -> SecretRef | None:
    for mailbox in config.mailboxes:
        if mailbox.refresh_token is not None and mailbox.refresh_token.key_path == key_path:
            return mailbox.refresh_token
    return None


def redeem(need: TokenNeed, env: SurveyEnv) -> TokenObservation:
    """The probe itself (see the module docstring)."""
    deadline = Deadline(env.timeout)
    config = env.config
    authority = authority_of(config)
    ref = _refresh_token_ref(config, need.secret_key_path)
    try:
        if ref is None:
            raise SecretUnavailable(f"{need.secret_key_path} is not in the deployment file")
        client_secret = env.secrets.get(config.azure_ad.client_secret)
        refresh_token = env.secrets.get(ref)
    except SecretUnavailable as exc:
        return TokenObservation(need, False, error="secret-missing", description=redact(str(exc)), login=authority)
    transcript = Transcript()
    # One deadline for the whole redemption (discovery + token POST): a slow login host costs one timeout.
    client = probe_client(env, transcript, deadline)
    try:
        result = _acquire(need, env, client_secret, refresh_token, client)
    except HttpProbeError as exc:
        return _failure(need, transcript, authority, deadline, exc.error, exc.message)
    except Exception as exc:  # MSAL raises for 5xx, non-JSON and failed discovery; a probe never raises
        if client.last is None:
            return _failure(need, transcript, authority, deadline, "probe-error", f"{type(exc).__name__}: {exc}")
        url, reply = client.last
        said = failed_reply(url, reply.status_code, reply.text, f"{type(exc).__name__}: {exc}")
        return _refused(need, said, transcript, authority, deadline)
    if result.get("error"):
        return _refused(need, refusal(result), transcript, authority, deadline)
    return _from_result(need, result, transcript, authority, deadline)


def _acquire(
    need: TokenNeed, env: SurveyEnv, client_secret: Secret, refresh_token: Secret, client: ResolvingHttpClient
) -> dict[str, Any]:
    import msal  # lazily (already loaded by confidential_client): only for its version in the transcript

    transcript = client.transcript
    authority = authority_of(env.config)
    transcript.note(f"redeem the refresh token for {need.account} at {authority} (MSAL {msal.__version__})")
    transcript.note("scopes: " + " ".join(need.scopes))
    client_id = env.config.azure_ad.client_id
    # One MSAL application for the run's every token (probes.token_app); its own when that could not be built.
    shared = env.get(TokenAppNeed(client_id))
    if shared.app is None:
        app = confidential_client(env.config, client_id, client_secret, client)
        result = app.acquire_token_by_refresh_token(refresh_token.reveal(), scopes=list(need.scopes))
    else:
        transcript.note("the OpenID configuration, read once for every token of the run:")
        transcript.include(shared.transcript)
        with shared.clients.lent(client):
            result = shared.app.acquire_token_by_refresh_token(refresh_token.reveal(), scopes=list(need.scopes))
    return dict(result) if isinstance(result, Mapping) else {}


def _failure(
    need: TokenNeed,
    transcript: Transcript,
    authority: str,
    deadline: Deadline,
    error: str,
    message: str,
    aadsts: int | None = None,
) -> TokenObservation:
    return TokenObservation(
        need,
        False,
        error=error,
        aadsts=aadsts,
        description=redact(message),
        transcript=transcript.lines(),
        login=authority,
        elapsed=deadline.elapsed(),
    )


def _refused(
    need: TokenNeed, said: Refusal, transcript: Transcript, authority: str, deadline: Deadline
) -> TokenObservation:
    if said.ids:
        transcript.note(f"Entra ID {said.ids}")
    return _failure(need, transcript, authority, deadline, said.error, said.description, said.aadsts)


def _from_result(
    need: TokenNeed, result: dict[str, Any], transcript: Transcript, authority: str, deadline: Deadline
) -> TokenObservation:
    token = result.get("access_token")
    if not isinstance(token, str) or not token:
        return _failure(need, transcript, authority, deadline, "bad-response", "the token response has no access token")
    access_token = Secret(token)  # remembered for redaction from here on
    new_token = result.get("refresh_token")  # a Secret at once: remembered for redaction before anything fails
    rotated = Secret(new_token) if isinstance(new_token, str) and new_token else None
    claims = decode_claims(token)
    try:
        expires_in = seconds(result.get("expires_in"))
    except PeerValueError as exc:  # out of range (a 401-digit number, negative, text): not Entra's reply
        return _failure(need, transcript, authority, deadline, "bad-response", f"the token response's {exc.message}")
    scope = result.get("scope")
    transcript.note(
        "access token issued"
        + (f", expires in {expires_in} s" if expires_in is not None else "")
        + ("" if claims else " (opaque: not a JWT, its claims cannot be read)")
    )
    return TokenObservation(
        need,
        True,
        access_token=access_token,
        claims=claims,
        transcript=transcript.lines(),
        expires_in=expires_in,
        scope=" ".join(map(str, scope)) if isinstance(scope, list) else str(scope or ""),
        login=authority,
        elapsed=deadline.elapsed(),
        rotated=rotated,
    )


def decode_claims(token: str) -> dict[str, Any]:
    """The token's claims, read without verifying the signature (we judge content, not trust: the
    token came straight from the token endpoint over verified TLS); {} for an opaque token.

    A JWS in compact form is three base64url segments, header.payload.signature (RFC 7515 §7.1); the
    claims are the payload's JSON object (RFC 7519 §3). Read here with the standard library: PyJWT's
    unverified decode checks each character in Python, 2.5 ms per Entra-sized token, 0.5 s of a
    200-mailbox run (issue 13). Anything else — an encrypted five-segment JWE, text, a payload that is
    not a JSON object — is opaque."""
    segments = token.split(".")
    if len(segments) != 3:
        return {}
    try:
        header, claims = (json.loads(_base64url(segment).decode("utf-8")) for segment in segments[:2])
    except (ValueError, RecursionError):  # not base64url, not UTF-8, not JSON (binascii.Error is a ValueError)
        return {}
    if not isinstance(header, dict) or "alg" not in header or not isinstance(claims, dict):
        return {}
    return claims


def _base64url(segment: str) -> bytes:
    """A base64url segment without padding, strictly (a character outside the alphabet is an error)."""
    segment = segment.rstrip("=")  # RFC 7515 §2 omits the padding; some issuers add it anyway, and PyJWT accepts it
    return base64.b64decode(segment + "=" * (-len(segment) % 4), altchars=b"-_", validate=True)


__all__ = [
    "INBOUND_SCOPES", "SMTP_SCOPE", "TokenNeed", "TokenObservation", "aadsts_key", "decode_claims", "redeem",
    "token_need_for",
]  # fmt: skip
