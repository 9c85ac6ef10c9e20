"""A task's containers as processes.

Two images can run here: the project's own image (its command runs from the checkout's
virtualenv, as the image would run it from its own) and the official PostgreSQL image (the
distribution's PostgreSQL server, initialised as that image's entrypoint does). Any other image
is refused with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pwd
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import aws
from .awslogs import LogStream
from .network import LOOPBACK, Remap
from .processes import ProcessRegistry
from .spec import ContainerSpec, HealthCheck
from .stack import StackError, read_secret

log = logging.getLogger(__name__)

BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def postgres_bindir() -> Path:
    """The newest PostgreSQL server installed by the distribution."""
    versions = sorted(
        (
            path
            for path in Path("/usr/lib/postgresql").glob("*/bin")
            if (path / "postgres").exists()
        ),
        key=lambda path: int(path.parent.name),
    )
    if not versions:
        raise StackError(
            "no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)"
        )
    return versions[-1]


def is_postgres_image(image: str) -> bool:
    repository = image.rsplit("@", 1)[0]
    name = repository.rsplit("/", 1)[-1].split(":", 1)[0]
    return name == "postgres"


def read_ecs_secret(value_from: str) -> str:
    """Resolve a container secret's valueFrom as the ECS agent does."""
    if ":secretsmanager:" in value_from:
        parts = value_from.split(":")
        # arn:aws:secretsmanager:region:account:secret:name[:json-key:version-stage:version-id]
        secret_id = ":".join(parts[:7])
        json_key, stage, version = ([*parts[7:], "", "", ""])[:3]
        return read_secret(secret_id, json_key, stage, version)
    if ":ssm:" in value_from or not value_from.startswith("arn:"):
        name = (
            value_from.split(":parameter", 1)[-1] if value_from.startswith("arn:") else value_from
        )
        return str(
            aws.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        )
    raise StackError(f"secret reference {value_from} is neither Secrets Manager nor SSM")


@dataclass(frozen=True)
class RunAs:
    """The account a process runs under (PostgreSQL refuses to run as root)."""

    user: str | None = None

    @classmethod
    def postgres(cls) -> RunAs:
        return cls("postgres") if os.geteuid() == 0 else cls()

    def popen_kwargs(self) -> dict[str, Any]:
        if self.user is None:
            return {}
        gid = pwd.getpwnam(self.user).pw_gid
        return {"user": self.user, "group": gid, "extra_groups": os.getgrouplist(self.user, gid)}

    def own(self, path: Path) -> None:
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)


