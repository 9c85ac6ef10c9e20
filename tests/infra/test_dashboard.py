"""The dashboard (infra/dashboard.py): the golden signals, the task count, the deploys and
the alarms, per database mode."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import Synthesized


def widgets(synth: Synthesized) -> list[dict[str, Any]]:
    """The dashboard body's widgets, each token (a Ref or GetAtt) kept as its JSON text."""
    body = synth.resources["Dashboard"]["Properties"]["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    text = "".join(
        part if isinstance(part, str) else json.dumps(json.dumps(part))[1:-1] for part in parts
    )
    return list(json.loads(text)["widgets"])


def graphs(synth: Synthesized) -> dict[str, list[list[Any]]]:
    """Each graph's title and its metrics (namespace, name, then dimensions and options)."""
    return {
        w["properties"]["title"]: w["properties"]["metrics"]
        for w in widgets(synth)
        if w["type"] == "metric"
    }


def names(metrics: list[list[Any]]) -> list[tuple[str, str]]:
    return [(metric[0], metric[1]) for metric in metrics]


@pytest.mark.parametrize("mode", ["rds", "sidecar"])
def test_golden_signals_tasks_and_deploys(mode: str, request: pytest.FixtureRequest) -> None:
    found = graphs(request.getfixturevalue(mode))
    assert names(found["Traffic: requests"]) == [("AWS/ApplicationELB", "RequestCount")]
    assert names(found["Errors: 5xx"]) == [
        ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"),
        ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"),
    ]
    latency = found["Latency (seconds)"]
    assert names(latency) == [("AWS/ApplicationELB", "TargetResponseTime")] * 2
    assert [metric[-1]["stat"] for metric in latency] == ["p50", "p99"]
    assert names(found["Saturation: service CPU and memory (%)"]) == [
        ("AWS/ECS", "CPUUtilization"),
        ("AWS/ECS", "MemoryUtilization"),
    ]
    assert names(found["Tasks and deploys"]) == [
        ("ECS/ContainerInsights", "RunningTaskCount"),
        ("ECS/ContainerInsights", "DesiredTaskCount"),
        ("ECS/ContainerInsights", "DeploymentCount"),
    ]
    assert names(found["Security events"]) == [
        ("todo-async/TodoAsync", "SignInFailures"),
        ("todo-async/TodoAsync", "Lockouts"),
    ]


def test_database_saturation_per_mode(rds: Synthesized, sidecar: Synthesized) -> None:
    assert names(graphs(rds)["Saturation: database"]) == [
        ("AWS/RDS", "DatabaseConnections"),
        ("AWS/RDS", "CPUUtilization"),
    ]
    assert names(graphs(sidecar)["Saturation: database"]) == [("AWS/EFS", "PercentIOLimit")]


def test_alarm_widget_shows_every_alarm(rds: Synthesized) -> None:
    [status] = [w for w in widgets(rds) if w["type"] == "alarm"]
    shown = status["properties"]["alarms"]
    assert len(shown) == len(rds.of_type("AWS::CloudWatch::Alarm"))
    assert rds.outputs["DashboardName"] == {"Value": {"Ref": "Dashboard"}}
