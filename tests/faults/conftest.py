"""A fresh database for a fault test, on the backend it names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed.postgres import PostgresServer


@pytest.fixture
def postgres_database(postgres: PostgresServer, tmp_path: Path) -> Iterator[str]:
    """The name of a new, empty database on the session's PostgreSQL server."""
    name = f"f_{tmp_path.name.lower().replace('-', '_')[:50]}"
    postgres.psql(f"CREATE DATABASE {name}")
    yield name
    postgres.psql(f"DROP DATABASE {name} WITH (FORCE)")
