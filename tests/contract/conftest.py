"""The live server per database, and a tally of what the contract test sent to each."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests

from testbed.live_server import LiveServer, live_server
from testbed.postgres import PostgresServer
from tests.conftest import BACKENDS


@dataclass
class Tally:
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def count(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        self.requests += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        self.seconds = time.monotonic() - self.started


TALLIES: dict[str, Tally] = {}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def live(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp(f"contract-{backend}")
    if backend == "sqlite":
        database_url = f"sqlite:///{directory / 'todo.db'}"
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        postgres.psql("CREATE DATABASE contract")
        database_url = postgres.url_for("contract")
    try:
        with live_server(database_url, directory) as server:
            yield server
    finally:
        if backend != "sqlite":
            postgres.psql("DROP DATABASE contract WITH (FORCE)")


@pytest.fixture(scope="module")
def session(backend: str) -> Iterator[requests.Session]:
    """The HTTP session every generated request goes through, counted per database."""
    tally = TALLIES.setdefault(backend, Tally())
    with requests.Session() as http:
        http.hooks["response"].append(tally.count)
        yield http


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for backend, tally in TALLIES.items():
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(tally.statuses.items()))
        terminalreporter.write_line(
            f"contract test on {backend}: {tally.requests} requests in {tally.seconds:.0f} s"
            f" ({statuses})"
        )
