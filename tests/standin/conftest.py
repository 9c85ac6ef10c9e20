"""Unit tests of the local stand-in (localstack/standin, the harness distribution's
`standin`), laid out as its subpackages are: no LocalStack."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A directory the postgres account can reach (pytest's own are root's alone)."""
    directory = Path(tempfile.mkdtemp(prefix="standin-pg-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def state_dir() -> Iterator[Path]:
    """Where a real HAProxy keeps its files: short, for its admin socket's path."""
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory)
