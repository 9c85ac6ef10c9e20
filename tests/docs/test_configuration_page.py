"""The configuration page names every environment variable the service reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from todo_async import cli
from todo_async.settings import Settings

PAGE = Path(__file__).parents[2] / "docs" / "configuration.md"


class ReadNames(dict[str, str]):
    """An empty environment that remembers every name asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.names.add(key)
        return default

    def __contains__(self, key: object) -> bool:
        self.names.add(str(key))
        return False

    def __iter__(self) -> Iterator[str]:
        return iter(())


def names_read(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    environment = ReadNames()
    Settings.from_env(environment)
    # The command line's own defaults (HOST, PORT, WEB_CONCURRENCY) come from os.environ.
    monkeypatch.setattr(cli, "os", SimpleNamespace(environ=environment))
    cli.parser()
    return environment.names


def test_every_variable_the_service_reads_is_documented(monkeypatch: pytest.MonkeyPatch) -> None:
    names = names_read(monkeypatch)
    page = PAGE.read_text()
    assert {"DATABASE_URL", "AUTH_MODE", "PORT"} <= names  # the recording sees the reads
    assert sorted(name for name in names if f"`{name}`" not in page) == []
