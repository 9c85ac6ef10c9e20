"""The runner table, and each runner: the app runner's command line and environment, and
the PostgreSQL runner initialising and serving a real server as the postgres image does."""

from __future__ import annotations

import re
import shutil
import signal
import ssl
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from standin.awslogs import CloudWatchLogs
from standin.containers import Container, Placement
from standin.errors import HarnessError
from standin.network import Remap, free_port
from standin.paths import REPO
from standin.processes import ProcessRegistry
from standin.runners import (
    IMAGE_ENV,
    AppRunner,
    LoadRunner,
    PostgresRunner,
    RunnerTable,
    is_postgres_image,
    postgres_bindir,
)

from tests.standin.fakes import CommandRunner, container_spec
from tests.standin.pg_ready import accepting_connections


def place(tmp_path: Path, remap: Remap, volumes: dict[str, Path] | None = None) -> Placement:
    return Placement("task1", remap, tmp_path / "root", volumes or {}, tmp_path / "c.log")


def container(tmp_path: Path, runner: object, remap: Remap, **spec: object) -> Container:
    return Container(
        container_spec(**spec),
        runner,  # type: ignore[arg-type]
        place(tmp_path, remap, {"/data": tmp_path / "volume"}),
        logs=CloudWatchLogs(client=None),
        processes=ProcessRegistry(tmp_path / "processes"),
    )


def test_table_picks_the_first_runner_whose_match_takes_the_image() -> None:
    app, database = CommandRunner(["app"]), CommandRunner(["db"])
    table = RunnerTable(
        [
            ("the project image app:1", lambda image: image == "app:1", app),
            ("postgres images", is_postgres_image, database),
        ]
    )
    assert table.runner_for("app:1") is app
    assert table.runner_for("public.ecr.aws/docker/library/postgres:16") is database
    with pytest.raises(HarnessError) as refused:
        table.runner_for("nginx:1")
    assert str(refused.value) == (
        "no local runner for image nginx:1 (runs here: the project image app:1, postgres images)"
    )


@pytest.mark.parametrize(
    ("image", "postgres"),
    [
        ("postgres", True),
        ("postgres:16-alpine", True),
        ("docker.io/library/postgres@sha256:abc", True),
        ("public.ecr.aws/docker/library/postgres:16", True),
        ("postgres-exporter:1", False),
        ("mypostgres:1", False),
    ],
)
def test_postgres_images(image: str, postgres: bool) -> None:
    assert is_postgres_image(image) is postgres


async def test_app_runner_remaps_the_command_and_puts_the_virtualenv_first(
    tmp_path: Path,
) -> None:
    runner = AppRunner(Path("/venv/bin"))
    remap = Remap(task_ports={5000: 41234})
    app = container(
        tmp_path,
        runner,
        remap,
        command=["todo-async", "serve", "--host", "0.0.0.0", "--port", "5000"],
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
    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    declared = dict(re.findall(r"\b([A-Z_]+)=(\S+)", final_stage.split("\nRUN ", 1)[0]))
    assert IMAGE_ENV.items() <= declared.items()


async def test_app_runner_refuses_a_container_without_a_command(tmp_path: Path) -> None:
    runner = AppRunner(Path("/venv/bin"))
    with pytest.raises(HarnessError, match="neither entryPoint nor command"):
        await runner.prepare(container(tmp_path, runner, Remap()), {"PATH": "/usr/bin"})


def load_container(tmp_path: Path, runner: LoadRunner, remap: Remap, **spec: object) -> Container:
    """A load generator's container, with the task definition's volumes."""
    volumes = {"/results": tmp_path / "results", "/tmp": tmp_path / "scratch"}
    return Container(
        container_spec(image="todo-async-load:local", ports=[], **spec),
        runner,
        place(tmp_path, remap, volumes),
        logs=CloudWatchLogs(client=None),
        processes=ProcessRegistry(tmp_path / "processes"),
    )


async def test_load_runner_runs_the_images_entry_point_with_the_task_definitions_command(
    tmp_path: Path,
) -> None:
    runner = LoadRunner(Path("/venv/bin"), Path("/checkout"))
    remap = Remap(task_ports={5557: 41557}, urls={"http://alb.example": "http://127.0.0.1:8080"})
    master = load_container(
        tmp_path,
        runner,
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
        runner,
        remap,
        command=["--worker", "--master-host", "127.0.0.1", "--master-port", "5557"],
    )
    launch = await runner.prepare(worker, {"PATH": "/usr/bin"})
    assert launch.argv[5:] == ["--worker", "--master-host", "127.0.0.1", "--master-port", "41557"]


async def test_load_runner_refuses_another_entry_point(tmp_path: Path) -> None:
    runner = LoadRunner(Path("/venv/bin"), Path("/checkout"))
    other = load_container(tmp_path, runner, Remap(), entry_point=["sh", "-c"], command=["id"])
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


def test_postgres_bindir_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="no PostgreSQL server under"):
        postgres_bindir(tmp_path)


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A directory the postgres account can reach (pytest's own are root's alone)."""
    directory = Path(tempfile.mkdtemp(prefix="standin-pg-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
async def serving(reachable_dir: Path, request: pytest.FixtureRequest) -> AsyncIterator[int]:
    """A PostgreSQL container (TLS-only when the test is parametrized with True): its port."""
    tls = getattr(request, "param", False)
    tmp_path = reachable_dir
    port = free_port()
    environment = {
        "POSTGRES_USER": "todo",
        "POSTGRES_PASSWORD": "s3cret",
        "POSTGRES_DB": "todos",
        "PGDATA": "/data/pgdata",
    }
    server = container(
        tmp_path,
        PostgresRunner(tls=tls),
        Remap(task_ports={5432: port}),
        name="db",
        image="postgres:16",
        ports=[5432],
        environment=environment,
    )
    await server.start()
    try:
        await accepting_connections(port)
        yield port
    finally:
        await server.stop()
    assert server.exit_code == 0  # SIGINT: PostgreSQL's fast shutdown
    assert (tmp_path / "volume" / "pgdata" / "PG_VERSION").exists()  # data outlives the task


async def test_postgres_runner_initialises_as_the_image_does(serving: int) -> None:
    connection = await asyncpg.connect(
        host="127.0.0.1", port=serving, user="todo", password="s3cret", database="todos", ssl=False
    )
    try:
        assert await connection.fetchval("SELECT current_database()") == "todos"
    finally:
        await connection.close()
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(
            host="127.0.0.1", port=serving, user="todo", password="wrong", database="todos"
        )


@pytest.mark.parametrize("serving", [True], indirect=True)
async def test_postgres_runner_with_tls_refuses_plain_connections(serving: int) -> None:
    arguments = {"host": "127.0.0.1", "port": serving, "user": "todo", "password": "s3cret"}
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError):
        await asyncpg.connect(**arguments, database="todos", ssl=False)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the server's certificate is self-signed
    connection = await asyncpg.connect(**arguments, database="todos", ssl=context)
    try:
        assert await connection.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    finally:
        await connection.close()
