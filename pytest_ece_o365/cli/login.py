"""``ece-o365 login``: generate a mailbox's refresh token the way ECE does (checklist §A.4).

Authorization-code flow against the deployment's app registration and ECE's redirect URI, with
``login_hint`` = the expected account and ``prompt=login`` (the programmatic private window: a Kerberos
SSO session cannot sign the workstation's user in silently). The user opens the printed URL, signs in,
and pastes back the address the browser lands on; the code in it is redeemed, the signed-in account is
compared with the expected one, and only then is the refresh token written, to a file that only the
current user can read (:mod:`pytest_ece_o365.cli.private_file`).

Nothing secret is ever printed: not the client secret, not the authorization code in the pasted
address, not the tokens.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, urlsplit

from pytest_ece_o365 import redact_logs
from pytest_ece_o365.cli import login_advice
from pytest_ece_o365.cli.errors import CommandError, UsageError
from pytest_ece_o365.cli.private_file import toml_path, unsafe_target, write_private
from pytest_ece_o365.config.deployment import DeploymentConfig, Mailbox
from pytest_ece_o365.redact import redact
from pytest_ece_o365.secret import Secret, SecretSource, SecretUnavailable

SIGN_IN_FAILED = 1  # like a failed check: the deployment (or the sign-in) has to change, not the command line

#: What to do about the AADSTS errors an interactive sign-in and its code redemption can meet (with sources).
AADSTS_ADVICE = login_advice.AADSTS_ADVICE


def run_login(args: Any, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """The command: ``args.config``, ``args.mailbox``, ``args.out`` as argparse gives them."""
    from pytest_ece_o365.config.loader import ConfigError, load_config

    try:
        config = load_config(Path(args.config))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out) if args.out else None
    redact_logs.install()  # MSAL logs a non-JSON token response whole (redact_logs.py)
    try:
        login(config, args.mailbox, out, stdin=stdin, stdout=stdout)
    finally:
        redact_logs.uninstall()
    return 0


def login(
    config: DeploymentConfig,
    address: str,
    out: Path | None = None,
    *,
    secrets: SecretSource | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> Path:
    """Sign ``address``'s token account in, redeem the code, write the refresh token; return the file.

    Raises :class:`~pytest_ece_o365.cli.errors.CommandError` (exit 4 for usage, 1 for a failed sign-in) with a
    one-line message that holds no secret.
    """
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout  # at call time: tests and IDEs swap them
    mailbox = find_mailbox(config, address)
    expected = mailbox.token_user
    target = out if out is not None else default_out(mailbox)
    problem = unsafe_target(target)  # found out before the sign-in, not after it
    if problem:
        raise UsageError(f"--out {target} {problem}")
    try:
        client_secret = (secrets or SecretSource()).get(config.azure_ad.client_secret)
    except SecretUnavailable as exc:
        raise UsageError(f"{config.path}: the client secret is needed to redeem the sign-in: {exc}") from None
    app = _msal_app(config, client_secret)
    with warnings.catch_warnings():
        # MSAL recommends response_mode=form_post; ECE's redirect page reads the code from the query.
        warnings.simplefilter("ignore", UserWarning)
        flow = app.initiate_auth_code_flow(
            scopes_for(config, mailbox),
            redirect_uri=config.azure_ad.redirect_uri,
            login_hint=expected,
            prompt="login",
        )
    _instructions(stdout, flow["auth_uri"], expected, mailbox)
    response = parse_redirect(stdin.readline(), flow.get("state", ""), login=config.o365.login)
    result = _redeem(app, flow, response, config.o365.login)
    signed_in = _signed_in_account(result)
    if signed_in.casefold() != expected.casefold():
        raise CommandError(wrong_account_message(expected, signed_in, mailbox), SIGN_IN_FAILED)
    token = result.get("refresh_token")
    if not token:
        raise CommandError(
            "the sign-in returned no refresh token: the app registration must allow offline_access "
            "(delegated permission, consented); nothing was written",
            SIGN_IN_FAILED,
        )
    refresh_token = Secret(str(token))  # remembered for redaction from now on
    write_private(target, refresh_token.reveal() + "\n")
    stdout.write(
        f"\nSigned in as {signed_in}. The refresh token is in {target} (readable by you only).\n"
        f"In {config.path}, for mailbox {mailbox.address}, use:\n"
        f"  refresh_token = {{ file = {toml_path(target, config.path.parent)} }}\n"
    )
    stdout.flush()
    return target


def find_mailbox(config: DeploymentConfig, address: str) -> Mailbox:
    """The ``[[mailboxes]]`` entry for ``address`` (case-insensitive), or a usage error listing them."""
    for mailbox in config.mailboxes:
        if mailbox.address.casefold() == address.strip().casefold():
            return mailbox
    known = ", ".join(m.address for m in config.mailboxes) or "none"
    raise UsageError(f"{config.path}: no [[mailboxes]] entry for {address}; the file has: {known}")


def default_out(mailbox: Mailbox) -> Path:
    """Where the token goes without ``--out``: the config's ``{ file = ... }``, else ``./<account>.rt``."""
    ref = mailbox.refresh_token
    if ref is not None and ref.file is not None:
        return ref.file
    return Path.cwd() / f"{mailbox.token_user}.rt"


