"""The project image's runner: its command line and environment, as the Dockerfile's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from standin.errors import HarnessError
from standin.paths import REPO
from standin.runtime.network import Remap
from standin.runtime.process.app import IMAGE_ENV, AppRunner

from tests.standin.fakes import launch_context


async def test_app_runner_remaps_the_command_and_puts_the_virtualenv_first(
    tmp_path: Path,
) -> None:
    runner = AppRunner(Path("/venv/bin"))
    remap = Remap(task_ports={5000: 41234})
    app = launch_context(
        tmp_path, remap, command=["todo-async", "serve", "--host", "0.0.0.0", "--port", "5000"]
    )
    launch = await runner.prepare(app, {"PATH": "/usr/bin", "LOG_LEVEL": "info"})
    assert launch.argv == ["todo-async", "serve", "--host", "127.0.0.1", "--port", "41234"]
    assert launch.env == {
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "AUTH_MODE": "accounts",
        "PATH": "/venv/bin:/usr/bin",
        "LOG_LEVEL": "info",
    }
    assert launch.cwd == tmp_path / "root"
    assert runner.health_env(app)["PATH"].startswith("/venv/bin:")


def test_the_app_runner_sets_what_the_dockerfile_sets() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    declared = dict(re.findall(r"\b([A-Z_]+)=(\S+)", final_stage.split("\nRUN ", 1)[0]))
    assert IMAGE_ENV.items() <= declared.items()


async def test_app_runner_refuses_a_container_without_a_command(tmp_path: Path) -> None:
    runner = AppRunner(Path("/venv/bin"))
    with pytest.raises(HarnessError, match="neither entryPoint nor command"):
        await runner.prepare(launch_context(tmp_path, Remap()), {"PATH": "/usr/bin"})
