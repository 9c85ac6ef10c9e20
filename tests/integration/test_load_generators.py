"""The load generators' stack through cdklocal and the stand-in: `python -m standin run-load`
deploys it beside the service, runs its task (a Locust master and two workers, with the
task definition's commands) against the local front door (HTTPS, trusting its CA), and the
master's report lands in the stack's bucket in LocalStack's S3, where this test reads it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.integration.conftest import Standin

# A short smoke: 4 users for 10 s over two workers; loose latency limits, so only a real
# failure (an error, a lost worker, no request at all) fails it on a shared machine.
SMOKE = "-u 4 -t 10 --max-p95 5000 --max-p99 10000"


def test_a_distributed_smoke_from_the_load_stack_lands_in_s3(
    aws: Callable[[str], Any], outputs: dict[str, Any], service_url: str, standin: Standin
) -> None:
    printed = standin.run_load(
        "--profile", "smoke", "--workers", "2", f"--load-args={SMOKE}", "--limit", "300"
    )
    print(printed)

    load_stack = f"{outputs['StackName']}Load"
    described = aws("cloudformation").describe_stacks(StackName=load_stack)["Stacks"][0]
    stack_outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    [report] = re.findall(r"^report: (s3://\S+/)$", printed, re.MULTILINE)
    assert report.startswith(stack_outputs["ReportsLocation"] + "smoke-")
    bucket, _, folder = report.removeprefix("s3://").partition("/")

    s3 = aws("s3")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=folder)["Contents"]
    keys = {entry["Key"].removeprefix(folder) for entry in listed}
    assert {"summary.json", "summary.txt", "report.html", "plot.png", "timeline.csv"} <= keys
    summary = json.loads(s3.get_object(Bucket=bucket, Key=f"{folder}summary.json")["Body"].read())
    assert summary["passed"] is True, summary
    assert summary["profile"] == "smoke"
    assert summary["workers"] == "2 worker(s) (expected 2)"
    # The task definition aims at the service's LoadBalancerUrl; here the local front door.
    assert summary["host"] == service_url.rstrip("/")
    assert summary["host"] != outputs["LoadBalancerUrl"]

    # Each container logged to the stack's log group, as the awslogs driver names streams.
    streams = aws("logs").describe_log_streams(logGroupName=stack_outputs["LogGroupName"])
    names = {stream["logStreamName"].rsplit("/", 1)[0] for stream in streams["logStreams"]}
    assert {"load/master", "load/worker1", "load/worker2"} <= names
