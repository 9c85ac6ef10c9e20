"""The live server per database, and a tally of what the contract test sent to each."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from testbed.live_server import LiveServer, live_server
from testbed.postgres import PostgresServer
from tests import summary
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
def database_url(backend: str, request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'todo.db'}"
        return
    postgres: PostgresServer = request.getfixturevalue("postgres")
    name = request.module.__name__.rpartition(".")[2]  # one database per test module
    postgres.psql(f"CREATE DATABASE {name}")
    yield postgres.url_for(name)
    postgres.psql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def directory(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp(f"contract-{backend}")


@pytest.fixture(scope="module")
def live(database_url: str, directory: Path) -> Iterator[LiveServer]:
    with live_server(database_url, directory) as server:
        yield server


@pytest.fixture(scope="module")
def tally_name(backend: str) -> str:
    """Whose requests a tally counts: the database's, or a module's own on it."""
    return backend


@pytest.fixture(scope="module")
def session(tally_name: str) -> Iterator[requests.Session]:
    """The HTTP session every generated request goes through, counted per database."""
    tally = TALLIES.setdefault(tally_name, Tally())
    with requests.Session() as http:
        http.hooks["response"].append(tally.count)
        yield http


def pytest_sessionfinish(session: pytest.Session) -> None:
    for name, tally in TALLIES.items():
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(tally.statuses.items()))
        summary.add_line(
            session.config,
            f"contract test on {name}: {tally.requests} requests in {tally.seconds:.0f} s"
            f" ({statuses})",
        )
