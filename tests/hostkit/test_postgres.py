"""Finding the distribution's PostgreSQL server, and the account it runs under."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostkit.postgres import RunAs, find_binaries


def server(root: Path, version: str, *programs: str) -> Path:
    bindir = root / version / "bin"
    bindir.mkdir(parents=True)
    for program in programs:
        (bindir / program).touch()
    return bindir


def test_the_newest_version_by_number_not_by_name(tmp_path: Path) -> None:
    server(tmp_path, "9", "initdb", "postgres")
    newest = server(tmp_path, "15", "initdb", "postgres")
    server(tmp_path, "16", "initdb")  # a client-only install: no server
    assert find_binaries(tmp_path) == newest


def test_none_without_a_server_under_the_root_or_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_binaries(tmp_path) is None


def test_the_one_on_path_when_the_root_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = tmp_path / "bin"
    on_path.mkdir()
    for program in ("initdb", "postgres"):
        (on_path / program).touch(mode=0o755)
    monkeypatch.setenv("PATH", str(on_path))
    assert find_binaries(tmp_path / "none") == on_path


@pytest.mark.skipif(os.geteuid() != 0, reason="as another user PostgreSQL runs as that user")
def test_as_root_postgres_runs_as_the_postgres_account() -> None:
    run_as = RunAs.postgres()
    assert run_as.user == "postgres"
    assert run_as.popen_kwargs()["user"] == "postgres"