def scopes_for(config: DeploymentConfig, mailbox: Mailbox) -> list[str]:
    """The mailbox's inbound protocol scope and SMTP.Send, under the cloud's Outlook resource.

    When several mailboxes share this token source (the shared-account model), the union of their
    scopes: the same set the token probe will later ask for, so the token serves all of them.
    """
    from pytest_ece_o365.probes.token import INBOUND_SCOPES, SMTP_SCOPE, token_need_for

    need = token_need_for(config, mailbox)
    if need is not None:
        return list(need.scopes)
    resource = config.o365.outlook_resource
    return [f"{resource}/{INBOUND_SCOPES[mailbox.inbound]}", f"{resource}/{SMTP_SCOPE}"]


def wrong_account_message(expected: str, signed_in: str, mailbox: Mailbox) -> str:
    """The refusal: why a token of the wrong account would break this mailbox, and how to sign in right."""
    whose = "the mailbox's own account" if expected.casefold() == mailbox.address.casefold() else (
        f"the token_account of shared mailbox {mailbox.address}"
    )  # fmt: skip
    return (
        f"signed in as {signed_in}, but the token must be issued to {expected} ({whose}); nothing was "
        f"written. This is the single-sign-on pitfall (checklist 4): the browser reused the session of "
        f"{signed_in} (the workstation's Windows/Kerberos user) instead of asking who signs in. Run "
        f"ece-o365 login again, open the URL in a private/incognito window and sign in as {expected}"
    )


def parse_redirect(pasted: str, state: str, *, login: str = "") -> dict[str, str]:
    """The redirect's query (or fragment) parameters; a usage error for text that is not that address.
    ``login``: the cloud's login base URL, for the lookup link of an unknown AADSTS code.

    Messages never repeat the pasted text: it holds the authorization code.
    """
    text = pasted.strip()
    if not text:
        raise UsageError("nothing was pasted: copy the full address from the browser's address bar after signing in")
    aadsts = re.search(r"AADSTS(\d+)", text)
    parts = urlsplit(text)
    params: dict[str, str] = {}
    for raw in (parts.query, parts.fragment):
        params = {key: values[0] for key, values in parse_qs(raw).items()}
        if "code" in params or "error" in params:
            break
    else:
        if aadsts:  # the user pasted Microsoft's error text instead of an address
            raise CommandError(aadsts_message(int(aadsts.group(1)), login), SIGN_IN_FAILED)
        if parts.scheme and "/oauth2/" in parts.path and "authorize" in parts.path:
            raise UsageError(
                "that is the sign-in address itself: sign in first, then paste the address the browser "
                "lands on afterwards (ECE's page)"
            )
        raise UsageError(
            "the pasted text is not the address the browser landed on after signing in (it has no code= "
            "or error=): copy the whole address from the address bar, starting with https://"
        )
    if "error" in params:
        description = params.get("error_description", "")
        found = re.search(r"AADSTS(\d+)", description)
        if found:
            raise CommandError(aadsts_message(int(found.group(1)), login), SIGN_IN_FAILED)
        raise CommandError(
            f"the sign-in failed: {redact(params['error'])} {redact(description)}".strip(), SIGN_IN_FAILED
        )
    if params.get("state") != state:
        raise CommandError(
            "the pasted address belongs to a different sign-in (its state does not match this one): paste "
            "the address of the sign-in started by this command",
            SIGN_IN_FAILED,
        )
    return params


