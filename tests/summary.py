"""Lines for the end of a run's terminal summary: what a suite built or sent. Kept in the
run's config; under pytest-xdist each worker's go to the controller, which prints them
(tests/conftest.py)."""

from __future__ import annotations

import pytest

LINES = pytest.StashKey[list[str]]()


def lines(config: pytest.Config) -> list[str]:
    return config.stash.setdefault(LINES, [])


def add_line(config: pytest.Config, line: str) -> None:
    lines(config).append(line)
