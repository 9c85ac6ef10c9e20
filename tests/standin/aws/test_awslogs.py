"""The awslogs driver's behaviour: one stream per container and task, each non-empty line an
event, sent in batches within PutLogEvents' limits, everything mirrored to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from standin.aws import awslogs
from standin.aws.awslogs import CloudWatchLogs
from standin.ecs.spec import LogConfig

from tests.standin.fakes import container_spec


class AlreadyExistsError(Exception):
    pass


class Logs:
    """Records what a CloudWatch Logs client is asked; the group exists already."""

    class exceptions:
        ResourceAlreadyExistsException = AlreadyExistsError

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.streams: list[tuple[str, str]] = []
        self.batches: list[list[dict[str, Any]]] = []

    def create_log_group(self, logGroupName: str) -> None:
        raise AlreadyExistsError(logGroupName)

    def create_log_stream(self, logGroupName: str, logStreamName: str) -> None:
        self.streams.append((logGroupName, logStreamName))

    def put_log_events(self, **request: Any) -> None:
        if self.fail:
            raise RuntimeError("throttled")
        self.batches.append(request["logEvents"])


CONFIG = LogConfig(group="/todo/app", stream_prefix="todo", create_group=True)


async def test_stream_name_events_and_mirror(tmp_path: Path) -> None:
    client = Logs()
    spec = container_spec(log=CONFIG)
    stream = await CloudWatchLogs(client).open_stream(spec, "abc123", tmp_path / "app.log")
    for line in ("first", "", "second"):
        stream.write(line)
    await stream.close()
    assert stream.name == "todo/app/abc123"
    assert client.streams == [("/todo/app", "todo/app/abc123")]
    assert [[e["message"] for e in batch] for batch in client.batches] == [["first", "second"]]
    assert all(isinstance(e["timestamp"], int) for e in client.batches[0])
    assert (tmp_path / "app.log").read_text() == "first\n\nsecond\n"


async def test_batches_keep_within_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(awslogs, "_MAX_BYTES", 100)
    client = Logs()
    stream = await CloudWatchLogs(client).open_stream(
        container_spec(log=CONFIG), "t", tmp_path / "app.log"
    )
    for number in range(5):
        stream.write(f"line {number:02d} " + "x" * 30)  # 38 bytes + 26 of overhead each
    await stream.close()
    assert [len(batch) for batch in client.batches] == [1, 1, 1, 1, 1]


async def test_without_awslogs_only_the_mirror(tmp_path: Path) -> None:
    stream = await CloudWatchLogs(client=None).open_stream(
        container_spec(), "t", tmp_path / "app.log"
    )
    stream.write("kept here")
    await stream.close()
    assert stream.name == "app/t"
    assert (tmp_path / "app.log").read_text() == "kept here\n"


async def test_a_failed_send_drops_the_batch_and_goes_on(tmp_path: Path) -> None:
    client = Logs(fail=True)
    stream = await CloudWatchLogs(client).open_stream(
        container_spec(log=CONFIG), "t", tmp_path / "app.log"
    )
    stream.write("lost")
    await stream.close()  # returns: the driver in non-blocking mode drops, never blocks
    assert client.batches == []
    assert (tmp_path / "app.log").read_text() == "lost\n"
