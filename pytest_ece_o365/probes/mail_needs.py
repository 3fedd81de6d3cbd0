"""Survey needs for the live mailbox checks: one XOAUTH2 session per mailbox and protocol.

They glue the probes to the run: the endpoint from ``[o365]``, the DNS lookup shared through
:class:`~pytest_ece_o365.survey.HostNeed`, the access token from the token probe
(:func:`~pytest_ece_o365.probes.token.token_need_for`: for a shared mailbox that is ``token_account``'s
token). IMAP and POP3 log in with ``user=`` the mailbox's address, Microsoft's shared-mailbox form; SMTP
logs in as the token's own account, because Office 365 refuses that form for SMTP AUTH, and sends
``MAIL FROM`` the mailbox's address (SendAs, for a shared mailbox).

``mailbox.inbound`` and ``rights.full_access`` read the same :class:`MailSessionNeed` (the shared
mailbox opened with the delegate's token over its inbound protocol), so the session runs once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint, Mailbox
from pytest_ece_o365.probes.mail_session import MailSessionObservation
from pytest_ece_o365.secret import Secret

if TYPE_CHECKING:
    from pytest_ece_o365.survey.needs import Need, SurveyEnv

MAIL_PROTOCOLS = ("imap", "pop3", "smtp")
#: Below this share of the timeout left after the token, the session is not tried: it could only time out,
#: and would blame the mail host for the login host's slowness.
MIN_SESSION_SHARE = 0.1


@dataclass(frozen=True)
class MailSessionNeed:
    """Log in to mailbox ``address`` over ``protocol`` (imap | pop3 | smtp) and, for IMAP/POP3, open it."""

    address: str
    protocol: str

    def observe(self, env: SurveyEnv) -> MailSessionObservation:
        return _session(env, self, self.address, self.protocol, None)


@dataclass(frozen=True)
class SendTestNeed:
    """Log in to mailbox ``address`` over SMTP and submit one test message to ``recipient``."""

    address: str
    recipient: str

    def observe(self, env: SurveyEnv) -> MailSessionObservation:
        return _session(env, self, self.address, "smtp", self.recipient)


def find_mailbox(config: DeploymentConfig, address: str) -> Mailbox:
    for mailbox in config.mailboxes:
        if mailbox.address.lower() == address.lower():
            return mailbox
    raise LookupError(f"no [[mailboxes]] entry for {address}")


def endpoint_for(config: DeploymentConfig, protocol: str) -> Endpoint:
    if protocol not in MAIL_PROTOCOLS:
        raise ValueError(f"unknown mail protocol {protocol!r}; expected one of {', '.join(MAIL_PROTOCOLS)}")
    endpoint: Endpoint = getattr(config.o365, protocol)
    return endpoint


def _session(
    env: SurveyEnv, need: Need[MailSessionObservation], address: str, protocol: str, recipient: str | None
) -> MailSessionObservation:
    from pytest_ece_o365.probes.mail_imap import probe_imap
    from pytest_ece_o365.probes.mail_pop3 import probe_pop3
    from pytest_ece_o365.probes.mail_smtp import TestMessage, probe_smtp
    from pytest_ece_o365.survey import HostNeed

    config = env.config
    mailbox = find_mailbox(config, address)
    endpoint = endpoint_for(config, protocol)
    account = mailbox.token_user
    token = _access_token(env, mailbox)
    if not isinstance(token, Secret):
        return MailSessionObservation(protocol, endpoint, mailbox.address, account, "token", "no-token", token)
    dns = env.get(HostNeed(endpoint.host))
    # The session's deadline counts from when the run began waiting for it, not from the token's arrival.
    network, timeout = config.network, env.remaining(need)
    if timeout < env.timeout * MIN_SESSION_SHARE:
        spent = env.timeout - timeout
        message = f"the token and DNS took {spent:.1f} s of the {env.timeout:g} s timeout, leaving none for the session"
        return MailSessionObservation(protocol, endpoint, mailbox.address, account, "token", "no-token", message)
    if protocol == "imap":
        return probe_imap(endpoint, mailbox.address, token, dns, network, timeout, account=account)
    if protocol == "pop3":
        return probe_pop3(endpoint, mailbox.address, token, dns, network, timeout, account=account)
    send = TestMessage(recipient, sender=mailbox.address) if recipient is not None else None
    return probe_smtp(endpoint, account, token, dns, network, timeout, account=account, send=send)


def _access_token(env: SurveyEnv, mailbox: Mailbox) -> Secret | str:
    """The access token serving ``mailbox``, or why there is none (one line, for the skip reason)."""
    from pytest_ece_o365.probes.token import token_need_for

    need = token_need_for(env.config, mailbox)
    if need is None:
        return f"mailboxes entry {mailbox.address} has no refresh_token"
    token = env.get(need)
    if token.ok and token.access_token is not None:
        access_token: Secret = token.access_token
        return access_token
    return ": ".join(part for part in (token.error, token.description) if part) or "the token endpoint gave none"
