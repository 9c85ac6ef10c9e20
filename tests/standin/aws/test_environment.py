"""Which LocalStack the AWS clients are pointed at: LOCALSTACK_PORT when set, else the port
this checkout's running LocalStack was started on, else LocalStack's default."""

from __future__ import annotations

from pathlib import Path

import pytest
from standin import paths
from standin.aws.environment import aws_environment, localstack_port


def test_the_port_given_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = tmp_path / "localstack.port"
    recorded.write_text("4567")
    monkeypatch.setattr(paths, "LOCALSTACK_PORT", recorded)
    assert localstack_port({"LOCALSTACK_PORT": "4599"}) == 4599


def test_the_running_one_is_found_without_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = tmp_path / "localstack.port"
    monkeypatch.setattr(paths, "LOCALSTACK_PORT", recorded)
    assert localstack_port({}) == 4566
    recorded.write_text("4567")
    assert localstack_port({}) == 4567
    assert aws_environment({})["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4567"
