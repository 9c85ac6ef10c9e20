"""How a task definition's container becomes `docker create` options (no engine needed)."""

from __future__ import annotations

from pathlib import Path

from standin.ecs.spec import HealthCheck
from standin.runtime.docker.container import (
    DockerPlacement,
    Mount,
    create_arguments,
    health_options,
)
from standin.runtime.network import Remap

from tests.standin.fakes import container_spec

PLACEMENT = DockerPlacement(
    task_id="abc123",
    name="todo-async-standin-abc123-app",
    image="todo-async:local",
    network=["--network", "todo-async-standin", "--ip", "172.31.240.2"],
    mounts=[Mount("todo-async-standin-abc123-tmp", "/tmp", {"com.todo-async.standin": "x"})],
    remap=Remap(endpoint_host="172.31.240.1", own_address=True),
    log_file=Path("/nonexistent/app.log"),
)


def test_exec_form_health_check_becomes_a_quoted_shell_command() -> None:
    check = HealthCheck(["CMD", "todo-async", "healthcheck", "--url", "http://x/a b"], 10, 5, 3, 20)
    assert health_options(check) == [
        "--health-cmd=todo-async healthcheck --url 'http://x/a b'",
        "--health-interval=10s",
        "--health-timeout=5s",
        "--health-retries=3",
        "--health-start-period=20s",
    ]
    shell = HealthCheck(["CMD-SHELL", "pg_isready || exit 1"], 5, 3, 5, 60)
    assert health_options(shell)[0] == "--health-cmd=pg_isready || exit 1"


def test_without_a_health_check_the_images_own_is_off() -> None:
    assert health_options(None) == ["--no-healthcheck"]
    assert health_options(HealthCheck(["NONE"])) == ["--no-healthcheck"]


def test_create_arguments_carry_the_task_definition() -> None:
    spec = container_spec(
        command=["todo-async", "serve", "--host", "0.0.0.0", "--port", "5000"],
        environment={"LOG_LEVEL": "info"},
        secrets={"DATABASE_PASSWORD": "arn:aws:secretsmanager:...:password::"},
        user="10001:10001",
        readonly_root_filesystem=True,
        stop_timeout=30,
    )
    args = create_arguments(spec, PLACEMENT)
    assert args[:2] == ["create", "--name"]
    assert args[-7:] == [
        "todo-async:local", "todo-async", "serve", "--host", "0.0.0.0", "--port", "5000"
    ]  # fmt: skip
    joined = " ".join(args)
    for expected in (
        "--network todo-async-standin --ip 172.31.240.2",
        "--stop-timeout 30",
        "--env LOG_LEVEL --env DATABASE_PASSWORD",  # values travel in the client's environment
        "--mount type=volume,source=todo-async-standin-abc123-tmp,target=/tmp",
        "--user 10001:10001",
        "--read-only",
        "--no-healthcheck",
        "--pull never",
        "--label com.todo-async.standin.task=abc123",
    ):
        assert expected in joined
    assert "arn:aws:secretsmanager" not in joined


def test_entry_point_takes_its_first_word_and_puts_the_rest_before_the_command() -> None:
    spec = container_spec(entry_point=["docker-entrypoint.sh", "-x"], command=["postgres"])
    args = create_arguments(spec, PLACEMENT)
    assert args[args.index("--entrypoint") + 1] == "docker-entrypoint.sh"
    assert args[-3:] == ["todo-async:local", "-x", "postgres"]
    assert "--user" not in args
    assert "--read-only" not in args
