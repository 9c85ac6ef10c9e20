"""How a container's process runs here: a runner per kind of image, chosen from a table by
the image the task definition names (as `databases` picks a backend by URL scheme).

Three runners ship: the project's own image runs its command from the checkout's virtualenv
(as the image would from its own), the load generators' image runs its entry point
(`python -m loadtest`) the same way, and the official PostgreSQL image runs as the
distribution's server, initialised as that image's entrypoint does. Another kind of image
is one more class with `prepare` and `health_env`, put into the table that
`daemon.runner_table` builds. These serve the process runtime (`runtimes.ProcessRuntime`);
the Docker runtime runs the images themselves.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import HarnessError
from .network import LOOPBACK

if TYPE_CHECKING:
    from .containers import Container

BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Launch:
    """What starts a container's process: argv, environment, working directory, and any
    other keyword of `asyncio.create_subprocess_exec` (the account to run as)."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    options: dict[str, Any] = field(default_factory=dict)


class Runner(Protocol):
    """Runs the containers of one kind of image. One runner serves many containers: what is
    particular to a container comes in with it."""

    stop_signal: signal.Signals  # the image's STOPSIGNAL

    async def prepare(self, container: Container, env: dict[str, str]) -> Launch:
        """Everything a first start needs (initialised data, say), then how to start it."""
        ...

    def health_env(self, container: Container) -> dict[str, str]:
        """What the container's health check command finds in its environment."""
        ...


ImageMatch = Callable[[str], bool]


class RunnerTable:
    """The first runner whose match accepts the image; any other image is refused."""

    def __init__(self, entries: Sequence[tuple[str, ImageMatch, Runner]]) -> None:
        self.entries = list(entries)  # (what it runs, in words; match; runner)

    def runner_for(self, image: str) -> Runner:
        for _what, matches, runner in self.entries:
            if matches(image):
                return runner
        runs = ", ".join(what for what, _match, _runner in self.entries)
        raise HarnessError(f"no local runner for image {image} (runs here: {runs})")


def is_postgres_image(image: str) -> bool:
    repository = image.rsplit("@", 1)[0]
    name = repository.rsplit("/", 1)[-1].split(":", 1)[0]
    return name == "postgres"


# What the project's Dockerfile sets with ENV, besides PATH and PORT.
IMAGE_ENV = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "AUTH_MODE": "accounts"}


class AppRunner:
    """The project's image: its entry point and command from the checkout's virtualenv."""

    stop_signal = signal.SIGTERM

    def __init__(self, app_bin: Path) -> None:
        self.app_bin = app_bin

    async def prepare(self, container: Container, env: dict[str, str]) -> Launch:
        spec = container.spec
        argv = container.placement.remap.apply_argv(spec.entry_point + spec.command)
        if not argv:
            raise HarnessError(f"container {spec.name} has neither entryPoint nor command")
        # The image's own ENV (Dockerfile), then the task definition's.
        env = {**IMAGE_ENV, **env}
        env["PATH"] = f"{self.app_bin}:{env['PATH']}"
        return Launch(argv, env, container.placement.root)

    def health_env(self, container: Container) -> dict[str, str]:
        return {"PATH": f"{self.app_bin}:{BASE_PATH}"}


class LoadRunner:
    """The load generators' image (loadtest/Dockerfile): its ENTRYPOINT, `python -m loadtest
    --results /results`, and ENV from the checkout's virtualenv, then the task definition's
    command. The image's paths are the container's (its volumes, else its own storage), and
    Locust's master port is the task's local port for it: here every task shares the
    loopback, and another run's master must not be the one a worker finds."""

    stop_signal = signal.SIGTERM
    RESULTS = "/results"
    MPLCONFIGDIR = "/tmp/matplotlib"
    PORT_OPTIONS = ("--master-bind-port", "--master-port")

    def __init__(self, app_bin: Path, source: Path) -> None:
        self.app_bin = app_bin
        self.source = source  # the checkout: where `python -m loadtest` finds its package

    async def prepare(self, container: Container, env: dict[str, str]) -> Launch:
        spec = container.spec
        if spec.entry_point:
            raise HarnessError(f"container {spec.name}: the load image runs its own entry point")
        remap = container.placement.remap
        command = list(spec.command)
        for index in range(1, len(command)):
            if command[index - 1] in self.PORT_OPTIONS and command[index].isdigit():
                command[index] = str(remap.local_port(int(command[index])))
        results = container.host_path(self.RESULTS)
        results.mkdir(parents=True, exist_ok=True)
        argv = [str(self.app_bin / "python"), "-m", "loadtest", "--results", str(results)]
        env = {
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": str(container.host_path(self.MPLCONFIGDIR)),
            **env,
            "PYTHONPATH": str(self.source),
        }
        env["PATH"] = f"{self.app_bin}:{env['PATH']}"
        return Launch(argv + remap.apply_argv(command), env, container.placement.root)

    def health_env(self, container: Container) -> dict[str, str]:
        return {"PATH": f"{self.app_bin}:{BASE_PATH}"}


