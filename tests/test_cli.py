"""`todo-async serve` will not put the open list on a reachable address by accident."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from todo_async.cli import EXPOSURE_REFUSED, exposure_refusal, is_loopback
from todo_async.settings import Settings

UNCHOSEN_OPEN = Settings.from_env({})
CHOSEN_OPEN = Settings.from_env({"AUTH_MODE": "open"})
ACCOUNTS = Settings.from_env({"AUTH_MODE": "accounts"})


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "::1", "localhost", "LOCALHOST"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "10.0.0.5", "todo.example", "[::1]"])
def test_other_hosts(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", "todo.example"])
def test_open_mode_by_default_is_refused_beyond_loopback(host: str) -> None:
    refusal = exposure_refusal(host, UNCHOSEN_OPEN)

    assert refusal is not None
    assert host in refusal
    assert "AUTH_MODE" in refusal


@pytest.mark.parametrize("settings", [CHOSEN_OPEN, ACCOUNTS])
def test_a_chosen_mode_may_serve_anywhere(settings: Settings) -> None:
    assert exposure_refusal("0.0.0.0", settings) is None


def test_open_mode_by_default_serves_loopback() -> None:
    assert exposure_refusal("127.0.0.1", UNCHOSEN_OPEN) is None


def test_serve_exits_2_with_one_line_before_listening(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AUTH_MODE"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'never.db'}"
    finished = subprocess.run(
        [sys.executable, "-m", "todo_async", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert finished.returncode == EXPOSURE_REFUSED == 2
    assert finished.stderr.count("\n") == 1
    assert "not serving the open list on 0.0.0.0" in finished.stderr
    assert not (tmp_path / "never.db").exists()
