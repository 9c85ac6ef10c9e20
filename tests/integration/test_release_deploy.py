"""The new release deployed over the previous one through the load balancer, under Locust
load and a writer: the previous release's image is built from its commit in this clone's
history, deployed first, then this checkout's image over it. Nothing fails, no acknowledged
write is lost, and while old and new tasks run side by side a todo written with a due date
by a new task is read and changed by an old task and keeps its due date.
Docker runtime in rds mode only: the process runtime runs the checkout alone."""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from standin.paths import STANDIN_INFO

from tests.integration.conftest import Standin, stored_in_category
from tests.integration.locust_run import LocustRun
from tests.integration.traffic import Traffic
from tests.integration.viewers import Viewers
from tests.previous_release import PREVIOUS_RELEASE, extract

# Named by its commit: a build is skipped when the engine already has it.
PREVIOUS_IMAGE = f"todo-async:release-{PREVIOUS_RELEASE[:12]}"
DUE = "2031-03-14"


@pytest.fixture(scope="module")
def docker_rds(outputs: dict[str, Any], standin: Standin) -> dict[str, Any]:
    if outputs["Runtime"] != "docker":
        pytest.skip(
            "the process runtime runs the checkout only: make local-up LOCAL_RUNTIME=docker"
        )
    status = standin.wait_until(lambda s: s["steady"], 300, "steady")
    if status["desired_count"] < 2:
        pytest.skip("one task (sidecar mode): no old and new task side by side")
    return outputs


@pytest.fixture(scope="module")
def previous_image(docker_rds: dict[str, Any]) -> str:
    """The previous release's image, built from its commit's tree as local-up builds the
    checkout's: on the same local base, with the same Dockerfile rules of that commit."""
    from standin.runtime.docker.engine import ensure_engine

    from imagebuild.base import default_base, resolve_base
    from imagebuild.build import build_image

    engine = ensure_engine()
    if engine.has_image(PREVIOUS_IMAGE):
        print(f"{PREVIOUS_IMAGE}: on the engine already")
        return PREVIOUS_IMAGE
    with tempfile.TemporaryDirectory(prefix="previous-release-") as tree:
        built = build_image(
            engine, resolve_base(engine, default_base()), PREVIOUS_IMAGE, extract(Path(tree))
        )
    print(f"{PREVIOUS_IMAGE}: built in {built.seconds:.0f} s")
    return PREVIOUS_IMAGE


# Locust's users: few, and thinking, so that Locust's one address (its relay's) stays well
# under the front door's WAF rate rule (2,000 requests per 5 minutes per address) for the
# whole run: about 3 requests a second.
LOCUST_USERS = 4
THINK_TIME = "1-3"


@pytest.fixture
def locust(service_url: str, outputs: dict[str, Any], tmp_path: Path) -> Iterator[LocustRun]:
    with LocustRun(
        service_url,
        str(outputs["FrontDoorCa"]),
        tmp_path / "locust",
        users=LOCUST_USERS,
        think_time=THINK_TIME,
    ) as run:
        yield run


def waf_rate_limit(template: dict[str, Any]) -> float:
    """The lowest per-address rate the front door's WAF allows for every request (rules
    without a scope-down statement), in requests per second."""
    rates = [
        statement["Limit"] / statement.get("EvaluationWindowSec", 300)
        for r in template["Resources"].values()
        if r["Type"] == "AWS::WAFv2::WebACL"
        for rule in r["Properties"].get("Rules", [])
        if (statement := rule["Statement"].get("RateBasedStatement"))
        and "ScopeDownStatement" not in statement
    ]
    return min(rates, default=float("inf"))


def task_client(task: dict[str, Any], app_port: int, headers: dict[str, str]) -> httpx.Client:
    """One task reached where the load balancer reaches it: its address, and the app's port
    as the task maps it (a container on an address of its own keeps the port itself)."""
    port = task["ports"].get(str(app_port), app_port)
    return httpx.Client(base_url=f"http://{task['address']}:{port}", headers=headers, timeout=10)


def mixed(deployment: int, deploying: Future[None]) -> Any:
    """A task of a deployment after `deployment` healthy in its target group while a task of
    an earlier one still runs (draining, baking or not yet stopped): both a rolling and a
    blue/green deployment pass through this. A deploy that ended first fails the test."""

    def check(status: dict[str, Any]) -> bool:
        running = [t for t in status["tasks"] if t["status"] == "RUNNING"]
        if any(
            t["generation"] > deployment and t["target_state"] == "healthy" for t in running
        ) and any(t["generation"] <= deployment for t in running):
            return True
        if deploying.done():
            deploying.result()  # the deploy's own error, if it failed
            pytest.fail("the deploy ended before old and new tasks were seen side by side")
        return False

    return check


