"""The load generators' image (loadtest/Dockerfile) as a process from the checkout."""

from __future__ import annotations

import signal
from pathlib import Path

from ...errors import HarnessError
from .runners import BASE_PATH, Launch, LaunchContext


class LoadRunner:
    """The load generators' image (loadtest/Dockerfile): its ENTRYPOINT, `python -m loadtest
    --results /results`, and ENV from the checkout's virtualenv, then the task definition's
    command. The image's paths are the container's (its volumes, else its own storage), and
    Locust's master port is the task's local port for it: here every task shares the
    loopback, and another run's master must not be the one a worker finds. With
    `trusted_ca`, Locust trusts that certificate authority alone (SSL_CERT_FILE): the local
    front door's, where the image would trust the public ones."""

    stop_signal = signal.SIGTERM
    RESULTS = "/results"
    MPLCONFIGDIR = "/tmp/matplotlib"
    PORT_OPTIONS = ("--master-bind-port", "--master-port")

    def __init__(self, app_bin: Path, source: Path, trusted_ca: Path | None = None) -> None:
        self.app_bin = app_bin
        self.source = source  # the checkout: where `python -m loadtest` finds its package
        self.trusted_ca = trusted_ca

    async def prepare(self, context: LaunchContext, env: dict[str, str]) -> Launch:
        spec = context.spec
        if spec.entry_point:
            raise HarnessError(f"container {spec.name}: the load image runs its own entry point")
        remap = context.remap
        command = list(spec.command)
        for index in range(1, len(command)):
            if command[index - 1] in self.PORT_OPTIONS and command[index].isdigit():
                command[index] = str(remap.local_port(int(command[index])))
        results = context.host_path(self.RESULTS)
        results.mkdir(parents=True, exist_ok=True)
        argv = [str(self.app_bin / "python"), "-m", "loadtest", "--results", str(results)]
        env = {
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": str(context.host_path(self.MPLCONFIGDIR)),
            **env,
            "PYTHONPATH": str(self.source),
        }
        if self.trusted_ca is not None:
            env["SSL_CERT_FILE"] = str(self.trusted_ca)
        env["PATH"] = f"{self.app_bin}:{env['PATH']}"
        return Launch(argv + remap.apply_argv(command), env, context.root)

    def health_env(self, context: LaunchContext) -> dict[str, str]:
        return {"PATH": f"{self.app_bin}:{BASE_PATH}"}
