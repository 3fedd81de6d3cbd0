"""Judging what Microsoft Graph showed: pure functions over the Graph observations and the config.

Tested from recorded observations (no network); :mod:`pytest_ece_o365.checks.graph_read` feeds them from
the run's survey.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.diagnosis.graph import graph_finding, reader_skip_reason
from pytest_ece_o365.knowledge import (
    EXCHANGE_ONLINE_APP_ID,
    GRAPH_DELEGATED_PERMISSION_IDS,
    SECRET_EXPIRY_WARNING_DAYS,
)
from pytest_ece_o365.probes.graph_model import (
    EXCHANGE_SCOPES,
    READER_ERRORS,
    AppObservation,
    EceSecretView,
    PasswordCredential,
    PermissionGrant,
    secret_fingerprint,
)
from pytest_ece_o365.probes.scopes import INBOUND_SCOPES, SMTP_SCOPE
from pytest_ece_o365.verdict import Verdict, cannot_tell, passed

_PROTOCOL = {"imap": "IMAP", "pop3": "POP3"}


def _app_evidence(observation: AppObservation) -> tuple[str, ...]:
    app = observation.app
    if app is None:
        return observation.transcript
    lines = [
        f"app: {app.display_name or '(no name)'} appId {app.app_id}",
        "Web redirect URIs: " + (", ".join(app.web_redirect_uris) or "(none)"),
    ]
    if app.spa_redirect_uris:
        lines.append("Single-page application redirect URIs: " + ", ".join(app.spa_redirect_uris))
    if app.public_client_redirect_uris:
        lines.append("Mobile and desktop redirect URIs: " + ", ".join(app.public_client_redirect_uris))
    return (*lines, *observation.transcript)


# --- azure_app.registration -------------------------------------------------------------------------


def judge_registration(observation: AppObservation, redirect_uri: str, tenant: str) -> Verdict:
    """The app exists, is a Web-platform app, and lists ``redirect_uri`` exactly under Web."""
    check_id = "azure_app.registration"
    app = observation.app
    if app is None:  # app-not-found: other errors were handled before judging
        seen = f"Graph found no application with appId {observation.client_id} in tenant {tenant}."
        return graph_finding(check_id, "app-not-found", seen, evidence=observation.transcript)
    evidence = _app_evidence(observation)
    name = f'"{app.display_name}" ({app.app_id})' if app.display_name else app.app_id
    if redirect_uri in app.web_redirect_uris:
        return passed(
            f"App {name} is a Web-platform app and lists {redirect_uri} exactly under Web.", evidence=evidence
        )
    elsewhere = [
        platform
        for platform, uris in (
            ("Single-page application", app.spa_redirect_uris),
            ("Mobile and desktop applications", app.public_client_redirect_uris),
        )
        if redirect_uri in uris
    ]
    if elsewhere:
        seen = f"App {name} lists {redirect_uri} under {' and '.join(elsewhere)}, not under Web."
        return graph_finding(check_id, "redirect-uri-wrong-platform", seen, evidence=evidence)
    registered = (*app.web_redirect_uris, *app.spa_redirect_uris, *app.public_client_redirect_uris)
    near = [(uri, how) for uri in registered if (how := near_miss(redirect_uri, uri))]
    if near:
        uri, how = near[0]
        where = "Web" if uri in app.web_redirect_uris else "another platform"
        seen = f'ECE uses "{redirect_uri}"; the app has "{uri}" under {where}, which {how}.'
    else:
        listed = ", ".join(f'"{uri}"' for uri in app.web_redirect_uris) or "none"
        seen = f'ECE uses "{redirect_uri}"; the app\'s Web redirect URIs are: {listed}.'
        if not app.web_redirect_uris and registered:
            seen += " It is not a Web-platform app at all (its redirect URIs are under another platform)."
    return graph_finding(check_id, "redirect-uri-not-registered", seen, evidence=evidence)


def near_miss(wanted: str, registered: str) -> str:
    """How ``registered`` differs from ``wanted`` when it is almost the same URI ("" when it is not)."""
    if wanted == registered:
        return ""
    slash = wanted.rstrip("/") == registered.rstrip("/")
    if slash:
        return "differs only by a trailing slash"
    if wanted.lower() == registered.lower():
        return "differs only in letter case"
    if wanted.rstrip("/").lower() == registered.rstrip("/").lower():
        return "differs in letter case and by a trailing slash"
    if wanted.partition("://")[2] == registered.partition("://")[2]:
        return "differs in its scheme (http/https)"
    return ""


# --- azure_app.client_secret ------------------------------------------------------------------------


def _day(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment is not None else "never"


def judge_client_secret(observation: AppObservation, now: dt.datetime, ece_secret: EceSecretView | None) -> Verdict:
    """A client secret is valid now; advisory when the last valid one expires within 30 days.

    ``ece_secret`` (what this run knows of the secret ECE is given: its hint and fingerprint, never its
    value) picks ECE's own secret among several by the first characters Graph shows of each, and catches
    a Secret ID entered instead of the value.
    """
    check_id = "azure_app.client_secret"
    app = observation.app
    assert app is not None
    creds = app.passwords
    evidence = (
        *(f"client secret {c.label}: valid from {_day(c.start)} until {_day(c.end)}" for c in creds),
        *observation.transcript,
    )
    if not creds:
        return graph_finding(check_id, "no-client-secret", f"App {app.app_id} has no client secret.", evidence=evidence)
    known = ece_secret is not None and ece_secret.available
    if known and ece_secret is not None:
        entered_id = [c for c in creds if c.key_id and secret_fingerprint(c.key_id) == ece_secret.fingerprint]
        if entered_id:
            seen = f"The value ECE is given equals the Secret ID of {entered_id[0].label}."
            return graph_finding(check_id, "client-secret-id-entered", seen, evidence=evidence)
    mine = [c for c in creds if known and ece_secret is not None and c.hint and c.hint[:3] == ece_secret.hint]
    judged = mine or list(creds)
    whose = "ECE's client secret" if mine else "The app's client secret"
    valid = [c for c in judged if c.valid_at(now)]
    if not valid:
        last = max(judged, key=_end)
        ago = (now - last.end).days if last.end is not None else 0
        seen = f"{whose} {last.label} expired on {_day(last.end)} ({ago} days ago)."
        others = [c for c in creds if c not in judged and c.valid_at(now)]
        if others:
            seen += f" Another secret, {others[0].label}, is valid until {_day(others[0].end)}: ECE does not use it."
        return graph_finding(check_id, "client-secret-expired", seen, evidence=evidence)
    best = max(valid, key=_end)
    if best.end is None:
        return passed(f"{whose} {best.label} is valid and never expires.", evidence=evidence)
    days_left = math.ceil((best.end - now).total_seconds() / 86400)
    when = f"{best.label} expires on {_day(best.end)} ({days_left} days left)"
    if days_left <= SECRET_EXPIRY_WARNING_DAYS:
        # ECE's own secret is known: a newer one in Azure that ECE does not hold yet does not help ECE.
        newer = [c for c in creds if c not in judged and c.valid_at(now) and _end(c) > best.end]
        if newer:
            latest = max(newer, key=_end)
            seen = (
                f"{whose} {when}. A newer secret, {latest.label}, is valid until {_day(latest.end)}, "
                "but ECE is not given it: enter its Value in ECE."
            )
            return graph_finding(check_id, "client-secret-expiring-newer-unused", seen, evidence=evidence)
        seen = f"{whose} {when}; no other secret is valid longer."
        return graph_finding(check_id, "client-secret-expiring", seen, evidence=evidence)
    return passed(f"{whose} is valid: {when}.", evidence=evidence)


def _end(credential: PasswordCredential) -> dt.datetime:
    return credential.end or dt.datetime.max.replace(tzinfo=dt.timezone.utc)


# --- azure_app.permissions --------------------------------------------------------------------------


def needed_permissions(mailboxes: Iterable[Mailbox]) -> tuple[tuple[str, str], ...]:
    """(delegated permission, why) the configured mailboxes need, in a stable order."""
    boxes = list(mailboxes)
    needed: list[tuple[str, str]] = []
    for inbound, scope in INBOUND_SCOPES.items():
        users = [box.address for box in boxes if box.inbound == inbound]
        if users:
            needed.append((scope, f"{_PROTOCOL[inbound]} mailboxes: {', '.join(users)}"))
    needed.append((SMTP_SCOPE, "sending mail"))
    needed.append(("offline_access", "refresh tokens"))
    return tuple(needed)


def judge_permissions(
    observation: AppObservation, needed: tuple[tuple[str, str], ...], mailboxes: Sequence[Mailbox] = ()
) -> Verdict:
    """The needed delegated permissions are requested (requiredResourceAccess, under Microsoft Graph or,
    for IMAP/POP/SMTP, Office 365 Exchange Online) and admin-consented. When only users consented, and
    every mailbox's token account did for itself, an advisory: today's tokens work."""
    check_id = "azure_app.permissions"
    app = observation.app
    assert app is not None
    graph_names = {pid: name for name, pid in GRAPH_DELEGATED_PERMISSION_IDS.items()} | dict(observation.scope_names)
    exchange_names = dict(observation.exchange_scope_names)
    requested = {graph_names.get(pid, pid).lower() for pid in app.requested_scope_ids()}
    via_exchange = {
        exchange_names.get(pid, pid).lower()
        for pid in app.requested_scope_ids(EXCHANGE_ONLINE_APP_ID)
        if exchange_names.get(pid, "").lower() in {name.lower() for name in EXCHANGE_SCOPES}
    }
    requested |= via_exchange
    resources = {sp for sp in (observation.graph_sp_id, observation.exchange_sp_id) if sp}
    ours = [g for g in observation.grants if not resources or g.resource_id in resources]
    consented = {scope.lower() for g in ours if g.consent_type == "AllPrincipals" for scope in g.scopes}
    evidence = (
        "requested (delegated): " + (", ".join(sorted(requested)) or "none"),
        *(["of which under Office 365 Exchange Online: " + ", ".join(sorted(via_exchange))] if via_exchange else []),
        "admin consent (AllPrincipals): " + (", ".join(sorted(consented)) or "none"),
        *observation.transcript,
    )
    not_requested = [f"{name} ({why})" for name, why in needed if name.lower() not in requested]
    not_consented = [
        f"{name} ({why})" for name, why in needed if name.lower() in requested and name.lower() not in consented
    ]
    if not_requested:
        seen = "Not requested, so not consented either: " + "; ".join(not_requested) + "."
        if not_consented:
            seen += " Requested but not admin-consented: " + "; ".join(not_consented) + "."
        return graph_finding(check_id, "permissions-not-requested", seen, evidence=evidence)
    if observation.grants_error in READER_ERRORS:
        reason = reader_skip_reason(observation.grants_error, observation.grants_message, observation.grants_lacks)
        return cannot_tell(f"admin consent {reason}", evidence=evidence)
    if observation.grants_error:
        return cannot_tell(f"admin consent could not be read: {observation.grants_message}", evidence=evidence)
    if not_consented:
        seen = "Requested but not admin-consented: " + "; ".join(not_consented) + "."
        if not observation.service_principal_id:
            seen += " The app has no service principal (enterprise application) in this tenant: nobody consented to it."
        users = [g for g in ours if g.consent_type == "Principal"]
        if users and mailboxes and _every_account_consented(observation, users, consented, mailboxes):
            seen += (
                f" Every mailbox's token account consented for itself ({len(users)} user consent grant(s)), "
                "so their tokens work: consented by users only, no admin consent."
            )
            return graph_finding(check_id, "consent-users-only", seen, evidence=evidence)
        if users:
            seen += f" {len(users)} user(s) consented for themselves only: tokens of every other account still fail."
        return graph_finding(check_id, "consent-missing", seen, evidence=evidence)
    listed = ", ".join(name for name, _ in needed)
    where = " (IMAP/POP/SMTP under Office 365 Exchange Online)" if via_exchange else ""
    return passed(f"Requested and admin-consented (delegated){where}: {listed}.", evidence=evidence)


def _every_account_consented(
    observation: AppObservation, users: list[PermissionGrant], consented: set[str], mailboxes: Sequence[Mailbox]
) -> bool:
    """Whether each mailbox's token account has its own (Principal) grants covering what it needs."""
    ids = dict(observation.account_ids)
    for box in mailboxes:
        account = box.token_user.lower()
        own = {s.lower() for g in users if ids.get(account) and g.principal_id == ids[account] for s in g.scopes}
        wanted = {name.lower() for name, _ in needed_permissions([box])}
        if not wanted <= own | consented:
            return False
    return True
