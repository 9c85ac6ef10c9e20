"""Blue/green deployments against a fake balancer and real short commands: green tasks in
the idle target group behind the test listener, production moved only once all are
healthy, blue stopped only after the bake; rolled back to blue when a deployment alarm goes
to ALARM or green tasks keep failing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

from standin.ecs.blue_green import circuit_breaker_threshold

from tests.standin.fakes import (
    SERVE,
    CommandRunner,
    FakeBalancer,
    blue_green_spec,
    make_service,
    running,
    service_spec,
    wait_for,
)

ALARM = "TodoAsync-TargetServerErrors"


class Alarms:
    """CloudWatch's alarm states as the deployment reads them."""

    def __init__(self) -> None:
        self.states: dict[str, tuple[str, float]] = {ALARM: ("OK", time.time())}

    def set(self, state: str) -> None:
        self.states[ALARM] = (state, time.time())

    async def read(self, names: Sequence[str]) -> dict[str, tuple[str, float]]:
        return {name: self.states[name] for name in names}


async def test_green_behind_the_test_listener_then_production_then_blue_stopped_after_bake(
    tmp_path: Path,
) -> None:
    balancer = FakeBalancer(healthy_after=0.2)
    spec = service_spec(desired=2, blue_green=blue_green_spec(bake_seconds=1), alarms=(ALARM,))
    service = make_service(tmp_path, spec, balancer, CommandRunner(SERVE), Alarms().read)
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        blue = set(service.live())
        assert {t.group for t in blue} == {"TargetGroup"}
        service.restart()
        await wait_for(lambda: service.production == "Alternate", 10, "production shifted")
        shifted = time.monotonic()
        green = set(service.live()) - blue
        assert {t.group for t in green} == {"Alternate"}
        assert all(t.alb_state == "healthy" for t in green)
        assert all(t.desired_status == "RUNNING" for t in blue), "blue runs through the bake"
        await wait_for(service.steady, 10, "the deployment steady")
        assert time.monotonic() - shifted >= 0.9
        assert set(service.live()) == green
        assert all(t.stopped_reason.endswith("the bake ended") for t in blue)
    routes = [target for event, target in balancer.history if event == "route"]
    assert routes == ["test Alternate", "production Alternate"]
    status = service.describe()
    assert (status.strategy, status.production_target_group) == ("BLUE_GREEN", "Alternate")
    assert status.rollbacks == []


async def test_the_next_deployment_goes_back_to_the_first_target_group(tmp_path: Path) -> None:
    balancer = FakeBalancer()
    spec = service_spec(desired=1, blue_green=blue_green_spec(bake_seconds=0))
    service = make_service(tmp_path, spec, balancer, CommandRunner(SERVE))
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        for expected in ("Alternate", "TargetGroup"):
            service.restart()
            await wait_for(lambda: service.steady() and service.generation > 1, 10, "deployed")
            await wait_for(service.steady, 10, expected)
            assert service.production == expected
            assert {t.group for t in service.live()} == {expected}


async def test_an_alarm_during_the_bake_rolls_back_to_blue(tmp_path: Path) -> None:
    balancer = FakeBalancer()
    alarms = Alarms()
    spec = service_spec(desired=2, blue_green=blue_green_spec(bake_seconds=60), alarms=(ALARM,))
    service = make_service(tmp_path, spec, balancer, CommandRunner(SERVE), alarms.read)
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        blue = set(service.live())
        service.restart()
        await wait_for(lambda: service.production == "Alternate", 10, "production shifted")
        green = set(service.live()) - blue
        alarms.set("ALARM")
        await wait_for(lambda: service.production == "TargetGroup", 10, "production back")
        await wait_for(service.steady, 10, "steady on blue")
        assert set(service.live()) == blue, "blue never stopped"
        assert service.generation == 1
        assert all(t.desired_status == "STOPPED" for t in green)
        assert all(f"alarm {ALARM} went to ALARM" in t.stopped_reason for t in green)
        assert service.describe().rollbacks == [f"deployment 2: alarm {ALARM} went to ALARM"]
        # The next deployment is a new one, numbered after the one rolled back.
        alarms.set("OK")
        service.restart()
        assert service.generation == 3
    routes = [target for event, target in balancer.history if event == "route"]
    assert routes[:4] == [
        "test Alternate",
        "production Alternate",
        "production TargetGroup",
        "test TargetGroup",
    ]


async def test_an_alarm_already_in_alarm_before_the_deployment_does_not_roll_it_back(
    tmp_path: Path,
) -> None:
    alarms = Alarms()
    alarms.set("ALARM")
    spec = service_spec(desired=1, blue_green=blue_green_spec(bake_seconds=1), alarms=(ALARM,))
    service = make_service(tmp_path, spec, FakeBalancer(), CommandRunner(SERVE), alarms.read)
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        await asyncio.sleep(0.01)  # the deployment starts after the alarm changed
        service.restart()
        await wait_for(lambda: service.steady() and service.generation == 2, 10, "deployed")
        assert service.production == "Alternate"
        assert service.rollbacks == []


async def test_green_tasks_that_keep_failing_trip_the_circuit_breaker(tmp_path: Path) -> None:
    balancer = FakeBalancer(healthy_after=0.5)
    spec = service_spec(desired=2, blue_green=blue_green_spec(bake_seconds=60))
    service = make_service(tmp_path, spec, balancer, CommandRunner(SERVE))
    async with running(service):
        await wait_for(service.steady, 10, "steady")
        blue = set(service.live())
        service.restart()

        def green_failing() -> bool:
            # Each green task fails its health checks before it could pass them.
            for task in set(service.live()) - blue:
                balancer.failing.add(task.target_name)
            return bool(service.rollbacks)

        await wait_for(green_failing, 30, "rolled back")
        [rollback] = service.rollbacks
        failed = int(rollback.removeprefix("deployment 2: circuit breaker: ").split()[0])
        assert failed >= circuit_breaker_threshold(2)
        assert rollback.endswith("tasks failed to start or get healthy")
        assert service.production == "TargetGroup"
        await wait_for(service.steady, 10, "steady on blue")
        assert set(service.live()) == blue


def test_circuit_breaker_threshold_is_half_the_tasks_within_3_and_200() -> None:
    assert [circuit_breaker_threshold(n) for n in (1, 2, 6, 7, 100, 1000)] == [
        3,
        3,
        3,
        4,
        50,
        200,
    ]
