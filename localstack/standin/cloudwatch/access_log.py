"""HAProxy's request log (`option httplog`), read as the load balancer's per-request record.

Why the log and not only the statistics socket: `show stat` keeps counters and an average
response time over the last 1024 requests, but an alarm on p99 `TargetResponseTime` needs
each request's time. Each log line holds it (`Tr`: from the request sent to the target until
its response headers came back, what ALB calls the target response time), with the status
and whether a target answered at all.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

# client:port [accept date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes ...
_LINE = re.compile(
    r"^\S+ \[[^\]]+\] \S+ (?P<backend>[^/\s]+)/(?P<server>\S+) "
    r"-?\d+/-?\d+/-?\d+/(?P<response>-?\d+)/\+?-?\d+ (?P<status>-?\d+) "
)


@dataclass(frozen=True)
class Request:
    group: str  # the target group (HAProxy backend) the request was forwarded to
    status: int  # -1: no response at all (the client went away)
    target: str | None  # the target that answered; None: the load balancer answered itself
    response_time: float | None  # seconds, when a target answered

    @property
    def target_5xx(self) -> bool:
        return self.target is not None and 500 <= self.status <= 599

    @property
    def elb_5xx(self) -> bool:
        return self.target is None and 500 <= self.status <= 599


def parse(line: str, groups: Collection[str]) -> Request | None:
    """One request forwarded to one of the target groups `groups` (HAProxy backends), or None
    for any other line (health checks, start-up, a listener's own fixed response)."""
    match = _LINE.match(line)
    if match is None or match["backend"] not in groups:
        return None
    response = int(match["response"])
    answered = match["server"] != "<NOSRV>" and response >= 0
    return Request(
        group=match["backend"],
        status=int(match["status"]),
        target=match["server"] if answered else None,
        response_time=response / 1000 if answered else None,
    )


class LogTail:
    """The lines appended to a log file since the last read; starts at its current end, so
    an earlier run's lines are not counted again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0
        self._partial = b""

    def read(self) -> list[str]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as handle:
            if handle.seek(0, 2) < self.offset:  # the file was truncated or replaced
                self.offset, self._partial = 0, b""
            handle.seek(self.offset)
            data = self._partial + handle.read()
            self.offset = handle.tell()
        *lines, self._partial = data.split(b"\n")
        return [line.decode(errors="replace") for line in lines]
