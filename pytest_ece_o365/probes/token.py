"""The token probe: one refresh-token redemption per refresh token, as ECE's services server does it.

What the mailbox probes and the login command rely on:
- :class:`TokenNeed` — hashable survey need; one per refresh token (``secret_key_path``), asking for the
  union of the scopes every mailbox served by that token needs.
- :func:`token_need_for` — the TokenNeed of a mailbox.
- :class:`TokenObservation` — ``ok``, ``access_token`` (a :class:`~pytest_ece_o365.secret.Secret` or
  None), ``error`` (classified), ``aadsts`` (the AADSTS code or None), ``description`` (redacted),
  ``claims`` (decoded access-token claims, empty when opaque), ``transcript``.

The redemption goes through MSAL (OpenID discovery, then the refresh-token POST to the v2.0 endpoint)
with :class:`~pytest_ece_o365.probes.http.ResolvingHttpClient` as its HTTP client, so it uses the run's
resolver, SNI and trust store (contract §2). It never raises: every failure becomes an observation.

Error classes (``TokenObservation.error``): ``secret-missing``; Entra's OAuth errors as sent
(``invalid_grant``, ``invalid_client``, ``unauthorized_client``, ``invalid_tenant`` …, with ``aadsts``);
the HTTP client's network classes (``nxdomain``, ``refused``, ``tcp-timeout``, ``tls-untrusted``,
``read-timeout`` …, see :mod:`pytest_ece_o365.probes.observation`); ``discovery-failed`` (the OpenID
configuration could not be read), ``server-error`` (HTTP 5xx), ``bad-response`` (not JSON / no token),
``probe-error`` (anything else; a bug or a surprise, still an observation).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_ece_o365.config.deployment import DeploymentConfig, Mailbox
from pytest_ece_o365.probes.http import HttpProbeError, HttpResponse, ResolvingHttpClient
from pytest_ece_o365.probes.observation import Deadline, Transcript
from pytest_ece_o365.redact import redact
from pytest_ece_o365.secret import Secret, SecretRef, SecretUnavailable

if TYPE_CHECKING:
    from pytest_ece_o365.survey import SurveyEnv

#: The delegated permission each inbound protocol needs, and SMTP's (names under the Outlook resource).
INBOUND_SCOPES: Mapping[str, str] = {"imap": "IMAP.AccessAsUser.All", "pop3": "POP.AccessAsUser.All"}
SMTP_SCOPE = "SMTP.Send"

# Entra appends these to every error_description; they belong in the evidence (Microsoft support asks
# for them), not in the one-line finding.
_TRAILER = re.compile(r"\s*(Trace ID:.*)$", re.DOTALL)
_TRAILER_PARTS = re.compile(r"(Trace ID|Correlation ID|Timestamp):\s*(\S+(?: \S+Z)?)")
_AADSTS = re.compile(r"AADSTS(\d+)")
#: AADSTS70000's second meaning, told by the stable phrase of its description (whatever surrounds it: the
#: Trace/Correlation ID trailer, CRLF or one line): the refresh asked for a scope that no consent covers.
#: Azure-Samples/ms-identity-java-webapi#16 (checked 2026-12-04); the other wordings ("The provided value for
#: the input parameter 'refresh_token' or 'assertion' is not valid", "… grant is invalid or malformed") are
#: the first meaning, a grant Entra cannot use.
_SCOPE_REFUSAL = re.compile(r"one\s+or\s+more\s+scopes\s+requested\s+are\s+unauthorized\s+or\s+expired", re.I)


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


class _DeadlineHttpClient(ResolvingHttpClient):
    """The run's HTTP client, with one deadline for the whole redemption (discovery + token POST):
    a slow login host costs one timeout, not one per request."""

    def __init__(self, env: SurveyEnv, deadline: Deadline, transcript: Transcript) -> None:
        super().__init__(env.config.network, env.timeout, transcript)
        self.deadline = deadline
        #: the last reply and what it answered: MSAL's exceptions drop the body, the findings need it
        self.last: tuple[str, HttpResponse] | None = None

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> HttpResponse:
        remaining = self.deadline.remaining()
        if remaining <= 0:
            raise self._failed("read-timeout", f"no answer from the login host within {self.deadline.seconds:g} s")
        self.timeout = remaining
        reply = super().request(method, url, body=body, headers=headers)
        self.last = (url, reply)
        return reply


def _refresh_token_ref(config: DeploymentConfig, key_path: str) -> SecretRef | None:
    for mailbox in config.mailboxes:
        if mailbox.refresh_token is not None and mailbox.refresh_token.key_path == key_path:
            return mailbox.refresh_token
    return None


def redeem(need: TokenNeed, env: SurveyEnv) -> TokenObservation:
    """The probe itself (see the module docstring)."""
    deadline = Deadline(env.timeout)
    config = env.config
    authority = f"{config.o365.login.rstrip('/')}/{config.azure_ad.tenant}"
    ref = _refresh_token_ref(config, need.secret_key_path)
    try:
        if ref is None:
            raise SecretUnavailable(f"{need.secret_key_path} is not in the deployment file")
        client_secret = env.secrets.get(config.azure_ad.client_secret)
        refresh_token = env.secrets.get(ref)
    except SecretUnavailable as exc:
        return TokenObservation(need, False, error="secret-missing", description=redact(str(exc)), login=authority)
    transcript = Transcript()
    client = _DeadlineHttpClient(env, deadline, transcript)
    try:
        result = _acquire(need, env, authority, client_secret, refresh_token, client)
    except HttpProbeError as exc:
        return _failure(need, transcript, authority, deadline, exc.error, exc.message)
    except Exception as exc:  # MSAL raises for 5xx, non-JSON and failed discovery; a probe never raises
        return _from_exception(need, transcript, authority, deadline, exc, client.last)
    return _from_result(need, result, transcript, authority, deadline)


def _acquire(
    need: TokenNeed,
    env: SurveyEnv,
    authority: str,
    client_secret: Secret,
    refresh_token: Secret,
    client: _DeadlineHttpClient,
) -> dict[str, Any]:
    import msal  # lazily: importing the plugin must stay cheap

    transcript = client.transcript
    transcript.note(f"redeem the refresh token for {need.account} at {authority} (MSAL {msal.__version__})")
    transcript.note("scopes: " + " ".join(need.scopes))
    app = msal.ConfidentialClientApplication(
        env.config.azure_ad.client_id,
        client_credential=client_secret.reveal(),
        authority=authority,
        http_client=client,
        instance_discovery=False,
        validate_authority=False,
    )
    result = app.acquire_token_by_refresh_token(refresh_token.reveal(), scopes=list(need.scopes))
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


def _from_exception(
    need: TokenNeed,
    transcript: Transcript,
    authority: str,
    deadline: Deadline,
    exc: Exception,
    last: tuple[str, HttpResponse] | None,
) -> TokenObservation:
    """Classify what MSAL raised from the last reply it got (its exceptions keep no body)."""
    raised = f"{type(exc).__name__}: {exc}"
    if last is None:
        return _failure(need, transcript, authority, deadline, "probe-error", raised)
    url, reply = last
    try:
        parsed = json.loads(reply.text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("error"):
        # e.g. a wrong tenant: discovery answers Entra's JSON error (AADSTS90002)
        return _from_error(need, parsed, transcript, authority, deadline)
    status = reply.status_code
    if status >= 500:
        return _failure(need, transcript, authority, deadline, "server-error", f"{url} answered HTTP {status}")
    if "openid-configuration" in url:
        message = f"OpenID discovery at {url} answered HTTP {status}, not Azure AD's configuration"
        return _failure(need, transcript, authority, deadline, "discovery-failed", message)
    message = f"{url} answered HTTP {status} with something that is not Azure AD's JSON ({raised})"
    return _failure(need, transcript, authority, deadline, "bad-response", message)


def _from_result(
    need: TokenNeed, result: dict[str, Any], transcript: Transcript, authority: str, deadline: Deadline
) -> TokenObservation:
    if result.get("error"):
        return _from_error(need, result, transcript, authority, deadline)
    token = result.get("access_token")
    if not isinstance(token, str) or not token:
        return _failure(need, transcript, authority, deadline, "bad-response", "the token response has no access token")
    access_token = Secret(token)  # remembered for redaction from here on
    claims = decode_claims(token)
    expires_in = result.get("expires_in")
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
        expires_in=_seconds(expires_in),
        scope=" ".join(scope) if isinstance(scope, list) else str(scope or ""),
        login=authority,
        elapsed=deadline.elapsed(),
    )


def _from_error(
    need: TokenNeed, result: Mapping[str, Any], transcript: Transcript, authority: str, deadline: Deadline
) -> TokenObservation:
    description = str(result.get("error_description") or "")
    codes = result.get("error_codes")
    aadsts: int | None = None
    if isinstance(codes, list) and codes and str(codes[0]).isdigit():
        aadsts = int(codes[0])
    elif match := _AADSTS.search(description):
        aadsts = int(match.group(1))
    trailer = _TRAILER.search(description)
    if trailer:
        description = description[: trailer.start()]
        ids = ", ".join(f"{name}: {value}" for name, value in _TRAILER_PARTS.findall(trailer.group(1)))
        transcript.note(f"Entra ID {ids}")
    elif result.get("correlation_id") or result.get("trace_id"):
        trace, correlation = result.get("trace_id", ""), result.get("correlation_id", "")
        transcript.note(f"Entra ID Trace ID: {trace}, Correlation ID: {correlation}")
    error = str(result.get("error"))
    return _failure(need, transcript, authority, deadline, error, description.strip() or error, aadsts)


def aadsts_key(code: int, description: str) -> str:
    """``AADSTS<code>``, or ``AADSTS70000-scope`` when 70000's description says a requested scope has no grant."""
    if code == 70000 and _SCOPE_REFUSAL.search(description):
        return "AADSTS70000-scope"
    return f"AADSTS{code}"


def _seconds(value: object) -> int | None:
    try:
        return int(float(str(value))) if value is not None else None
    except ValueError:
        return None


def decode_claims(token: str) -> dict[str, Any]:
    """The token's claims, read without verifying the signature (we judge content, not trust: the
    token came straight from the token endpoint over verified TLS); {} for an opaque token."""
    import jwt  # lazily: importing the plugin must stay cheap

    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return dict(claims) if isinstance(claims, dict) else {}


__all__ = [
    "INBOUND_SCOPES", "SMTP_SCOPE", "TokenNeed", "TokenObservation", "aadsts_key", "decode_claims", "redeem",
    "token_need_for",
]  # fmt: skip
