"""A task run once: real short processes on the process runtime, started in dependsOn
order, ended by its essential container, a stop request or the time limit."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from standin.aws.awslogs import CloudWatchLogs
from standin.ecs.one_off_task import TaskOutcome, run_task
from standin.ecs.spec import TaskDefinitionSpec
from standin.errors import HarnessError
from standin.runtime.process.runners import RunnerTable
from standin.runtime.process.runtime import ProcessRuntime

from hostkit.processes import ProcessRegistry
from tests.standin.fakes import IMAGE, OwnCommandRunner, container_spec

KILLED = -signal.SIGTERM


def runtime(tmp_path: Path, runner: object) -> ProcessRuntime:
    return ProcessRuntime(
        tmp_path,
        RunnerTable([("the test image", lambda image: image == IMAGE, runner)]),  # type: ignore[list-item]
        logs=CloudWatchLogs(client=None),
        processes=ProcessRegistry(tmp_path / "processes"),
    )


def master_and_workers(master: list[str], workers: int = 2) -> TaskDefinitionSpec:
    """As the load stack's: an essential master, non-essential workers started after it."""
    return TaskDefinitionSpec(
        "load",
        [
            *(
                container_spec(
                    f"worker{n}",
                    command=["sleep", "30"],
                    essential=False,
                    ports=[],
                    depends_on=[("master", "START")],
                )
                for n in range(1, workers + 1)
            ),
            container_spec("master", command=master, ports=[5557]),
        ],
        frozenset(),
    )


async def test_the_task_ends_when_its_essential_container_exits(tmp_path: Path) -> None:
    runner = OwnCommandRunner()
    processes = runtime(tmp_path, runner)
    definition = master_and_workers(["sh", "-c", "sleep 0.5; exit 3"])

    outcome = await run_task(processes, definition, limit=20)

    assert runner.started == ["master", "worker1", "worker2"]
    assert outcome.stopped_reason == (
        "Essential container in task exited (container master, exit code 3)"
    )
    assert outcome.exit_codes == {"master": 3, "worker1": KILLED, "worker2": KILLED}
    assert outcome.exit_code == 3
    assert ProcessRegistry(tmp_path / "processes").survivors() == []
    assert not (tmp_path / "tasks" / outcome.task_id).exists()


async def test_the_time_limit_stops_every_container(tmp_path: Path) -> None:
    definition = master_and_workers(["sleep", "30"], workers=1)

    outcome = await run_task(runtime(tmp_path, OwnCommandRunner()), definition, limit=1)

    assert outcome.stopped_reason == "Stopped at the time limit (1 s)"
    assert outcome.exit_codes == {"master": KILLED, "worker1": KILLED}
    assert outcome.exit_code == 1  # killed: not a verdict


async def test_a_stop_request_stops_the_task_with_its_stop_signal(tmp_path: Path) -> None:
    # The master exits 0 on its stop signal, as Locust ends a run and writes its reports.
    ends_on_term = (
        "import signal, sys, time; "
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0)); time.sleep(30)"
    )
    definition = master_and_workers([sys.executable, "-c", ends_on_term])
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(1, stop.set)

    outcome = await run_task(runtime(tmp_path, OwnCommandRunner()), definition, limit=20, stop=stop)

    assert outcome.stopped_reason == "Task stopped on request"
    assert outcome.exit_codes["master"] == 0
    assert outcome.exit_code == 0


async def test_a_task_that_cannot_start_says_why(tmp_path: Path) -> None:
    class Refusing(OwnCommandRunner):
        async def prepare(self, container: object, env: dict[str, str]) -> object:
            raise HarnessError("no such image")

    definition = master_and_workers(["true"])

    outcome = await run_task(runtime(tmp_path, Refusing()), definition, limit=20)

    assert outcome.stopped_reason == "Task failed to start: no such image"
    assert outcome.exit_codes == {"master": None, "worker1": None, "worker2": None}
    assert outcome.exit_code == 1


async def test_urls_of_the_task_definition_are_remapped(tmp_path: Path) -> None:
    out = tmp_path / "said"
    definition = TaskDefinitionSpec(
        "echo",
        [container_spec("say", command=["sh", "-c", f"echo http://alb.example/api > {out}"])],
        frozenset(),
    )
    urls = {"http://alb.example": "http://127.0.0.1:8080"}

    outcome = await run_task(runtime(tmp_path, OwnCommandRunner()), definition, limit=20, urls=urls)

    assert outcome.exit_code == 0
    assert out.read_text() == "http://127.0.0.1:8080/api\n"


def test_the_exit_code_is_the_first_essential_containers() -> None:
    outcome = TaskOutcome("t", "", {"worker1": 1, "master": 0}, essential=("master",))
    assert outcome.exit_code == 0
    assert TaskOutcome("t", "", {"master": 2}, essential=("master",)).exit_code == 2