def postgres_bindir(root: Path = Path("/usr/lib/postgresql")) -> Path:
    """The newest PostgreSQL server installed by the distribution."""
    versions = sorted(
        (path for path in root.glob("*/bin") if (path / "postgres").exists()),
        key=lambda path: int(path.parent.name),
    )
    if not versions:
        raise HarnessError(
            f"no PostgreSQL server under {root} (scripts/system-deps.sh local installs it)"
        )
    return versions[-1]


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


class PostgresRunner:
    """The official postgres image's behaviour on the distribution's server: initialise
    PGDATA on first start (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), then serve.
    With `tls`, host connections must use TLS (an RDS instance's rds.force_ssl). It listens
    on the loopback, and on the `listen` addresses too (where containers reach the host)."""

    stop_signal = signal.SIGINT  # the image's STOPSIGNAL: fast shutdown

    def __init__(
        self, *, tls: bool = False, run_as: RunAs | None = None, listen: tuple[str, ...] = ()
    ) -> None:
        self.tls = tls
        self.run_as = run_as or RunAs.postgres()
        self.listen_addresses = ",".join(dict.fromkeys((LOOPBACK, *listen)))

    @staticmethod
    def port(container: Container) -> int:
        if not container.spec.ports:
            raise HarnessError(f"container {container.spec.name}: no port mapping for PostgreSQL")
        return container.placement.remap.local_port(container.spec.ports[0])

    async def prepare(self, container: Container, env: dict[str, str]) -> Launch:
        bindir = postgres_bindir()
        port = self.port(container)
        data = container.host_path(env.get("PGDATA", "/var/lib/postgresql/data"))
        sockets = container.placement.root / "run"
        for directory in (data.parent, sockets):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.run_as.own(directory)
        if not (data / "PG_VERSION").exists():
            await self._initialise(container, bindir, data, env)
        argv = [str(bindir / "postgres"), "-D", str(data), "-p", str(port)]
        argv += [
            "-c",
            f"listen_addresses={self.listen_addresses}",
            "-c",
            f"unix_socket_directories={sockets}",
        ]
        if self.tls:
            argv += ["-c", "ssl=on", "-c", f"ssl_cert_file={data}/server.crt"]
            argv += ["-c", f"ssl_key_file={data}/server.key"]
        command = container.spec.command
        argv += command[1:] if command[:1] == ["postgres"] else command
        return Launch(argv, env, data, self.run_as.popen_kwargs())

    async def _initialise(
        self, container: Container, bindir: Path, data: Path, env: dict[str, str]
    ) -> None:
        user = env.get("POSTGRES_USER", "postgres")
        database = env.get("POSTGRES_DB", user)
        password = env.get("POSTGRES_PASSWORD", "")
        auth = env.get("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")
        if not password and auth != "trust":
            raise HarnessError(f"container {container.spec.name}: POSTGRES_PASSWORD is not set")
        password_file = data.parent / f".{data.name}.pw"
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self.run_as.own(password_file)
        try:
            await self._run(
                container,
                bindir / "initdb",
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
        if self.tls:
            await self._make_certificate(container, data)
        if database != "postgres":
            await self._run(
                container,
                bindir / "postgres",
                "--single",
                "-D",
                str(data),
                "postgres",
                stdin=f'CREATE DATABASE "{database}" OWNER "{user}";\n'.encode(),
            )

    async def _make_certificate(self, container: Container, data: Path) -> None:
        """A self-signed server certificate; TLS-only host access, like RDS's rds.force_ssl."""
        await self._run(
            container,
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

    async def _run(self, container: Container, *argv: Any, stdin: bytes | None = None) -> None:
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
            container.emit(line)
        if process.returncode != 0:
            raise HarnessError(f"{Path(str(argv[0])).name} failed with {process.returncode}")

    def health_env(self, container: Container) -> dict[str, str]:
        return {
            "PATH": f"{postgres_bindir()}:{BASE_PATH}",
            "PGHOST": LOOPBACK,
            "PGPORT": str(self.port(container)),
        }
