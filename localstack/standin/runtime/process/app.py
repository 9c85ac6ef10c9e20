"""The project's own image as a process: its command from the checkout's virtualenv."""

from __future__ import annotations

import signal
from pathlib import Path

from ...errors import HarnessError
from .runners import BASE_PATH, Launch, LaunchContext

# What the project's Dockerfile sets with ENV, besides PATH and PORT.
IMAGE_ENV = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "AUTH_MODE": "accounts"}


class AppRunner:
    """The project's image: its entry point and command from the checkout's virtualenv."""

    stop_signal = signal.SIGTERM

    def __init__(self, app_bin: Path) -> None:
        self.app_bin = app_bin

    async def prepare(self, context: LaunchContext, env: dict[str, str]) -> Launch:
        spec = context.spec
        argv = context.remap.apply_argv(spec.entry_point + spec.command)
        if not argv:
            raise HarnessError(f"container {spec.name} has neither entryPoint nor command")
        # The image's own ENV (Dockerfile), then the task definition's.
        env = {**IMAGE_ENV, **env}
        env["PATH"] = f"{self.app_bin}:{env['PATH']}"
        return Launch(argv, env, context.root)

    def health_env(self, context: LaunchContext) -> dict[str, str]:
        return {"PATH": f"{self.app_bin}:{BASE_PATH}"}
