"""Entra ID scenarios (issue 15): the refusals admins really meet beyond the token's own life, each answered by
the simulated token endpoint in Microsoft's wording (``sim.aadsts``), Trace and Correlation IDs included.

Causes of one account (disabled, locked, not assigned, a guest's token, a device policy scoped to it) hit the
first mailbox with a refresh token; causes of the app, the tenant or the cloud hit every account the app uses.
The simulator refuses on the account (``Account.sign_in_block``) whatever the request, except
``single-tenant-common``: its app is single-tenant and the deployment names the ``common`` authority
(``Tenant.authority``), and the token endpoint answers AADSTS50194 only to a request through /common or
/organizations (``sim.aad``); the tenant's own endpoint still serves the app.
"""

from __future__ import annotations

from collections.abc import Callable

from pytest_ece_o365.sim.tenant import ScenarioError, Tenant

__all__ = ["ENTRA_SCENARIOS"]


def _token_users(tenant: Tenant, name: str) -> list[str]:
    users = [box.token_user for box in tenant.config_mailboxes if box.refresh_token is not None]
    if not users:
        raise ScenarioError(f'scenario "{name}" needs a mailbox with a refresh_token; the configuration has none')
    return users


def _block(code: int, name: str, *, every_user: bool) -> Callable[[Tenant], None]:
    """Every token request of the first token user (or of every one) gets AADSTS``code``."""

    def flip(tenant: Tenant) -> None:
        users = _token_users(tenant, name)
        for upn in users if every_user else users[:1]:
            account = tenant.account(upn)
            if account is not None:
                account.sign_in_block = code

    return flip


#: name -> (AADSTS code, every token user (else the first), what ``ece-o365 sim --list`` says of it)
_TABLE: dict[str, tuple[int, bool, str]] = {
    "account-disabled": (50057, False, "the first token user is disabled"),
    "account-locked": (50053, False, "the first token user is locked out (Smart Lockout)"),
    "user-not-assigned": (50105, False, "the ECE app requires assignment; the first token user is not assigned"),
    "guest-account": (50020, False, "the first mailbox's token was made with a personal Microsoft account"),
    "guest-other-tenant": (90072, False, "the first mailbox's token was made with another tenant's account"),
    "account-type-refused": (500208, False, "the first mailbox's token was made with a refused account type"),
    "ca-compliant-device": (53000, False, "Conditional Access requires a compliant device for the first token user"),
    "ca-domain-joined": (53001, False, "Conditional Access requires a domain-joined device for the first token user"),
    "external-mfa": (50158, False, "an external MFA provider's challenge for the first token user"),
    "security-defaults": (530035, True, "security defaults block every token user's sign-in"),
    "app-disabled": (7000112, True, "the ECE app's service principal is disabled"),
    "single-tenant-common": (50194, True, "the single-tenant ECE app is asked for tokens on /common (tenant = common)"),
    "admin-consent-required": (90094, True, "the ECE app's permissions need admin consent"),
    "consent-declined": (65004, True, "the consent to the ECE app was declined"),
    "permissions-not-listed": (650056, True, "the ECE app lists no Office 365 Exchange Online permission"),
    "permission-not-requested": (650057, True, "the ECE app does not request the Outlook resource"),
    "invalid-scope": (70011, True, "the scope requested is not valid"),
    "wrong-cloud": (90038, True, "the tenant belongs to a national cloud ([o365] cloud is wrong)"),
}


def _single_tenant_common(tenant: Tenant) -> None:
    """The ECE app is single-tenant (created after 2018-10-15) and the deployment asks /common for tokens."""
    app = tenant.app(tenant.ece_client_id)
    assert app is not None  # populate() registers the ECE app
    app.single_tenant = True
    tenant.authority = "common"


#: The Entra scenarios (name -> (flip, description)), registered in ``sim.scenarios``.
ENTRA_SCENARIOS: dict[str, tuple[Callable[[Tenant], None], str]] = {
    name: (_single_tenant_common if code == 50194 else _block(code, name, every_user=every), f"AADSTS{code}: {said}")
    for name, (code, every, said) in _TABLE.items()
}

#: scenario name -> the AADSTS code it makes Entra answer (for the tests).
ENTRA_CODES: dict[str, int] = {name: code for name, (code, _, _) in _TABLE.items()}
