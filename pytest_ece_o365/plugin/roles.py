"""Which server roles this run checks: ``--ece-role``, else the ``[[servers]]`` entry naming this host,
else every role."""

from __future__ import annotations

import socket

from pytest_ece_o365.config.deployment import DeploymentConfig
from pytest_ece_o365.knowledge import ROLES

__all__ = ["choose_roles", "host_names", "server_matches"]


def host_names() -> set[str]:
    """This machine's names as the OS reports them, full and short (no lookup is sent: a static run
    must not touch the network)."""
    name = socket.gethostname().lower()
    return {name, name.split(".", 1)[0]}


def server_matches(server_name: str, names: set[str]) -> bool:
    """A [[servers]] name matches this host by its full name or, for an FQDN, by its first label."""
    server_name = server_name.lower()
    return server_name in names or server_name.split(".", 1)[0] in names


def choose_roles(option: str | None, deployment: DeploymentConfig) -> tuple[tuple[str, ...], str]:
    if option:
        roles = ROLES if option == "all" else (option,)
        return roles, "--ece-role"
    names = host_names()
    for index, server in enumerate(deployment.servers):
        if server_matches(server.name, names):
            return (server.role,), f"servers[{index}] ({server.name}) matches this host"
    return ROLES, "this host is not among [[servers]]"
