"""Pytest fixtures for the mail-server tests: a throw-away CA, TLS contexts, a test-only MailAuthority.

Not a conftest.py on purpose: tests elsewhere do ``from conftest import ...`` (tests/conftest.py), and a
second conftest module here would take that name in ``sys.modules`` whenever this folder is collected
first. The test modules pull these in with ``from mailfixtures import *``.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator

import pytest
import trustme
from mailfakes import ALL_SCOPES, DELEGATE_TOKEN, GOOD_TOKEN, NO_IMAP_TOKEN, FakeAuthority

from pytest_ece_o365.sim.mailserver import Recorder

__all__ = [
    "authority",
    "ca",
    "client_context",
    "no_leaked_threads",
    "recorder",
    "server_context",
]


@pytest.fixture
def authority() -> FakeAuthority:
    return FakeAuthority(
        tokens={
            GOOD_TOKEN: ("support@example.com", ALL_SCOPES),
            DELEGATE_TOKEN: ("ece-mail@example.com", ALL_SCOPES),
            NO_IMAP_TOKEN: ("support@example.com", frozenset({"SMTP.Send"})),
        },
        full_access={("ece-mail@example.com", "sales@example.com")},
    )


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_context(ca: trustme.CA) -> ssl.SSLContext:
    cert = ca.issue_cert("outlook.office365.com", "smtp.office365.com", "127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx


@pytest.fixture(scope="session")
def client_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def no_leaked_threads() -> Iterator[None]:
    """The test must leave no simulator thread behind (the mail-server test modules use it for every test)."""
    yield
    leaked = [t.name for t in threading.enumerate() if t.name.startswith("sim-")]
    assert leaked == [], f"leaked threads: {leaked}"
