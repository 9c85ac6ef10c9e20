"""HAProxy's request log lines as the load balancer's per-request record: who answered,
with what status, after how long; other lines and other backends ignored; a file read
from where the last read ended."""

from __future__ import annotations

from pathlib import Path

from standin.cloudwatch.access_log import LogTail, Request, parse

GROUPS = ("targets", "alternate")  # the target groups' HAProxy backends

ANSWERED = (
    "127.0.0.1:41234 [06/Dec/2026:14:45:00.123] listener_80 targets/task-0a1b2c3d 0/0/1/42/43 "
    '200 312 - - ---- 3/3/0/0/0 0/0 "GET /api/todos HTTP/1.1"'
)
TARGET_ERROR = ANSWERED.replace(" 0/0/1/42/43 200 ", " 0/0/0/7/7 500 ")
NO_TARGET = (
    "127.0.0.1:41236 [06/Dec/2026:14:45:01.000] listener_443~ targets/<NOSRV> 0/-1/-1/-1/0 "
    '503 217 - - SC-- 1/1/0/0/0 0/0 "GET /api/todos HTTP/1.1"'
)


def test_a_target_answered() -> None:
    assert parse(ANSWERED, GROUPS) == Request("targets", 200, "task-0a1b2c3d", 0.042)
    error = parse(TARGET_ERROR, GROUPS)
    assert error is not None
    assert error.target_5xx
    assert not error.elb_5xx


def test_the_load_balancer_answered_itself() -> None:
    request = parse(NO_TARGET, GROUPS)
    assert request == Request("targets", 503, None, None)
    assert request.elb_5xx
    assert not request.target_5xx


def test_other_lines_and_backends_are_not_requests() -> None:
    assert parse("Health check for server targets/task-1 succeeded", GROUPS) is None
    assert parse(ANSWERED.replace("targets/", "stats/"), GROUPS) is None


def test_each_request_names_its_target_group() -> None:
    alternate = parse(ANSWERED.replace("targets/", "alternate/"), GROUPS)
    assert alternate is not None
    assert alternate.group == "alternate"


def test_tail_reads_complete_new_lines_only(tmp_path: Path) -> None:
    log = tmp_path / "haproxy.log"
    log.write_text("from an earlier run\n")
    tail = LogTail(log)
    assert tail.read() == []
    with log.open("a") as handle:
        handle.write("one\ntw")
    assert tail.read() == ["one"]
    with log.open("a") as handle:
        handle.write("o\n")
    assert tail.read() == ["two"]
    log.write_text("new file\n")  # replaced: read from its start
    assert tail.read() == ["new file"]
