"""Ship a container's output to CloudWatch Logs as the awslogs driver does: one stream per
container per task (`prefix/container/task-id`), each line an event, sent in batches. Every
line is also kept in a local file, for `tail -f`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..ecs.spec import ContainerSpec, LogConfig

log = logging.getLogger(__name__)

# PutLogEvents limits: 10,000 events or 1 MiB (26 bytes of overhead per event).
_MAX_EVENTS = 10_000
_MAX_BYTES = 1_048_576
_FLUSH_INTERVAL = 1.0


class LogStream:
    """Lines in; CloudWatch Logs events out when the container has an awslogs configuration."""

    def __init__(
        self, logs_client: Any, config: LogConfig | None, stream: str, mirror: Path
    ) -> None:
        self._client = logs_client
        self._config = config
        self.name = stream
        mirror.parent.mkdir(parents=True, exist_ok=True)
        self._mirror = mirror.open("a", encoding="utf-8", buffering=1)
        self._pending: deque[dict[str, Any]] = deque()
        self._wake = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        if self._config is not None:
            await asyncio.to_thread(self._create, self._config)
            self._task = asyncio.create_task(self._run(self._config), name=f"awslogs {self.name}")

    def _create(self, config: LogConfig) -> None:
        errors = self._client.exceptions
        if config.create_group:
            with contextlib.suppress(errors.ResourceAlreadyExistsException):
                self._client.create_log_group(logGroupName=config.group)
        with contextlib.suppress(errors.ResourceAlreadyExistsException):
            self._client.create_log_stream(logGroupName=config.group, logStreamName=self.name)

    def write(self, line: str) -> None:
        self._mirror.write(line + "\n")
        if self._task is not None and line:  # the driver drops empty lines too
            self._pending.append({"timestamp": int(time.time() * 1000), "message": line})
            if len(self._pending) >= _MAX_EVENTS:
                self._wake.set()

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._task is not None:
            await self._task
        self._mirror.close()

    async def _run(self, config: LogConfig) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), _FLUSH_INTERVAL)
            self._wake.clear()
            while self._pending:
                batch: list[dict[str, Any]] = []
                size = 0
                while self._pending and len(batch) < _MAX_EVENTS:
                    event_size = len(self._pending[0]["message"].encode()) + 26
                    if batch and size + event_size > _MAX_BYTES:
                        break
                    batch.append(self._pending.popleft())
                    size += event_size
                try:
                    await asyncio.to_thread(
                        self._client.put_log_events,
                        logGroupName=config.group,
                        logStreamName=self.name,
                        logEvents=batch,
                    )
                except Exception as error:  # like the driver in non-blocking mode: drop, go on
                    log.warning("awslogs %s: dropped %d events: %s", self.name, len(batch), error)
            if self._closed:
                return


class CloudWatchLogs:
    """Opens a container's log stream on one CloudWatch Logs client."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def open_stream(self, container: ContainerSpec, task_id: str, mirror: Path) -> LogStream:
        config = container.log
        name = (
            config.stream_name(container.name, task_id) if config else f"{container.name}/{task_id}"
        )
        stream = LogStream(self.client, config, name, mirror)
        await stream.open()
        return stream


async def pump_lines(output: asyncio.StreamReader, emit: Callable[[str], None]) -> None:
    """Each line a container writes, to `emit`, until its output ends."""
    while True:
        try:
            line = await output.readline()
        except ValueError:  # a line over the stream limit: ship what we have
            line = await output.read(65536)
        if not line:
            return
        emit(line.decode("utf-8", "replace").rstrip("\n"))
