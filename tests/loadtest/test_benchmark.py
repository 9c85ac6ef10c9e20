"""The wrk benchmark runs end to end and reports numbers (not a timed assertion)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

REPORTED = {"requests", "rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "non_2xx", "socket_errors"}


def test_benchmark_reports_each_endpoint_as_json() -> None:
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: scripts/system-deps.sh test installs it")
    command = [sys.executable, "-m", "loadtest.benchmark", "--databases", "sqlite"]
    command += ["--duration", "1", "--connections", "4", "--threads", "1"]
    output = subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    lines = [json.loads(line) for line in output.stdout.splitlines()]
    assert [(line["database"], line["endpoint"]) for line in lines] == [
        ("sqlite", "list"),
        ("sqlite", "create"),
    ]
    for line in lines:
        assert line.keys() >= REPORTED
        assert line["requests"] > 0
        assert line["non_2xx"] == 0
        assert line["socket_errors"] == 0
