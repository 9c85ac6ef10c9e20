"""Blue/green deployments (rds mode) through the local load balancer, as ECS runs them: a
good release's tasks come up in the idle target group, production moves to them in one
step, and the old tasks stop after the bake, with Locust and a writer failing nothing; a
bad release (healthy, but answering 500 under /api/todos: `faultServerErrorsPath`) is
rolled back by its deployment alarm, the old tasks serving before and after and never
stopped, and the stack deployed back as it was. Run with -rP for the times."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import Standin, stored_in_category
from tests.integration.locust_run import LocustRun
from tests.integration.traffic import Background, Traffic
from tests.integration.viewers import Viewers

SERVER_ERRORS_ALARM = "TargetServerErrors"
FAULT_PATH = "/api/todos"


@pytest.fixture
def blue_green(standin: Standin) -> dict[str, Any]:
    status = standin.wait_until(lambda s: s["steady"], 300, "steady")
    if status["strategy"] != "BLUE_GREEN":
        pytest.skip("sidecar mode deploys rolling: its one task owns the database")
    return status


class Prober(Background):
    """Asks the production listener which revision answers, ten times a second: `request`
    names it from the response ("blue", "green"), or says how it failed."""

    def __init__(self, url: str, request: Callable[[httpx.Client], str]) -> None:
        super().__init__()
        self.url = url
        self.request = request
        self.seen: list[tuple[float, str]] = []  # (time.monotonic(), revision or failure)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stopping.wait(0.1):
                try:
                    self.seen.append((time.monotonic(), self.request(client)))
                except httpx.HTTPError as error:
                    self.seen.append((time.monotonic(), f"failed: {error}"))

    def runs(self) -> list[str]:
        """What answered, each run of the same answer once: ["blue", "green", "blue"]."""
        return [answer for answer, _ in itertools.groupby(s for _, s in self.seen)]

    def first(self, answer: str) -> float:
        return next(t for t, seen in self.seen if seen == answer)

    def last(self, answer: str) -> float:
        return next(t for t, seen in reversed(self.seen) if seen == answer)


def live_ids(status: dict[str, Any]) -> set[str]:
    return {t["id"] for t in status["tasks"] if t["desired_status"] == "RUNNING"}


def test_a_good_release_moves_production_in_one_step_under_load_failing_nothing(
    blue_green: dict[str, Any],
    standin: Standin,
    outputs: dict[str, Any],
    service_url: str,
    viewers: Viewers,
    credentials: dict[str, str],
    api: httpx.Client,
    origin_verified: dict[str, str],
    tmp_path: Path,
) -> None:
    blue, blue_group = live_ids(blue_green), blue_green["production_target_group"]
    # The new revision allows one more CORS origin: which revision answered shows in the
    # Access-Control-Allow-Origin it gives that origin.
    origin = f"https://release-{uuid.uuid4().hex[:8]}.example"

    def revision(client: httpx.Client) -> str:
        answer = client.get("/health", headers={**origin_verified, "Origin": origin})
        if answer.status_code != 200:
            return f"failed: {answer.status_code}"
        return "green" if answer.headers.get("access-control-allow-origin") == origin else "blue"

    label = f"release-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    with (
        LocustRun(service_url, str(outputs["FrontDoorCa"]), tmp_path / "locust") as locust,
        # About 20 writes a second: the three minutes stay within the user's todo quota.
        Traffic(
            viewers, headers=credentials, write=True, label=label, limit=900, pause=0.05
        ) as writer,
        Prober(str(outputs["AlbUrl"]), revision) as production,
        ThreadPoolExecutor(1) as pool,
    ):
        deploying = pool.submit(standin.deploy, None, f"-c corsAllowOrigins={origin}")
        baking = standin.wait_until(
            lambda s: s["production_target_group"] != blue_group, 600, "production shifted"
        )
        shifted = time.monotonic() - started
        assert blue <= live_ids(baking), "blue runs through the bake"
        with httpx.Client(base_url=str(outputs["TestListenerUrl"]), timeout=10) as test_listener:
            assert revision(test_listener) == "green"
        deploying.result(timeout=900)
        took = time.monotonic() - started
        time.sleep(1)
        load = locust.stop()

    after = standin.status()
    stored = stored_in_category(api, label)
    lost = {i: t for i, t in writer.written.items() if stored.get(i) != t}
    events = "\n".join(after["events"])
    print(
        f"blue/green deploy: production shifted {shifted:.1f} s after the deploy began, "
        f"complete (bake ended, blue stopped) after {took:.1f} s; "
        f"Locust {load['requests']} requests, {load['failures']} failed; writer "
        f"{writer.summary()}, {len(writer.written)} writes acknowledged, {len(lost)} lost; "
        f"production answered {production.runs()}"
    )
    assert production.runs() == ["blue", "green"], "one step, never back"
    assert load["failures"] == 0
    assert load["requests"] > 0
    assert not writer.failures()
    assert not lost
    assert len(writer.written) > 50
    assert after["production_target_group"] != blue_group
    assert not blue & live_ids(after), "blue stopped after the bake"
    assert {t["target_group"] for t in standin.live_tasks(after)} == {
        after["production_target_group"]
    }
    assert events.index("which the test listener now reaches") < events.index("shifted")


@pytest.fixture
def alarms_ok(aws: Callable[[str], Any], outputs: dict[str, Any]) -> Iterator[list[str]]:
    """The deployment alarms, OK before the test and again after it (a later deployment
    is not rolled back by this test's errors)."""
    cloudwatch = aws("cloudwatch")
    prefix = f"{outputs['StackName']}-"

    def states() -> dict[str, str]:
        found = cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
        return {a["AlarmName"]: a["StateValue"] for a in found}

    def wait_ok(names: list[str]) -> None:
        deadline = time.monotonic() + 180
        while any(states().get(name) == "ALARM" for name in names):
            assert time.monotonic() < deadline, f"alarms still in ALARM: {states()}"
            time.sleep(2)

    names = [name for name in states() if name.endswith(SERVER_ERRORS_ALARM)]
    wait_ok(names)
    yield names
    wait_ok(names)


def test_a_bad_release_is_rolled_back_by_its_alarm_with_blue_serving_throughout(
    blue_green: dict[str, Any],
    standin: Standin,
    outputs: dict[str, Any],
    aws: Callable[[str], Any],
    credentials: dict[str, str],
    origin_verified: dict[str, str],
    alarms_ok: list[str],
) -> None:
    blue, blue_group = live_ids(blue_green), blue_green["production_target_group"]

    def revision(client: httpx.Client) -> str:
        answer = client.get(
            FAULT_PATH, params={"limit": 1}, headers={**origin_verified, **credentials}
        )
        return {200: "blue", 500: "green"}.get(answer.status_code, f"failed: {answer.status_code}")

    started = time.monotonic()
    with Prober(str(outputs["AlbUrl"]), revision) as production:
        output = standin.deploy_rolled_back(f"-c faultServerErrorsPath={FAULT_PATH}")
        took = time.monotonic() - started
        time.sleep(2)

    after = standin.status()
    bad_for = production.last("green") - production.first("green")
    print(
        f"bad release: production on it {production.first('green') - started:.1f} s after the "
        f"deploy began, rolled back {bad_for:.1f} s later (500s while it served: "
        f"{sum(1 for _, s in production.seen if s == 'green')} of {len(production.seen)} "
        f"probes); the deploy command failed after {took:.1f} s, the stack deployed back; "
        f"production answered {production.runs()}; {after['rollbacks'][-1]}"
    )
    assert production.runs() == ["blue", "green", "blue"]
    assert live_ids(after) == blue, "the old tasks never stopped"
    assert after["production_target_group"] == blue_group
    assert any(name in after["rollbacks"][-1] for name in alarms_ok), after["rollbacks"]
    assert "went to ALARM" in output
    # CloudFormation's side: the stack's task definition is the old one again.
    template = aws("cloudformation").get_template(
        StackName=outputs["StackName"], TemplateStage="Processed"
    )["TemplateBody"]
    assert "FAULT_SERVER_ERRORS_PATH" not in str(template)
