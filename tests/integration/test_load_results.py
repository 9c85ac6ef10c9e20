"""A load run through the local load balancer copies its results folder to S3 (LocalStack's),
as the load generators' task does on AWS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from standin.paths import REPO


@pytest.fixture
def bucket(aws: Callable[[str], Any]) -> Iterator[str]:
    s3 = aws("s3")
    name = f"todo-load-results-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    for entry in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=entry["Key"])
    s3.delete_bucket(Bucket=name)


def test_a_run_through_the_front_door_lands_in_s3(
    aws: Callable[[str], Any],
    outputs: dict[str, Any],
    service_url: str,
    bucket: str,
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": outputs["LocalStackEndpoint"],
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": outputs["Region"],
        # Locust checks the front door's certificate against the local CA alone.
        "SSL_CERT_FILE": outputs["FrontDoorCa"],
    }
    command = [sys.executable, "-m", "loadtest", "--profile", "smoke", "--host", service_url]
    command += ["--results", str(tmp_path), "-u", "2", "-t", "4"]
    command += ["--results-s3", f"s3://{bucket}/runs"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stdout + done.stderr
    [run_dir] = list(tmp_path.iterdir())
    s3 = aws("s3")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"runs/{run_dir.name}/")["Contents"]
    keys = {entry["Key"].rsplit("/", 1)[1] for entry in listed}
    assert {"summary.json", "summary.txt", "report.html", "plot.png", "timeline.csv"} <= keys
    assert keys == {path.name for path in run_dir.iterdir()}
    stored = s3.get_object(Bucket=bucket, Key=f"runs/{run_dir.name}/summary.json")
    assert stored["ContentType"] == "application/json"
    assert json.loads(stored["Body"].read()) == json.loads((run_dir / "summary.json").read_text())
    assert f"results copied to s3://{bucket}/runs/{run_dir.name}/" in done.stdout