class Container:
    """One container of one task: its process, health and log stream."""

    def __init__(
        self,
        spec: ContainerSpec,
        *,
        task_id: str,
        remap: Remap,
        root: Path,
        volumes: dict[str, Path],
        app_image: str,
        app_bin: Path,
        logs_client: Any,
        log_file: Path,
        processes: ProcessRegistry,
        tls: bool = False,
    ) -> None:
        self.spec = spec
        self.task_id = task_id
        self.remap = remap
        self.root = root
        self.volumes = volumes  # container path -> host directory (the task's mount points)
        self.tls = tls  # a TLS-only PostgreSQL (the RDS instance)
        self._logs_client = logs_client
        self._log_file = log_file
        self._processes = processes
        self.status = "PENDING"  # PENDING -> RUNNING -> STOPPED
        self.health = "UNKNOWN" if spec.health_check else "NONE"
        self.exit_code: int | None = None
        self.started_at = 0.0
        self.process: asyncio.subprocess.Process | None = None
        self.log_stream: LogStream | None = None
        self._stopping = False
        self._output: asyncio.Task[None] | None = None
        self._background: list[asyncio.Task[Any]] = []
        if spec.image == app_image:
            self._runner: _Runner = _AppRunner(self, app_bin)
        elif is_postgres_image(spec.image):
            self._runner = _PostgresRunner(self)
        else:
            raise StackError(
                f"container {spec.name}: no local runner for image {spec.image} "
                f"(runs here: the project image {app_image} and postgres images)"
            )

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.exit_code is None else None

    def environment(self) -> dict[str, str]:
        """The container's environment: its variables and secrets, remapped, on a clean base."""
        env = {"PATH": BASE_PATH, "LANG": "C.UTF-8", "HOME": str(self.root)}
        for name, value in self.spec.environment.items():
            env[name] = self.remap.apply(value)
        for name, value_from in self.spec.secrets.items():
            env[name] = read_ecs_secret(value_from)
        return env

    def host_path(self, container_path: str) -> Path:
        """Where a path inside the container lives here: in a mounted volume, else in the
        task's own storage (gone with the task, like Fargate's ephemeral storage)."""
        for mount, directory in sorted(self.volumes.items(), key=lambda item: -len(item[0])):
            if container_path == mount or container_path.startswith(mount.rstrip("/") + "/"):
                return directory / container_path[len(mount) :].lstrip("/")
        return self.root / "fs" / container_path.lstrip("/")

    async def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.log_stream = await LogStream.open_for(
            self._logs_client, self.spec, self.task_id, self._log_file
        )
        env = await asyncio.to_thread(self.environment)
        argv, kwargs = await self._runner.prepare(env)
        self.process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        self._processes.add(self.process.pid)
        self.started_at = time.monotonic()
        self.status = "RUNNING"
        log.info(
            "task %s: container %s started (pid %d)", self.task_id, self.spec.name, self.process.pid
        )
        self._output = asyncio.create_task(self._pump(self.process))
        self._background.append(asyncio.create_task(self._wait(self.process)))
        if self.spec.health_check:
            self._background.append(
                asyncio.create_task(self._health_loop(self.spec.health_check, env))
            )

    def emit(self, line: str) -> None:
        if self.log_stream is not None:
            self.log_stream.write(line)

    async def _pump(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while True:
            try:
                line = await process.stdout.readline()
            except ValueError:  # a line over the stream limit: ship what we have
                line = await process.stdout.read(65536)
            if not line:
                return
            self.emit(line.decode("utf-8", "replace").rstrip("\n"))

    async def _wait(self, process: asyncio.subprocess.Process) -> None:
        self.exit_code = await process.wait()
        self._processes.remove(process.pid)
        self.status = "STOPPED"
        if not self._stopping:
            log.warning(
                "task %s: container %s exited with %s", self.task_id, self.spec.name, self.exit_code
            )

    async def _health_loop(self, check: HealthCheck, env: dict[str, str]) -> None:
        """Docker's health check: first run after one interval; failures inside the start
        period do not count; `retries` consecutive failures make it UNHEALTHY."""
        command = self.remap.apply_argv(check.command)
        env = {**env, **self._runner.health_env()}
        failures = 0
        while self.status == "RUNNING":
            await asyncio.sleep(check.interval)
            if self.status != "RUNNING":
                return
            ok = await self._run_check(command, env, check.timeout)
            in_start_period = time.monotonic() - self.started_at < check.start_period
            if ok:
                failures = 0
                self.health = "HEALTHY"
            elif not in_start_period or self.health == "HEALTHY":
                failures += 1
                if failures >= check.retries:
                    if self.health != "UNHEALTHY":
                        log.warning(
                            "task %s: container %s is UNHEALTHY", self.task_id, self.spec.name
                        )
                    self.health = "UNHEALTHY"

    async def _run_check(self, command: list[str], env: dict[str, str], limit: float) -> bool:
        kind, *rest = command
        if kind == "NONE":
            return True
        argv = ["/bin/sh", "-c", rest[0]] if kind == "CMD-SHELL" else rest
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                env=env,
                cwd=self.root,
                start_new_session=True,
            )
        except OSError:
            return False
        try:
            return await asyncio.wait_for(process.wait(), limit) == 0
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
            return False

    async def stop(self) -> None:
        """`docker stop`: the image's stop signal, then SIGKILL after the stop timeout."""
        self._stopping = True
        process = self.process
        if process is not None and self.exit_code is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(self._runner.stop_signal)
            try:
                await asyncio.wait_for(process.wait(), self.spec.stop_timeout)
            except TimeoutError:
                log.warning(
                    "task %s: container %s ignored its stop signal; killing",
                    self.task_id,
                    self.spec.name,
                )
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if self._output is not None:
            # The last lines (shutdown messages) still in the pipe; a process that leaves a
            # child holding the pipe open does not get to keep the stand-in waiting.
            await asyncio.wait([self._output], timeout=5)
            self._background.append(self._output)
        for background in self._background:
            background.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        self.status = "STOPPED"
        if self.log_stream is not None:
            await self.log_stream.close()
        await asyncio.to_thread(self._runner.cleanup)


class _Runner:
    stop_signal = signal.SIGTERM

    def __init__(self, container: Container) -> None:
        self.container = container

    async def prepare(self, env: dict[str, str]) -> tuple[list[str], dict[str, Any]]:
        raise NotImplementedError

    def health_env(self) -> dict[str, str]:
        return {}

    def cleanup(self) -> None:
        # The task's own storage goes with the task; data on a volume stays.
        shutil.rmtree(self.container.root, ignore_errors=True)


