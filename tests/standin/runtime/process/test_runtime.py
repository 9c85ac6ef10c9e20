"""The process runtime: loopback ports per task, volumes as directories."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from standin.aws.awslogs import CloudWatchLogs
from standin.aws.environment import task_role_environment
from standin.ecs.spec import TaskDefinitionSpec
from standin.runtime.process.runners import RunnerTable
from standin.runtime.process.runtime import ProcessRuntime

from hostkit.processes import ProcessRegistry
from tests.standin.fakes import IMAGE, CommandRunner, container_spec


def runtime(tmp_path: Path) -> ProcessRuntime:
    runner = CommandRunner(["sleep", "60"])
    return ProcessRuntime(
        tmp_path,
        RunnerTable([("the test image", lambda image: image == IMAGE, runner)]),
        logs=CloudWatchLogs(client=None),
        processes=ProcessRegistry(tmp_path / "processes"),
    )


DEFINITION = TaskDefinitionSpec(
    "todo",
    [container_spec(ports=[5000], mounts={"/tmp": "tmp", "/data": "efs"})],
    frozenset({"efs"}),
)


def test_each_task_gets_loopback_ports_of_its_own(tmp_path: Path) -> None:
    processes = runtime(tmp_path)
    (address_a, remap_a), (address_b, remap_b) = (
        processes.place(task, DEFINITION, {}, ()) for task in ("a", "b")
    )
    assert address_a == address_b == processes.host_address == "127.0.0.1"
    assert remap_a.local_port(5000) != remap_b.local_port(5000)


async def test_an_efs_volume_outlives_the_task_and_the_rest_goes_with_it(tmp_path: Path) -> None:
    processes = runtime(tmp_path)
    address, remap = processes.place("a", DEFINITION, {}, ())
    container = processes.container("a", address, remap, DEFINITION, DEFINITION.containers[0])
    assert container.placement.volumes == {
        "/tmp": tmp_path / "tasks" / "a" / "volumes" / "tmp",
        "/data": tmp_path / "volumes" / "efs",
    }
    (tmp_path / "tasks" / "a" / "volumes" / "tmp").mkdir(parents=True)
    await processes.release("a", address)
    assert not (tmp_path / "tasks" / "a").exists()


def test_a_task_role_gives_its_containers_localstack_credentials(tmp_path: Path) -> None:
    processes = runtime(tmp_path)
    with_role = dataclasses.replace(DEFINITION, task_role=True)
    for definition, expected in ((DEFINITION, {}), (with_role, task_role_environment())):
        address, remap = processes.place("a", definition, {}, ())
        container = processes.container("a", address, remap, definition, definition.containers[0])
        assert container.placement.credentials == expected
        environment = container.environment()
        assert {k: v for k, v in environment.items() if k.startswith("AWS_")} == expected
    assert set(task_role_environment()) == {
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    }
    assert task_role_environment({"LOCALSTACK_PORT": "4599"})["AWS_ENDPOINT_URL"] == (
        "http://127.0.0.1:4599"
    )
