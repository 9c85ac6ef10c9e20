"""--results-s3: where a run's folder is copied, and a copy that fails says so."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hostkit.ports import free_port
from loadtest.publish import S3Location
from testbed.live_server import LiveServer
from tests.loadtest.runs import ROOT, load_command, only_run_dir, summary


@pytest.mark.parametrize(
    ("text", "bucket", "prefix", "key"),
    [
        ("s3://reports", "reports", "", "run/summary.json"),
        ("s3://reports/", "reports", "", "run/summary.json"),
        ("s3://reports/load/step/", "reports", "load/step", "load/step/run/summary.json"),
    ],
)
def test_a_location_names_a_bucket_and_a_prefix(
    text: str, bucket: str, prefix: str, key: str
) -> None:
    location = S3Location.parse(text)
    assert (location.bucket, location.prefix) == (bucket, prefix)
    assert location.key("run", "summary.json") == key
    assert str(location) == f"s3://{bucket}/{prefix}".rstrip("/")


@pytest.mark.parametrize("text", ["reports", "s3://", "https://reports/x", "s3:/reports"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not s3://BUCKET"):
        S3Location.parse(text)


def test_a_bad_location_stops_the_run_before_it_starts(tmp_path: Path) -> None:
    command = load_command("smoke", "http://127.0.0.1:1", tmp_path, "--results-s3", "bucket")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert done.returncode == 2
    assert "--results-s3: invalid parse value: 'bucket'" in done.stderr
    assert not list(tmp_path.iterdir())


def test_a_copy_that_fails_keeps_the_results_and_exits_2(
    server: LiveServer, tmp_path: Path
) -> None:
    # An S3 endpoint that refuses connections: nothing is listening on the port.
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    command = load_command(
        "smoke", server.url, tmp_path, "-u", "2", "-t", "3", "--results-s3", "s3://reports/runs"
    )
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 2, done.stdout + done.stderr
    run_dir = only_run_dir(tmp_path)
    assert f"results not copied to s3://reports/runs/{run_dir.name}: " in done.stderr
    assert summary(tmp_path)["passed"] is True
