"""`run-load`'s parts that need no LocalStack: the deploy context, the task definition read
from the load stack, and that task run on the process runtime with the load image's runner:
a real Locust master and two workers against the real service, aimed at it through the URL
remapping as the stand-in aims them at its load balancer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standin.aws.awslogs import CloudWatchLogs
from standin.aws.cdk import Context
from standin.aws.stack import Stack
from standin.ecs.one_off_task import run_task
from standin.ecs.spec import TaskDefinitionSpec
from standin.errors import HarnessError
from standin.load_generators import (
    LOAD_IMAGE,
    LoadRun,
    load_stack_name,
    process_runtime,
    the_task_definition,
)

from testbed.live_server import LiveServer, live_server
from tests.standin.fakes import container_spec

SERVICE_CONTEXT = Context((("image", "todo-async:local"), ("database", "rds")))
DEPLOYED_URL = "http://TodoAs-LoadB-1.elb.localhost.localstack.cloud"


def test_the_load_context_goes_on_top_of_the_services() -> None:
    run = LoadRun(profile="step", workers=3, arguments="-u 20 --step-users 5")
    assert run.context(SERVICE_CONTEXT).pairs == (
        ("image", "todo-async:local"),
        ("database", "rds"),
        ("loadGenerators", "true"),
        ("loadProfile", "step"),
        ("loadWorkers", "3"),
        ("loadArgs", "-u 20 --step-users 5"),
        ("loadImage", LOAD_IMAGE),
    )


def test_the_load_stack_is_named_after_the_service_stack() -> None:
    assert load_stack_name(SERVICE_CONTEXT) == "TodoAsyncLoad"
    assert load_stack_name(Context((("stackName", "Staging"),))) == "StagingLoad"


def stack(resources: dict[str, Any]) -> Stack:
    return Stack(
        name="TodoAsyncLoad",
        id="arn:aws:cloudformation:us-east-1:000000000000:stack/TodoAsyncLoad/1",
        status="CREATE_COMPLETE",
        template={"Resources": resources},
        physical_ids={},
        parameters={},
        outputs={},
        region="us-east-1",
        account="000000000000",
    )


def task_definition(family: str) -> dict[str, Any]:
    containers = [{"Name": "master", "Image": LOAD_IMAGE, "Command": ["--master"]}]
    return {
        "Type": "AWS::ECS::TaskDefinition",
        "Properties": {"Family": family, "ContainerDefinitions": containers},
    }


def test_the_stack_has_one_task_definition_to_run() -> None:
    definition = the_task_definition(stack({"TaskDefinition": task_definition("load")}))
    assert (definition.family, [c.name for c in definition.containers]) == ("load", ["master"])
    for resources in ({}, {"A": task_definition("a"), "B": task_definition("b")}):
        with pytest.raises(HarnessError, match="task definitions; expected one"):
            the_task_definition(stack(resources))


def load_task(workers: int, arguments: list[str]) -> TaskDefinitionSpec:
    """The load stack's task definition (infra/load/generators.py), without the copy to S3."""
    master = container_spec(
        "master",
        image=LOAD_IMAGE,
        ports=[5557],
        mounts={"/results": "results", "/tmp": "tmp"},
        command=[
            *("--profile", "smoke", "--host", DEPLOYED_URL),
            *("--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", "5557"),
            *("--expect-workers", str(workers), *arguments),
        ],
        stop_timeout=120,
    )
    worker = [
        container_spec(
            f"worker{n}",
            image=LOAD_IMAGE,
            essential=False,
            ports=[],
            mounts={"/tmp": "tmp"},
            command=["--worker", "--master-host", "127.0.0.1", "--master-port", "5557"],
            depends_on=[("master", "START")],
            stop_timeout=120,
        )
        for n in range(1, workers + 1)
    ]
    return TaskDefinitionSpec("load", [master, *worker], frozenset(), task_role=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("load-server")
    with live_server(f"sqlite:///{directory}/todo.db", directory) as running:
        yield running


async def test_the_load_task_runs_a_distributed_smoke_against_the_mapped_url(
    server: LiveServer, tmp_path: Path
) -> None:
    runtime = process_runtime(LOAD_IMAGE, tmp_path, CloudWatchLogs(client=None))
    definition = load_task(2, ["-u", "4", "-t", "4", "--max-p95", "5000", "--max-p99", "10000"])

    outcome = await run_task(runtime, definition, limit=120, urls={DEPLOYED_URL: server.url})

    master_log = (tmp_path / "logs" / f"{outcome.task_id[:12]}-master.log").read_text()
    assert outcome.exit_code == 0, master_log
    assert outcome.stopped_reason.startswith("Essential container in task exited (container master")
    assert f"smoke profile against {server.url}" in master_log
    assert "2 worker(s) (expected 2)" in master_log
    assert "\nPASSED\n" in master_log, master_log[-2000:]
    for worker in ("worker1", "worker2"):
        log = (tmp_path / "logs" / f"{outcome.task_id[:12]}-{worker}.log").read_text()
        assert "worker(s) for the master named by --master-host" in log
    # Every process is gone, and so is the task's own storage (the results volume too).
    assert runtime.processes.survivors() == []
    assert not (tmp_path / "tasks" / outcome.task_id).exists()