class _AppRunner(_Runner):
    """The project's image: its command from the checkout's virtualenv."""

    def __init__(self, container: Container, app_bin: Path) -> None:
        super().__init__(container)
        self.app_bin = app_bin

    async def prepare(self, env: dict[str, str]) -> tuple[list[str], dict[str, Any]]:
        spec = self.container.spec
        argv = self.container.remap.apply_argv(spec.entry_point + spec.command)
        if not argv:
            raise StackError(f"container {spec.name} has neither entryPoint nor command")
        # The image's own ENV (Dockerfile), then the task definition's.
        env = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", **env}
        env["PATH"] = f"{self.app_bin}:{env['PATH']}"
        return argv, {"env": env, "cwd": self.container.root}

    def health_env(self) -> dict[str, str]:
        return {"PATH": f"{self.app_bin}:{BASE_PATH}"}


class _PostgresRunner(_Runner):
    """The official postgres image's behaviour on the distribution's server: initialise
    PGDATA on first start (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), then serve."""

    stop_signal = signal.SIGINT  # the image's STOPSIGNAL: fast shutdown

    def __init__(self, container: Container) -> None:
        super().__init__(container)
        self.bindir = postgres_bindir()
        self.run_as = RunAs.postgres()
        if not container.spec.ports:
            raise StackError(f"container {container.spec.name}: no port mapping for PostgreSQL")
        self.port = container.remap.local_port(container.spec.ports[0])

    async def prepare(self, env: dict[str, str]) -> tuple[list[str], dict[str, Any]]:
        container = self.container
        data = container.host_path(env.get("PGDATA", "/var/lib/postgresql/data"))
        sockets = container.root / "run"
        for directory in (data.parent, sockets):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.run_as.own(directory)
        if not (data / "PG_VERSION").exists():
            await self._initialise(data, env)
        argv = [str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port)]
        argv += ["-c", f"listen_addresses={LOOPBACK}", "-c", f"unix_socket_directories={sockets}"]
        if container.tls:
            argv += ["-c", "ssl=on", "-c", f"ssl_cert_file={data}/server.crt"]
            argv += ["-c", f"ssl_key_file={data}/server.key"]
        command = container.spec.command
        argv += command[1:] if command[:1] == ["postgres"] else command
        return argv, {"env": env, "cwd": data, **self.run_as.popen_kwargs()}

    async def _initialise(self, data: Path, env: dict[str, str]) -> None:
        user = env.get("POSTGRES_USER", "postgres")
        database = env.get("POSTGRES_DB", user)
        password = env.get("POSTGRES_PASSWORD", "")
        auth = env.get("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")
        if not password and auth != "trust":
            raise StackError(f"container {self.container.spec.name}: POSTGRES_PASSWORD is not set")
        password_file = data.parent / f".{data.name}.pw"
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self.run_as.own(password_file)
        try:
            await self._run(
                self.bindir / "initdb",
                "-D",
                str(data),
                "-U",
                user,
                f"--pwfile={password_file}",
                "--auth-local=trust",
                f"--auth-host={auth}",
                "-E",
                "UTF8",
                "--no-instructions",
            )
        finally:
            password_file.unlink()
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all all {auth}\n")
        if self.container.tls:
            await self._make_certificate(data)
        if database != "postgres":
            await self._run(
                self.bindir / "postgres",
                "--single",
                "-D",
                str(data),
                "postgres",
                stdin=f'CREATE DATABASE "{database}" OWNER "{user}";\n'.encode(),
            )

    async def _make_certificate(self, data: Path) -> None:
        """A self-signed server certificate; TLS-only host access, like RDS's rds.force_ssl."""
        await self._run(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "365",
            "-subj",
            "/CN=localhost",
            "-keyout",
            data / "server.key",
            "-out",
            data / "server.crt",
        )
        hba = data / "pg_hba.conf"
        lines = hba.read_text().splitlines()
        hba.write_text(
            "\n".join("hostssl" + line[4:] if line.startswith("host ") else line for line in lines)
            + "\n"
        )

    async def _run(self, *argv: Any, stdin: bytes | None = None) -> None:
        process = await asyncio.create_subprocess_exec(
            *map(str, argv),
            stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd="/",
            **self.run_as.popen_kwargs(),
        )
        output, _ = await process.communicate(stdin)
        for line in output.decode("utf-8", "replace").splitlines():
            self.container.emit(line)
        if process.returncode != 0:
            raise StackError(f"{Path(str(argv[0])).name} failed with {process.returncode}")

    def health_env(self) -> dict[str, str]:
        return {"PATH": f"{self.bindir}:{BASE_PATH}", "PGHOST": LOOPBACK, "PGPORT": str(self.port)}
