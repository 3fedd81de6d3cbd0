"""Fixtures of the hardening tests: a throw-away CA trusted through ``ca_bundle``, and hostile listeners."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from hardening.hostile import HOST, Handler, Listener


@pytest.fixture(scope="session")
def hostile_ca() -> trustme.CA:
    return trustme.CA(organization_name="DigiCert Inc")


@pytest.fixture(scope="session")
def hostile_cert(hostile_ca: trustme.CA) -> trustme.LeafCert:
    return hostile_ca.issue_cert(HOST)


@pytest.fixture(scope="session")
def hostile_bundle(hostile_ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile-ca") / "ca.pem"
    hostile_ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def listen() -> Iterator[Callable[[Handler], Listener]]:
    started: list[Listener] = []

    def start(handler: Handler) -> Listener:
        listener = Listener(handler)
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()
