"""Where the Docker runtime puts a task: one address per task on its network, the task's
other containers in the first one's network namespace, volumes by what they hold."""

from __future__ import annotations

import pytest
from standin.aws.awslogs import CloudWatchLogs
from standin.ecs.spec import TaskDefinitionSpec
from standin.errors import HarnessError
from standin.runtime.docker.runtime import (
    NETWORK,
    DockerRuntime,
    local_images,
    repository,
)

from tests.standin.fakes import container_spec

APP = "todo-async:local"
LOCAL_POSTGRES = "local/postgres:15-bookworm"


def runtime(subnet: str = "172.31.240.0/29") -> DockerRuntime:
    return DockerRuntime(
        local_images(APP, LOCAL_POSTGRES),
        data_scope="Stack-1234",
        logs=CloudWatchLogs(client=None),
        subnet=subnet,
    )


def definition() -> TaskDefinitionSpec:
    db = container_spec(
        "db", image="postgres:17", ports=[5432], mounts={"/var/lib/postgresql/data": "pgdata"}
    )
    app = container_spec("app", image=APP, depends_on=[("db", "HEALTHY")], mounts={"/tmp": "tmp"})
    return TaskDefinitionSpec("todo", [app, db], frozenset({"pgdata"}))


def test_images_named_by_the_task_definition_run_as_the_local_ones() -> None:
    local = local_images(APP, LOCAL_POSTGRES)
    assert local(APP) == APP
    assert local("todo-async:previous-8142bb01ea17") == "todo-async:previous-8142bb01ea17"
    assert local("public.ecr.aws/docker/library/postgres:17.9-bookworm") == LOCAL_POSTGRES
    with pytest.raises(HarnessError, match="no local image for redis:7"):
        local("redis:7")
    with pytest.raises(HarnessError, match="no local image for todo-async-load:local"):
        local("todo-async-load:local")


def test_an_image_repository_is_its_reference_without_the_tag() -> None:
    assert repository("todo-async:local") == "todo-async"
    assert repository("registry.local:5000/todo-async") == "registry.local:5000/todo-async"
    assert repository("registry.local:5000/todo-async:v2") == "registry.local:5000/todo-async"


def test_each_task_gets_its_own_address_and_a_released_one_comes_back_last() -> None:
    docker = runtime()
    assert docker.host_address == "172.31.240.1"
    addresses = [docker.place(f"t{n}", definition(), {}, ())[0] for n in range(5)]
    assert addresses == [f"172.31.240.{n}" for n in range(2, 7)]
    with pytest.raises(HarnessError, match="no free address"):
        docker.place("t5", definition(), {}, ())
    docker.addresses.give_back("172.31.240.3")
    assert docker.place("t6", definition(), {}, ())[0] == "172.31.240.3"


def test_the_remap_sends_endpoints_to_the_host_and_the_vpc_to_the_network() -> None:
    docker = runtime()
    _address, remap = docker.place(
        "t", definition(), {("db.example", 5432): 40000}, ("10.0.0.0/16",)
    )
    assert remap.apply("postgresql://u@db.example:5432/d") == "postgresql://u@172.31.240.1:40000/d"
    assert remap.apply("10.0.0.0/16") == "172.31.240.0/29"


def test_the_first_container_holds_the_address_and_the_others_join_it() -> None:
    docker = runtime()
    task = "0123456789abcdef"
    address, remap = docker.place(task, definition(), {}, ())
    db = docker.container(task, address, remap, definition(), definition().container("db"))
    app = docker.container(task, address, remap, definition(), definition().container("app"))
    assert db.placement.network == ["--network", NETWORK, "--ip", address]
    assert app.placement.network == ["--network", f"container:{db.placement.name}"]
    assert (db.placement.image, app.placement.image) == (LOCAL_POSTGRES, APP)


def test_an_efs_volume_outlives_the_task_and_any_other_is_the_tasks_own() -> None:
    docker = runtime()
    address, remap = docker.place("task-a", definition(), {}, ())
    db = docker.container("task-a", address, remap, definition(), definition().container("db"))
    app = docker.container("task-a", address, remap, definition(), definition().container("app"))
    (data,) = db.placement.mounts
    (scratch,) = app.placement.mounts
    assert (data.volume, data.labels) == (
        f"{NETWORK}-Stack-1234-pgdata",
        {"com.todo-async.standin": "data"},
    )
    assert scratch.volume == f"{NETWORK}-task-a-tmp"
    assert scratch.labels["com.todo-async.standin.task"] == "task-a"
