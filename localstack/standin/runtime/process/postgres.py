"""The official PostgreSQL image as the distribution's server: PGDATA initialised on first
start as that image's entrypoint does (initdb, the password, the database), with a
self-signed certificate and TLS-only host access when asked (an RDS instance)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

from hostkit.ports import LOOPBACK
from hostkit.postgres import DISTRIBUTION_ROOT, RunAs, find_binaries

from ...errors import HarnessError
from .runners import BASE_PATH, Launch, LaunchContext


def postgres_bindir(root: Path = DISTRIBUTION_ROOT) -> Path:
    """The newest PostgreSQL server installed by the distribution."""
    bindir = find_binaries(root)
    if bindir is None:
        raise HarnessError(
            f"no PostgreSQL server under {root} (scripts/system-deps.sh local installs it)"
        )
    return bindir


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
    def port(context: LaunchContext) -> int:
        if not context.spec.ports:
            raise HarnessError(f"container {context.spec.name}: no port mapping for PostgreSQL")
        return context.remap.local_port(context.spec.ports[0])

    async def prepare(self, context: LaunchContext, env: dict[str, str]) -> Launch:
        bindir = postgres_bindir()
        port = self.port(context)
        data = context.host_path(env.get("PGDATA", "/var/lib/postgresql/data"))
        sockets = context.root / "run"
        for directory in (data.parent, sockets):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.run_as.own(directory)
        if not (data / "PG_VERSION").exists():
            await self._initialise(context, bindir, data, env)
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
        command = context.spec.command
        argv += command[1:] if command[:1] == ["postgres"] else command
        return Launch(argv, env, data, self.run_as.popen_kwargs())

    async def _initialise(
        self, context: LaunchContext, bindir: Path, data: Path, env: dict[str, str]
    ) -> None:
        user = env.get("POSTGRES_USER", "postgres")
        database = env.get("POSTGRES_DB", user)
        password = env.get("POSTGRES_PASSWORD", "")
        auth = env.get("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")
        if not password and auth != "trust":
            raise HarnessError(f"container {context.spec.name}: POSTGRES_PASSWORD is not set")
        password_file = data.parent / f".{data.name}.pw"
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self.run_as.own(password_file)
        try:
            await self._run(
                context,
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
            await self._make_certificate(context, data)
        if database != "postgres":
            await self._run(
                context,
                bindir / "postgres",
                "--single",
                "-D",
                str(data),
                "postgres",
                stdin=f'CREATE DATABASE "{database}" OWNER "{user}";\n'.encode(),
            )

    async def _make_certificate(self, context: LaunchContext, data: Path) -> None:
        """A self-signed server certificate; TLS-only host access, like RDS's rds.force_ssl."""
        await self._run(
            context,
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

    async def _run(self, context: LaunchContext, *argv: Any, stdin: bytes | None = None) -> None:
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
            context.emit(line)
        if process.returncode != 0:
            raise HarnessError(f"{Path(str(argv[0])).name} failed with {process.returncode}")

    def health_env(self, context: LaunchContext) -> dict[str, str]:
        return {
            "PATH": f"{postgres_bindir()}:{BASE_PATH}",
            "PGHOST": LOOPBACK,
            "PGPORT": str(self.port(context)),
        }
