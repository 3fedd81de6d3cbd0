"""The simulated Office 365 tenant: one model of who exists, who may do what, and what is registered.

Every server of the simulator (Entra ID token endpoint, Graph, IMAP/POP3/SMTP, DNS) reads this one model.
A scenario is this model with facts flipped (see :mod:`pytest_ece_o365.sim.scenarios`), so that the
healthy tenant and every fault stay consistent with each other: the Graph view of the app registration is
the same object the token endpoint consults.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import jwt

from pytest_ece_o365.config.deployment import DeploymentConfig, Mailbox
from pytest_ece_o365.secret import Secret
from pytest_ece_o365.sim.authority import MailLogin, MailProtocol
from pytest_ece_o365.sim.directory import (
    E3,
    GRAPH_APP_ID,
    GRAPH_READER_ROLES,
    OUTLOOK_APP_ID,
    PROTOCOL_SCOPE,
    SCOPE_IDS,
    Account,
    AppRegistration,
    Behaviour,
    ClientSecretCredential,
    Hosts,
    LicenseSku,
    MailboxFacts,
    RefreshGrant,
    new_client_secret_value,
    new_refresh_token_value,
    now_utc,
    object_id,
)
from pytest_ece_o365.sim.tokens import SigningKey, signing_key

__all__ = [
    "E3",
    "GRAPH_APP_ID",
    "OUTLOOK_APP_ID",
    "SCOPE_IDS",
    "Account",
    "AppRegistration",
    "ClientSecretCredential",
    "LicenseSku",
    "MailboxFacts",
    "RefreshGrant",
    "ScenarioError",
    "Tenant",
]

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


class ScenarioError(ValueError):
    """A scenario name is unknown, or the configuration lacks what the scenario needs."""


class Tenant:
    """The model. Build it with :func:`pytest_ece_o365.sim.scenarios.build_tenant`; read it from any server
    thread (see ``lock``)."""

    def __init__(self, cfg: DeploymentConfig) -> None:
        self.lock = threading.RLock()
        self.config_mailboxes: tuple[Mailbox, ...] = cfg.mailboxes
        self.scenario = "healthy"
        self.faults: list[str] = []  # the single-fault scenarios applied (several for "broken")
        configured = cfg.azure_ad.tenant
        if _GUID.match(configured):
            self.tenant_id = configured.lower()
        else:
            self.tenant_id = object_id(f"tenant:{configured}")
        self.domain = cfg.mailboxes[0].address.split("@", 1)[1].lower() if cfg.mailboxes else configured.lower()
        if _GUID.match(configured):
            configured = f"{self.domain.split('.')[0]}.onmicrosoft.com"
        self.default_domain = configured
        self.display_name = cfg.name
        self.domains = {self.domain, self.default_domain.lower()}
        self.outlook_resource = cfg.o365.outlook_resource
        self.graph_resource = _origin(cfg.o365.graph)
        self.hosts = Hosts(
            login=cfg.o365.login_endpoint.host.lower(),
            graph=cfg.o365.graph_endpoint.host.lower(),
            imap=cfg.o365.imap.host.lower(),
            pop3=cfg.o365.pop3.host.lower(),
            smtp=cfg.o365.smtp.host.lower(),
        )
        self.accounts: dict[str, Account] = {}
        self.mailboxes: dict[str, MailboxFacts] = {}
        self.apps: dict[str, AppRegistration] = {}
        self.refresh_tokens: dict[str, RefreshGrant] = {}
        self.smtp_auth_enabled = True  # Set-TransportConfig -SmtpClientAuthenticationDisabled $false
        self.access_token_minutes = 75  # Entra's average default (60-90 minutes)
        self.nxdomain: set[str] = set()
        self.behaviour: dict[MailProtocol, Behaviour] = {"imap": "normal", "pop3": "normal", "smtp": "normal"}
        self.tls_chain = "microsoft"
        self.java_trusts_root = True  # the simulated ECE Java runtime's cacerts holds the simulator's root (sim.jre)
        #: The ``[azure_ad] tenant`` a scenario makes the deployment use (``single-tenant-common``: "common");
        #: None keeps the config's. Applied by ``RunningSimulator.configure``.
        self.authority: str | None = None
        self.sso_account: str | None = None  # who the browser signs in without prompt=login (Kerberos SSO)
        self.key: SigningKey = signing_key()
        self.ece_client_id = cfg.azure_ad.client_id
        self.graph_client_id = cfg.graph.client_id if cfg.graph is not None else None
        self.admin = f"admin@{self.domain}"
        #: What the run is given for each secret of the config, keyed by ``SecretRef.key_path``.
        self.run_secrets: dict[str, str] = {}

    # -- building ------------------------------------------------------------------------------
    def populate(self, cfg: DeploymentConfig) -> None:
        """Fill the model with what ``cfg`` describes, every fact healthy."""
        now = now_utc()
        for box in cfg.mailboxes:
            self.add_account(box.own_account, address=box.address)
            facts = self.mailboxes[box.address.lower()]
            if box.access == "shared":
                facts.kind = "shared"
                if box.token_account:
                    self.add_account(box.token_account)
                    facts.full_access.add(box.token_account.lower())
                    facts.send_as.add(box.token_account.lower())
        self.add_account(self.admin, display_name="Tenant administrator")
        needed = ["IMAP.AccessAsUser.All", "POP.AccessAsUser.All", "SMTP.Send", "offline_access"]
        ece_secret = self._secret("ECE", now, now + dt.timedelta(days=540))
        ece = self._add_app(cfg.azure_ad.client_id, "Cisco ECE mail", ece_secret, cfg.azure_ad.client_secret.key_path)
        ece.web_redirect_uris = [cfg.azure_ad.redirect_uri]
        ece.requested_scopes = list(needed)
        ece.consented_scopes = list(needed)
        if cfg.graph is not None:
            reader_secret = self._secret("checklist", now, now + dt.timedelta(days=730))
            reader_name = "ECE checklist directory reader"
            reader = self._add_app(cfg.graph.client_id, reader_name, reader_secret, cfg.graph.client_secret.key_path)
            reader.roles = list(GRAPH_READER_ROLES)
        scopes = tuple(s for s in needed if s != "offline_access")
        for box in cfg.mailboxes:
            if box.refresh_token is not None:
                token = self.issue_refresh_token(box.token_user, cfg.azure_ad.client_id, scopes, now)
                self.run_secrets[box.refresh_token.key_path] = token

    def _add_app(
        self, client_id: str, display_name: str, secret: ClientSecretCredential, key_path: str
    ) -> AppRegistration:
        """Register an app (and its service principal) with one client secret, whose value the run is given
        under ``key_path``."""
        app = AppRegistration(
            app_id=client_id,
            display_name=display_name,
            object_id=object_id(f"app:{client_id}"),
            sp_object_id=object_id(f"sp:{client_id}"),
            secrets=[secret],
        )
        self.apps[client_id.lower()] = app
        self.run_secrets[key_path] = secret.value
        return app

    @staticmethod
    def _secret(name: str, start: dt.datetime, end: dt.datetime) -> ClientSecretCredential:
        return ClientSecretCredential(str(uuid.uuid4()), name, new_client_secret_value(), start, end)

    def add_account(self, upn: str, *, display_name: str | None = None, address: str | None = None) -> Account:
        """Add a licensed user with a user mailbox (no-op when it exists).

        ``address``: the mailbox's primary SMTP address where it differs from the UPN. The mailbox is then
        found by either name, as Exchange resolves both (``user=`` of IMAP/POP, MAIL FROM, Graph).
        """
        key = upn.lower()
        if key not in self.accounts:
            name = display_name or upn.split("@", 1)[0].replace(".", " ").title()
            self.accounts[key] = Account(upn, object_id(f"user:{key}"), name, mail=address or upn)
            facts = MailboxFacts(address or upn, owner=key)
            self.mailboxes[key] = facts
            if address is not None:
                self.mailboxes[address.lower()] = facts
        return self.accounts[key]

    # -- lookups -------------------------------------------------------------------------------
    def first_mailbox(self, scenario: str, what: str, fits: Callable[[Mailbox], bool]) -> Mailbox:
        """The first configured mailbox that ``fits`` — where a scenario flips its fault — or the
        :class:`ScenarioError` saying what the configuration lacks for ``scenario``."""
        for box in self.config_mailboxes:
            if fits(box):
                return box
        raise ScenarioError(f'scenario "{scenario}" needs {what}; the configuration has none')

    def first_shared_mailbox(self, scenario: str) -> tuple[Mailbox, str]:
        """The first shared mailbox with a token_account, and that account (lower case)."""
        box = self.first_mailbox(
            scenario,
            'a mailbox with access = "shared" and a token_account',
            lambda b: b.access == "shared" and b.token_account is not None,
        )
        assert box.token_account is not None
        return box, box.token_account.lower()

    def knows_tenant(self, name: str) -> bool:
        """Whether ``name`` (domain, GUID, or the multi-tenant aliases) designates this tenant."""
        name = name.lower()
        return name in self.domains or name == self.tenant_id or name in ("organizations", "common")

    def app(self, client_id: str) -> AppRegistration | None:
        return self.apps.get(client_id.lower())

    def account(self, upn: str) -> Account | None:
        return self.accounts.get(upn.lower())

    @property
    def access_token_issuer(self) -> str:
        """``iss`` of access tokens (v1.0 tokens, as Outlook's are)."""
        return f"https://sts.windows.net/{self.tenant_id}/"

    def issue_refresh_token(
        self, account: str, client_id: str, scopes: tuple[str, ...], issued_at: dt.datetime | None = None
    ) -> str:
        """Mint a refresh token for ``account`` and remember what it stands for."""
        value = new_refresh_token_value()
        with self.lock:
            self.refresh_tokens[value] = RefreshGrant(account.lower(), client_id, scopes, issued_at or now_utc())
        return value

    def run_secret(self, key_path: str) -> Secret:
        """The secret the run receives for ``key_path`` (a config ``SecretRef.key_path``)."""
        return Secret(self.run_secrets[key_path])

    def grant_for(self, key_path: str) -> RefreshGrant:
        """The refresh-token grant the run receives for a mailbox's ``refresh_token`` key path."""
        return self.refresh_tokens[self.run_secrets[key_path]]

    # -- MailAuthority ---------------------------------------------------------------------------
    def mail_login(self, protocol: MailProtocol, user: str, bearer: str) -> MailLogin:
        """Judge an XOAUTH2 login (see :class:`~pytest_ece_o365.sim.authority.MailAuthority`)."""
        try:
            claims = self.key.verify(
                bearer, audience=[self.outlook_resource, OUTLOOK_APP_ID], issuer=self.access_token_issuer
            )
        except jwt.ExpiredSignatureError:
            return MailLogin(False, None, False, "expired-token")
        except jwt.InvalidAudienceError:
            return MailLogin(False, None, False, "wrong-audience")
        except jwt.PyJWTError:
            return MailLogin(False, None, False, "invalid-token")
        account = str(claims.get("upn") or claims.get("unique_name") or "").lower()
        if PROTOCOL_SCOPE[protocol] not in str(claims.get("scp", "")).split():
            return MailLogin(False, account or None, False, "missing-scope")
        with self.lock:
            box = self.mailboxes.get(user.lower())
            if protocol == "smtp" and (box is None or box.owner != account):
                # Office 365 takes the shared-mailbox user= form for IMAP/POP only: SMTP AUTH with a
                # delegate's token and user=<another mailbox> gets 535 5.7.3, FullAccess and SendAs or not
                # (nextcloud/mail#13668, frappe/frappe#23079, simonrob/email-oauth2-proxy#426; checked
                # 2026-12-04). The delegate logs in as itself and sends MAIL FROM the shared address.
                return MailLogin(True, account, False, "smtp-user-not-token-user")
            if box is None:
                return MailLogin(True, account, False, "unknown-mailbox")
            if account != box.owner and account not in box.full_access:
                return MailLogin(True, account, False, "no-full-access" if box.kind == "shared" else "wrong-account")
            if (protocol == "imap" and not box.imap_enabled) or (protocol == "pop3" and not box.pop_enabled):
                return MailLogin(True, account, False, "protocol-disabled")
            if protocol == "smtp":
                if box.smtp_auth_enabled is False:
                    return MailLogin(True, account, False, "smtp-auth-disabled-mailbox")
                if box.smtp_auth_enabled is None and not self.smtp_auth_enabled:
                    return MailLogin(True, account, False, "smtp-auth-disabled-tenant")
        return MailLogin(True, account, True)

    def may_send_as(self, account: str, sender: str) -> bool:
        """The account's own mailbox (by any of its names), or SendAs granted on the sender's mailbox."""
        with self.lock:
            box = self.mailboxes.get(sender.lower())
            if box is None:
                return account.lower() == sender.lower()
            return account.lower() in (box.owner, *box.send_as)


def _origin(url: str) -> str:
    """``scheme://host`` of a base URL: resource identifiers carry no port even when the sim's URLs do."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}"
