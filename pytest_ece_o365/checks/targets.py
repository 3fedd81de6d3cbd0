"""What each check is parametrized over (checklist §B "target"), from the deployment file."""

from __future__ import annotations

from pytest_ece_o365.catalog import CheckSpec
from pytest_ece_o365.checks.base import Target
from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint
from pytest_ece_o365.knowledge import ROLES

#: The protocols each server role must reach (checklist §A.8). TAC 218453 (sources.TAC_218453, checked
#: 2026-12-04): the services server and all application servers must reach TCP 443, 587, 993 and 995 "at
#: minimum"; the first token is created from an application server, which also sends alarm mail. Only the
#: sessions (token redemption, mailbox logins) stay on the services server: that is the checks' roles
#: (catalog), not the endpoints'. IMAP and POP3 count where a mailbox uses them.
ROLE_PROTOCOLS: dict[str, tuple[str, ...]] = {
    "services": ("https", "imap", "pop3", "smtp"),
    "application": ("https", "imap", "pop3", "smtp"),
}


def role_endpoints(config: DeploymentConfig, role: str) -> list[tuple[str, Endpoint]]:
    """The (protocol, endpoint) pairs a server of ``role`` must reach (checklist §A.8).

    Microsoft Graph is not among them: ECE never calls it, only this product's directory checks do.
    """
    o365 = config.o365
    inbound = {mailbox.inbound for mailbox in config.mailboxes}
    endpoint_of = {"https": o365.login_endpoint, "imap": o365.imap, "pop3": o365.pop3, "smtp": o365.smtp}
    return [
        (protocol, endpoint_of[protocol])
        for protocol in ROLE_PROTOCOLS[role]
        if protocol not in ("imap", "pop3") or protocol in inbound
    ]


def targets_for(spec: CheckSpec, config: DeploymentConfig) -> list[Target]:
    """Every target of ``spec`` for every role; the plugin deselects the roles this run does not play."""
    if spec.target == "deployment":
        return [Target("", spec.roles)]
    if spec.target in ("mailbox", "shared_mailbox"):
        return [
            Target(mailbox.address, spec.roles, mailbox.address, mailbox=mailbox)
            for mailbox in config.mailboxes
            if spec.target == "mailbox" or mailbox.access == "shared"
        ]
    targets: list[Target] = []
    for role in ROLES:
        seen: set[str] = set()
        for protocol, endpoint in role_endpoints(config, role):
            if spec.target == "mail_endpoint" and protocol == "https":
                continue  # XOAUTH2 is a mail protocols' SASL mechanism; the login host has none
            label = endpoint.host if spec.target == "host" else str(endpoint)
            if label in seen:
                continue
            seen.add(label)
            targets.append(Target(label, (role,), f"{role}-{label}", endpoint=endpoint, protocol=protocol))
    return targets
