"""Fixtures for the simulated mail servers: a throw-away CA, TLS contexts and a test-only MailAuthority."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator

import pytest
import trustme
from mailfakes import ALL_SCOPES, DELEGATE_TOKEN, GOOD_TOKEN, NO_IMAP_TOKEN, FakeAuthority

from pytest_ece_o365.sim.mailserver import Recorder


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


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every test must leave no simulator thread behind."""
    yield
    leaked = [t.name for t in threading.enumerate() if t.name.startswith("sim-")]
    assert leaked == [], f"leaked threads: {leaked}"
