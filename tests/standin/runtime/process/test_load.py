"""The load generators' image's runner: what loadtest/Dockerfile does, from the checkout."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from standin.errors import HarnessError
from standin.paths import REPO
from standin.runtime.network import Remap
from standin.runtime.process.load import LoadRunner
from standin.runtime.process.runners import LaunchContext

from tests.standin.fakes import launch_context


def load_container(tmp_path: Path, remap: Remap, **spec: object) -> LaunchContext:
    """A load generator's container, with the task definition's volumes."""
    volumes = {"/results": tmp_path / "results", "/tmp": tmp_path / "scratch"}
    return launch_context(tmp_path, remap, volumes, image="todo-async-load:local", ports=[], **spec)


async def test_load_runner_runs_the_images_entry_point_with_the_task_definitions_command(
    tmp_path: Path,
) -> None:
    runner = LoadRunner(Path("/venv/bin"), Path("/checkout"))
    remap = Remap(task_ports={5557: 41557}, urls={"http://alb.example": "http://127.0.0.1:8080"})
    master = load_container(
        tmp_path,
        remap,
        command=[
            *("--profile", "smoke", "--host", "http://alb.example"),
            *("--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", "5557"),
            *("--expect-workers", "2", "-u", "4"),
        ],
    )
    launch = await runner.prepare(master, {"PATH": "/usr/bin", "AWS_REGION": "us-east-1"})
    assert launch.argv == [
        *("/venv/bin/python", "-m", "loadtest", "--results", str(tmp_path / "results")),
        *("--profile", "smoke", "--host", "http://127.0.0.1:8080"),
        *("--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", "41557"),
        *("--expect-workers", "2", "-u", "4"),
    ]
    assert (tmp_path / "results").is_dir()
    assert launch.env == {
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": str(tmp_path / "scratch" / "matplotlib"),
        "PATH": "/venv/bin:/usr/bin",
        "AWS_REGION": "us-east-1",
        "PYTHONPATH": "/checkout",
    }
    assert launch.cwd == tmp_path / "root"

    worker = load_container(
        tmp_path,
        remap,
        command=["--worker", "--master-host", "127.0.0.1", "--master-port", "5557"],
    )
    launch = await runner.prepare(worker, {"PATH": "/usr/bin"})
    assert launch.argv[5:] == ["--worker", "--master-host", "127.0.0.1", "--master-port", "41557"]


async def test_load_runner_trusts_the_local_front_doors_ca_by_its_file(tmp_path: Path) -> None:
    runner = LoadRunner(Path("/venv/bin"), Path("/checkout"), trusted_ca=Path("/state/ca.pem"))
    master = load_container(tmp_path, Remap(), command=["--host", "https://127.0.0.1:8443"])
    launch = await runner.prepare(master, {"PATH": "/usr/bin"})
    assert launch.env["SSL_CERT_FILE"] == "/state/ca.pem"


async def test_load_runner_refuses_another_entry_point(tmp_path: Path) -> None:
    runner = LoadRunner(Path("/venv/bin"), Path("/checkout"))
    other = load_container(tmp_path, Remap(), entry_point=["sh", "-c"], command=["id"])
    with pytest.raises(HarnessError, match="runs its own entry point"):
        await runner.prepare(other, {"PATH": "/usr/bin"})


def test_load_runner_does_what_the_load_image_does() -> None:
    """Its entry point and environment are loadtest/Dockerfile's."""
    dockerfile = (REPO / "loadtest" / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["python", "-m", "loadtest", "--results", "/results"]' in dockerfile
    assert LoadRunner.RESULTS == "/results"
    assert f"MPLCONFIGDIR={LoadRunner.MPLCONFIGDIR}" in dockerfile
    assert "PYTHONDONTWRITEBYTECODE=1" in dockerfile
    assert "PYTHONUNBUFFERED=1" in dockerfile
    assert "STOPSIGNAL" not in dockerfile  # SIGTERM, Docker's default
    assert LoadRunner.stop_signal == signal.SIGTERM
