from __future__ import annotations

from collections.abc import Iterator

import pytest

from testbed.live_server import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real service on a fresh SQLite file, shared by a module's runs."""
    directory = tmp_path_factory.mktemp("loadtest-server")
    with live_server(f"sqlite:///{directory}/todo.db", directory) as running:
        yield running


@pytest.fixture(scope="module")
def accounts_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real service in accounts mode, as deployed, on a fresh SQLite file; every Locust
    user signs up from this one address, so sign-up takes as many as come (as a load
    environment's settings would)."""
    directory = tmp_path_factory.mktemp("loadtest-accounts-server")
    env = {
        "AUTH_MODE": "accounts",
        "SIGN_UP_PER_ADDRESS_PER_HOUR": "100000",
        "SIGN_UP_PER_MINUTE": "100000",
    }
    with live_server(f"sqlite:///{directory}/todo.db", directory, env=env) as running:
        yield running