def aadsts_message(code: int, login: str = "") -> str:
    """One line for an AADSTS error: the code and what to do (else where to look it up, on ``login``'s cloud)."""
    from pytest_ece_o365.diagnosis.oauth import error_lookup

    host = urlsplit(login).hostname or ""
    advice = AADSTS_ADVICE.get(code, f"see {error_lookup(host)}/error?code={code}")
    return f"the sign-in failed with AADSTS{code}: {advice}"


# --- MSAL -------------------------------------------------------------------------------------------


def _msal_app(config: DeploymentConfig, client_secret: Secret) -> Any:
    # lazy: only this command needs MSAL at import time
    from pytest_ece_o365.probes.http import HttpProbeError, ResolvingHttpClient
    from pytest_ece_o365.probes.msal_app import confidential_client

    azure = config.azure_ad
    try:
        # Each request its own timeout: the user takes as long as they need between discovery and redemption.
        http_client = ResolvingHttpClient(config.network, config.network.timeout)
        return confidential_client(config, azure.client_id, client_secret, http_client)
    except HttpProbeError as exc:
        raise CommandError(f"cannot reach {config.o365.login}: {exc.message}", SIGN_IN_FAILED) from None
    except ValueError as exc:
        # MSAL's discovery request got a 4xx: the tenant (or the cloud's login host) is wrong.
        found = re.search(r"AADSTS(\d+)", str(exc))
        if found:
            raise CommandError(aadsts_message(int(found.group(1)), config.o365.login), SIGN_IN_FAILED) from None
        raise CommandError(
            f"{config.o365.login} did not accept tenant {azure.tenant}: check [azure_ad] tenant and [o365] cloud",
            SIGN_IN_FAILED,
        ) from None


def _redeem(app: Any, flow: dict[str, Any], response: dict[str, str], login: str) -> dict[str, Any]:
    from msal.exceptions import MsalError

    from pytest_ece_o365.probes.entra_reply import aadsts_code
    from pytest_ece_o365.probes.http import HttpProbeError

    try:
        result: dict[str, Any] = app.acquire_token_by_auth_code_flow(flow, response)
    except HttpProbeError as exc:
        raise CommandError(f"cannot redeem the sign-in: {exc.message}", SIGN_IN_FAILED) from None
    except ValueError as exc:
        raise CommandError(f"cannot redeem the sign-in: {redact(str(exc))}", SIGN_IN_FAILED) from None
    except (MsalError, RuntimeError, KeyError, TypeError) as exc:  # a 5xx, a refused ID token, a malformed reply
        raise CommandError(login_advice.failed_redemption(exc), SIGN_IN_FAILED) from None
    if "error" in result:
        code = aadsts_code(result)
        if code is not None:
            raise CommandError(aadsts_message(code, login), SIGN_IN_FAILED)
        raise CommandError(f"the code redemption failed: {redact(str(result['error']))}", SIGN_IN_FAILED)
    return result


def _signed_in_account(result: dict[str, Any]) -> str:
    claims = result.get("id_token_claims") or {}
    account = claims.get("preferred_username") or claims.get("upn") or claims.get("email")
    if not account:
        raise CommandError(
            "the sign-in returned no ID token naming the account, so it cannot be checked; nothing was written",
            SIGN_IN_FAILED,
        )
    return str(account)


def _instructions(stdout: TextIO, url: str, expected: str, mailbox: Mailbox) -> None:
    shared = f" (the account with full access to shared mailbox {mailbox.address})" if (
        expected.casefold() != mailbox.address.casefold()
    ) else ""  # fmt: skip
    stdout.write(
        f"Refresh token for {mailbox.address}: sign in as {expected}{shared}.\n\n"
        "1. Open this address in a PRIVATE / INCOGNITO browser window (so that no single sign-on\n"
        "   signs in the workstation's user instead):\n\n"
        f"{url}\n\n"
        f"2. Sign in as {expected}.\n"
        "3. The browser then lands on ECE's redirect page (it may show an error: that is fine).\n"
        "   Copy the FULL address from the address bar and paste it here.\n"
        "   (If Microsoft's page shows an AADSTS error instead, paste that error text.)\n\n"
        "Address: "
    )
    stdout.flush()
