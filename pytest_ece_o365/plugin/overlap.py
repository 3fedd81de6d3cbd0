"""The checks run while the probes do (issue 13): in what order, and whose log records are whose.

The run starts the survey and does not wait for it: each check waits for its own observations only.
So that judging 2000 results overlaps the probing instead of following it, the checks run along the
dependency chain (:func:`~pytest_ece_o365.catalog.stage`: configuration, DNS, TCP, TLS, token, mailbox
login, directory), the order their observations tend to arrive in — a slow link's directory requests
last — and the needs are started the other way round, the longest chains first.
"""

from __future__ import annotations

import logging

import pytest

from pytest_ece_o365.catalog import stage
from pytest_ece_o365.plugin.collect import CheckItem, check_items

__all__ = ["ProbeLogsApart", "in_chain_order", "longest_chains_first"]


def in_chain_order(items: list[pytest.Item]) -> list[pytest.Item]:
    """The check items along the dependency chain, catalog and target order kept within a stage; any other
    test keeps its place. ``pytest --co`` and ``-v`` list them so: root causes first."""
    checks = iter(sorted(check_items(items), key=lambda item: stage(item.check.spec.id)))
    return [next(checks) if isinstance(item, CheckItem) else item for item in items]


def longest_chains_first(items: list[pytest.Item]) -> list[CheckItem]:
    """The check items, the last stages first: theirs are the longest chains (the app registration's Graph
    requests wait for a Graph token, a mailbox session for its token), and starting a thousand probe
    threads takes a while (~0.4 s at 200 mailboxes), which the longest chains should not wait for."""
    return sorted(check_items(items), key=lambda item: -stage(item.check.spec.id))


class ProbeLogsApart(logging.Filter):
    """Keeps the probe threads' log records out of the checks' captured logs: a record of a token or mail
    session would otherwise land in whichever check is running meanwhile (a "Captured log" section of
    network.tcp showing MSAL's token request). They still reach the live log and ``--log-file``, as when
    the probes all ran before the first check."""

    def __init__(self, thread_prefix: str, config: pytest.Config) -> None:
        super().__init__()
        self.thread_prefix = thread_prefix
        plugin = config.pluginmanager.get_plugin("logging-plugin")
        names = ("report_handler", "caplog_handler")
        self.handlers = [handler for name in names if (handler := getattr(plugin, name, None)) is not None]
        for handler in self.handlers:
            handler.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.threadName or "").startswith(self.thread_prefix)

    def remove(self) -> None:
        for handler in self.handlers:
            handler.removeFilter(self)
