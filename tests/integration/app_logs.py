"""The app's log events as the stack's log group in LocalStack holds them (the stand-in's
awslogs driver ships them a moment after they are written)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.integration.conftest import Standin


def app_log_events(
    aws: Callable[[str], Any],
    outputs: dict[str, Any],
    standin: Standin,
    matching: Callable[[str], bool],
    *,
    at_least: int = 1,
    within: float = 30,
    settle: float = 2,
) -> list[dict[str, Any]]:
    """The app containers' events whose message `matching` accepts: polled until `at_least`
    arrived (or `within` seconds passed), then once more after `settle` seconds, so events
    beyond those expected are counted too."""
    logs = aws("logs")
    streams = sorted(
        c["log_stream"] for t in standin.live_tasks() for c in t["containers"] if c["name"] == "app"
    )
    assert streams
    assert all(s.startswith("app/app/") for s in streams)

    def found() -> list[dict[str, Any]]:
        events = []
        for page in logs.get_paginator("filter_log_events").paginate(
            logGroupName=outputs["LogGroupName"], logStreamNames=streams
        ):
            events += [e for e in page["events"] if matching(e["message"])]
        return events

    deadline = time.monotonic() + within
    events = found()
    while len(events) < at_least and time.monotonic() < deadline:
        time.sleep(1)
        events = found()
    time.sleep(settle)
    return found()
