"""What every fault test asks of the answers and the log."""

from __future__ import annotations

from collections.abc import Iterable

from testbed.keep_alive import Answer
from testbed.live_server import LiveServer

RETRY_AFTER = 1
# Settings the fault tests serve with: short bounds, so that faults show within seconds.
SERVER_ENV = {"RETRY_AFTER": str(RETRY_AFTER), "LOG_LEVEL": "info", "SHUTDOWN_TIMEOUT": "2"}


def check_failure_answers(
    answers: Iterable[Answer], statuses: set[int], retry_after: int = RETRY_AFTER
) -> list[Answer]:
    """Every answer that is not a success is one of `statuses`, as problem+json with
    Retry-After (`retry_after` seconds); those answers, which must be some."""
    failures = [answer for answer in answers if answer.status >= 300]
    unexpected = [
        (a.method, a.path, a.status, a.body) for a in failures if a.status not in statuses
    ]
    assert not unexpected, unexpected[:5]
    for answer in failures:
        assert answer.headers["content-type"] == "application/problem+json", answer
        assert answer.retry_after == retry_after, answer
        assert answer.body["status"] == answer.status
    assert failures, "the fault caused no failure answer at all"
    return failures


def incident_lines(server: LiveServer, kind: str) -> tuple[list[str], list[str]]:
    """The log's lines that open and that end an incident of `kind`."""
    messages = server.messages()
    opened = [line for line in messages if line.startswith(f"database {kind}: ")]
    ended = [line for line in messages if line.startswith(f"database {kind} over: ")]
    return opened, ended


def check_log(server: LiveServer, kind: str) -> None:
    """One line opened the incident, one ended it; no traceback, no error line."""
    opened, ended = incident_lines(server, kind)
    assert len(opened) == 1, opened
    assert len(ended) == 1, ended
    records = [record for record in server.records() if "message" in record]
    assert not [record for record in records if "exception" in record], "a traceback was logged"
    assert not [record for record in records if record["level"] == "error"]
    print(f"log: {opened[0]}\nlog: {ended[0]}")
