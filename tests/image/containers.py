"""Run the service image as the ECS task definition runs its `app` container."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from hostkit.docker import Engine
from hostkit.ports import free_port
from infra.database import DB_NAME, DB_PORT, DB_USER, PGDATA_MOUNT, POSTGRES_UID
from infra.network import VPC_CIDR
from infra.service import APP_COMMAND, SHUTDOWN_TIMEOUT_SECONDS, STOP_TIMEOUT
from infra.traffic import APP_PORT
from testbed.live_server import poll_health

STOP_TIMEOUT_SECONDS = int(STOP_TIMEOUT.to_seconds())
DATA = "/app/data"
# The task definition's plain environment (with SQLite in the data mount for its database)
# and its secret, which ECS injects as an environment variable too.
ECS_ENVIRONMENT = {
    "DATABASE_URL": "sqlite:///data/todo.db",
    "AUTH_MODE": "accounts",
    "FORWARDED_ALLOW_IPS": VPC_CIDR,
    "CORS_ALLOW_ORIGINS": "*",
    "LOG_LEVEL": "info",
    "SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT_SECONDS),
}


@dataclass(frozen=True)
class Container:
    engine: Engine
    id: str
    url: str

    def state(self, field: str) -> str:
        return self.engine.run(
            "inspect", "--format", f"{{{{json .State.{field}}}}}", self.id
        ).stdout

    def pid(self) -> int:
        return int(self.state("Pid"))

    def exec(self, *command: str) -> str:
        return self.engine.run("exec", self.id, *command).stdout

    def logs(self) -> tuple[str, str]:
        """What the container wrote on stdout and on stderr."""
        written = self.engine.run("logs", self.id)
        return written.stdout, written.stderr

    def wait_serving(self, timeout: float = 30) -> None:
        def exited() -> str | None:
            running = json.loads(self.state("Running"))
            return None if running else "container exited"

        try:
            poll_health(self.url, exited, timeout, pause=0.1)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {self.logs()}") from None

    def wait_health(self, wanted: str, timeout: float) -> str:
        """Poll Docker's health status until it reads `wanted`; return the last one seen."""
        deadline = time.monotonic() + timeout
        status = ""
        while time.monotonic() < deadline:
            status = json.loads(self.state("Health"))["Status"]
            if status == wanted:
                break
            time.sleep(0.5)
        return status


@contextlib.contextmanager
def run_container(
    engine: Engine,
    image: str,
    *,
    command: Sequence[str] = APP_COMMAND,
    environment: Mapping[str, str] = ECS_ENVIRONMENT,
    data: str | None = None,
    container_port: int = APP_PORT,
    password: str | None = None,
    migration_password: str | None = None,
    task: Container | None = None,
    wait: bool = True,
) -> Iterator[Container]:
    """The image as the task definition runs it: read-only root, the image's own (non-root)
    user, /tmp as task scratch space, a data mount (a named volume `data`, else a tmpfs),
    the database passwords' secrets as environment variables (the owner's, for migrations,
    only when given), published on 127.0.0.1 only,
    or in the network namespace of `task` (as containers of one awsvpc task share theirs).
    Removed on exit."""
    port = free_port()
    mount = (
        f"--mount=type=volume,src={data},dst={DATA}"
        if data
        else f"--tmpfs={DATA}:uid=10001,gid=10001"
    )
    secret = {"DATABASE_PASSWORD": password or secrets.token_hex(16)}
    if migration_password is not None:
        secret["MIGRATION_DATABASE_PASSWORD"] = migration_password
    variables = [f"--env={name}={value}" for name, value in {**environment, **secret}.items()]
    network = (
        f"--network=container:{task.id}" if task else f"--publish=127.0.0.1:{port}:{container_port}"
    )
    started = engine.run(
        "run",
        "--detach",
        "--read-only",
        "--tmpfs=/tmp",
        mount,
        f"--stop-timeout={STOP_TIMEOUT_SECONDS}",
        network,
        *variables,
        image,
        *command,
    )
    url = task.url if task else f"http://127.0.0.1:{port}"
    container = Container(engine, started.stdout.strip(), url)
    try:
        if wait:
            container.wait_serving()
        yield container
    finally:
        engine.run("rm", "--force", "--volumes", container.id, check=False)


@contextlib.contextmanager
def run_db_container(
    engine: Engine, image: str, *, password: str, data: str, app_port: int = APP_PORT
) -> Iterator[Container]:
    """The sidecar's `db` container as the task definition runs it (its user, environment,
    secret, PGDATA under the data volume, health check), holding the task's network
    namespace: the app container joins it and is published through it. Yields once the
    health check passes, as the app's dependsOn HEALTHY waits; removed on exit."""
    port = free_port()
    started = engine.run(
        "run",
        "--detach",
        f"--user={POSTGRES_UID}:{POSTGRES_UID}",
        f"--mount=type=volume,src={data},dst={PGDATA_MOUNT}",
        f"--env=POSTGRES_USER={DB_USER}",
        f"--env=POSTGRES_DB={DB_NAME}",
        f"--env=PGDATA={PGDATA_MOUNT}/pgdata",
        f"--env=POSTGRES_PASSWORD={password}",
        f"--health-cmd=pg_isready --host 127.0.0.1 --port {DB_PORT} "
        f"--username {DB_USER} --dbname {DB_NAME}",
        "--health-interval=1s",
        "--stop-timeout=60",
        f"--publish=127.0.0.1:{port}:{app_port}",
        image,
    )
    container = Container(engine, started.stdout.strip(), f"http://127.0.0.1:{port}")
    try:
        status = container.wait_health("healthy", 60)
        if status != "healthy":
            raise RuntimeError(f"db container {status}: {container.logs()}")
        yield container
    finally:
        engine.run("rm", "--force", "--volumes", container.id, check=False)