def new_written_old_read(
    status: dict[str, Any], deployment: int, app_port: int, headers: dict[str, str]
) -> str:
    """A todo with a due date written by a new task; an old task reads it intact and renames
    it; the new task still sees its due date. Each task reached directly, not through the
    load balancer, which may route to either. What was checked, in a line."""
    running = [t for t in status["tasks"] if t["status"] == "RUNNING"]
    new = next(
        t for t in running if t["generation"] > deployment and t["target_state"] == "healthy"
    )
    # An old task still healthy in its target group if there is one (not yet draining).
    old = min(
        (t for t in running if t["generation"] <= deployment),
        key=lambda t: t["target_state"] != "healthy",
    )
    new_task = task_client(new, app_port, headers)
    old_task = task_client(old, app_port, headers)
    with new_task, old_task:
        created = new_task.post("/api/todos", json={"title": "file taxes", "due": DUE})
        assert created.status_code == 201, created.text
        todo = created.json()
        assert todo["due"] == DUE
        read = old_task.get(f"/api/todos/{todo['id']}")
        assert read.status_code == 200, read.text
        seen = read.json()
        assert "due" not in seen, "the old task is the previous release"
        assert {k: seen[k] for k in ("id", "title", "completed", "category", "order")} == {
            k: todo[k] for k in ("id", "title", "completed", "category", "order")
        }
        renamed = old_task.patch(
            f"/api/todos/{todo['id']}",
            json={"title": "file taxes today"},
            headers={"If-Match": read.headers["ETag"]},
        )
        assert renamed.status_code == 200, renamed.text
        after = new_task.get(f"/api/todos/{todo['id']}").json()
    assert (after["title"], after["due"]) == ("file taxes today", DUE), after
    return (
        f"todo {todo['id']} written with due {DUE} by new task {new['id'][:12]} "
        f"(deployment {new['generation']}), read without due and renamed by old task "
        f"{old['id'][:12]} (deployment {old['generation']}, target {old['target_state']}), "
        f"read back by the new task renamed with due {after['due']}"
    )


def test_the_new_release_deploys_over_the_previous_one_under_load(
    standin: Standin,
    docker_rds: dict[str, Any],
    previous_image: str,
    viewers: Viewers,
    template: dict[str, Any],
    credentials: dict[str, str],
    api: httpx.Client,
    locust: LocustRun,
) -> None:
    headers = credentials
    # Both target groups (blue/green's pair) name the app's container port.
    [app_port] = {
        r["Properties"]["Port"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup"
    }
    new_image = json.loads(STANDIN_INFO.read_text())["app_image"]  # what local-up built
    started = time.monotonic()
    standin.deploy(previous_image)
    previous_took = time.monotonic() - started
    created = api.post("/api/todos", json={"title": "before the deploy"})
    assert created.status_code == 201, created.text
    assert "due" not in created.json(), "the previous release serves"
    deployment = standin.status()["deployment"]
    label = f"release-{uuid.uuid4().hex[:8]}"

    # The writer sends from addresses of its own (a new one every 500 requests), paced so
    # that it stays within one user's todo quota (TODOS_PER_USER, 10,000): at most 10 a second
    # for at most 900 s.
    with Traffic(viewers, headers=headers, write=True, label=label, limit=900, pause=0.1) as writer:
        time.sleep(5)
        started = time.monotonic()
        with ThreadPoolExecutor(1) as pool:
            deploying = pool.submit(standin.deploy, new_image)
            status = standin.wait_until(
                mixed(deployment, deploying), 900, "old and new tasks side by side"
            )
            crossed = new_written_old_read(status, deployment, int(app_port), headers)
            deploying.result()
        took = time.monotonic() - started
        time.sleep(2)
    load = locust.stop()

    stored = stored_in_category(api, label)
    lost = {i: t for i, t in writer.written.items() if stored.get(i) != t}
    locust_rate = load["requests"] / load["seconds"]
    print(
        f"{new_image} deployed over {previous_image} in {took:.1f} s (the command to a steady "
        f"service); the previous release over the checkout's in {previous_took:.1f} s."
        f"\nLocust (both deploys, {LOCUST_USERS} users, think {THINK_TIME} s, "
        f"{load['seconds']:.0f} s): {load['requests']} requests, {load['failures']} failed, "
        f"{locust_rate:.1f}/s from {locust.relay.address} (the WAF allows "
        f"{waf_rate_limit(template):.1f}/s); ended {load['stop_seconds']:.1f} s after SIGTERM."
        f"\nWriter (the second deploy): {writer.summary()}; "
        f"{len(writer.written)} writes acknowledged, {len(stored)} stored, {len(lost)} lost."
        f"\nAcross releases: {crossed}."
    )
    final = standin.wait_until(lambda s: s["steady"], 60, "steady")
    assert final["deployment"] > deployment
    assert load["requests"] > 100
    assert load["failures"] == 0
    assert len(writer.written) > 50
    assert not lost
    assert not writer.failures()
