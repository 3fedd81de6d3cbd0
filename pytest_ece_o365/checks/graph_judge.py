"""Judging what Microsoft Graph showed: pure functions over the Graph observations and the config.

Tested from recorded observations (no network); :mod:`pytest_ece_o365.checks.graph` feeds them from
the run's survey.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from pytest_ece_o365.deployment import Mailbox
from pytest_ece_o365.diagnosis_graph import graph_finding
from pytest_ece_o365.knowledge import (
    E3_OR_BETTER_SKUS,
    EXCHANGE_PLAN_1,
    EXCHANGE_PLAN_2,
    EXCHANGE_SERVICE_PLANS,
    GRAPH_DELEGATED_PERMISSION_IDS,
    SECRET_EXPIRY_WARNING_DAYS,
    SKU_NAMES,
)
from pytest_ece_o365.probes.graph_model import AppObservation, LicenseObservation, PasswordCredential, SkuView
from pytest_ece_o365.probes.token import INBOUND_SCOPES, SMTP_SCOPE
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


def judge_client_secret(observation: AppObservation, now: dt.datetime, ece_secret: str | None) -> Verdict:
    """A client secret is valid now; advisory when the last valid one expires within 30 days.

    ``ece_secret`` (the value ECE is given, when this run has it) picks ECE's own secret among several
    by the first characters Graph shows of each, and catches a Secret ID entered instead of the value.
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
    if ece_secret is not None:
        entered_id = [c for c in creds if c.key_id and c.key_id.lower() == ece_secret.strip().lower()]
        if entered_id:
            seen = f"The value ECE is given equals the Secret ID of {entered_id[0].label}."
            return graph_finding(check_id, "client-secret-id-entered", seen, evidence=evidence)
    mine = [c for c in creds if ece_secret and c.hint and ece_secret.startswith(c.hint)]
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


def judge_permissions(observation: AppObservation, needed: tuple[tuple[str, str], ...]) -> Verdict:
    """The needed delegated permissions are requested (requiredResourceAccess) and admin-consented."""
    check_id = "azure_app.permissions"
    app = observation.app
    assert app is not None
    names = {pid: name for name, pid in GRAPH_DELEGATED_PERMISSION_IDS.items()} | dict(observation.scope_names)
    requested = {names.get(pid, pid).lower() for pid in app.requested_scope_ids()}
    admin = [
        g
        for g in observation.grants
        if g.consent_type == "AllPrincipals"
        and (not observation.graph_sp_id or g.resource_id == observation.graph_sp_id)
    ]
    consented = {scope.lower() for grant in admin for scope in grant.scopes}
    evidence = (
        "requested (Microsoft Graph, delegated): " + (", ".join(sorted(requested)) or "none"),
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
    if observation.grants_error == "graph-forbidden":
        return graph_finding(check_id, "graph-forbidden", observation.grants_message, evidence=evidence)
    if observation.grants_error:
        return cannot_tell(f"admin consent could not be read: {observation.grants_message}", evidence=evidence)
    if not_consented:
        seen = "Requested but not admin-consented: " + "; ".join(not_consented) + "."
        if not observation.service_principal_id:
            seen += " The app has no service principal (enterprise application) in this tenant: nobody consented to it."
        users = sum(1 for g in observation.grants if g.consent_type == "Principal")
        if users:
            seen += f" {users} user(s) consented for themselves only: tokens of every other account still fail."
        return graph_finding(check_id, "consent-missing", seen, evidence=evidence)
    listed = ", ".join(name for name, _ in needed)
    return passed(f"Requested and admin-consented (Microsoft Graph, delegated): {listed}.", evidence=evidence)


# --- license.exchange ---------------------------------------------------------------------------------


def _sku_label(sku: SkuView) -> str:
    if not sku.part_number:
        return "an assigned licence"
    name = SKU_NAMES.get(sku.part_number)
    return f"{name} ({sku.part_number})" if name else sku.part_number


def _is(plan_name: str, plan_id: str, wanted: str) -> bool:
    return plan_name == wanted or plan_id.lower() == EXCHANGE_SERVICE_PLANS[wanted]


def judge_license(observation: LicenseObservation, mailbox: Mailbox) -> Verdict:
    """An E3-or-better licence with Exchange Online (Plan 2) active; for a shared mailbox, advisory."""
    check_id = "license.exchange"
    address = mailbox.address
    evidence = (
        *(
            f"licence {_sku_label(s)}: "
            + (", ".join(f"{p.name or p.plan_id} {p.status}" for p in s.plans) or "no plans")
            for s in observation.skus
        ),
        *observation.transcript,
    )
    if observation.error == "user-not-found":
        return cannot_tell(
            f"Graph has no user {address} ({observation.message}). If it is an alias of a mailbox whose user "
            "principal name differs, look its licence up by that name; mailbox.inbound shows whether the "
            "mailbox itself exists.",
            evidence=evidence,
        )
    if observation.error == "graph-forbidden":
        return graph_finding(check_id, "graph-forbidden", observation.message, evidence=evidence)
    plan2 = [(s, p) for s in observation.skus for p in s.plans if _is(p.name, p.plan_id, EXCHANGE_PLAN_2)]
    active = [(s, p) for s, p in plan2 if p.status == "Success"]
    via = "" if observation.source != "assignedPlans" else " (read from assignedPlans: licenseDetails was refused)"
    if active:
        skus = ", ".join(dict.fromkeys(_sku_label(s) for s, _ in active))
        grade = (
            "an E3-or-better licence"
            if any(s.part_number in E3_OR_BETTER_SKUS for s, _ in active)
            else "a licence that is not an E3 suite but gives the mailbox the same Exchange Online (Plan 2)"
        )
        return passed(f"{address} has Exchange Online (Plan 2) through {skus}: {grade}{via}.", evidence=evidence)
    suffix = "-shared" if mailbox.access == "shared" else ""
    if plan2:
        states = ", ".join(f"{p.status or 'no status'} in {_sku_label(s)}" for s, p in plan2)
        seen = f"{address}: Exchange Online (Plan 2) is {states}{via}."
        return graph_finding(check_id, f"exchange-plan-disabled{suffix}", seen, evidence=evidence)
    plan1 = [
        s
        for s in observation.skus
        for p in s.plans
        if _is(p.name, p.plan_id, EXCHANGE_PLAN_1) and p.status == "Success"
    ]
    if plan1:
        skus = ", ".join(dict.fromkeys(_sku_label(s) for s in plan1))
        seen = f"{address} has Exchange Online (Plan 1) only, through {skus}{via}."
        return graph_finding(check_id, f"exchange-plan1-only{suffix}", seen, evidence=evidence)
    if observation.skus:
        held = ", ".join(_sku_label(s) for s in observation.skus)
        seen = f"{address} has {held}, with no active Exchange Online plan{via}."
    else:
        seen = f"{address} has no licence assigned{via}."
    return graph_finding(check_id, f"no-license{suffix}", seen, evidence=evidence)
