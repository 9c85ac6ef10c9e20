"""`python -m standin run-load`: the load generators' stack (infra/load) deployed with
cdklocal beside the local service stack, its task (a Locust master and its workers) run
once as `aws ecs run-task` runs it on Fargate, with the task definition's commands, on the
process runtime, against the stand-in's front door (HTTPS, trusting its CA); the run's
summary read back from the stack's bucket in LocalStack's S3, where the master copied the
run's folder.

The deploy differs from `make deploy-load` only by context, as the service's does: the
profile, the workers and the load arguments given here, and an image reference instead of
the image asset (`todo-async-load:local`; the process runtime runs the checkout's
`loadtest`). `local-down` destroys this stack before the service's, whose exports it imports.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hostkit.processes import ProcessRegistry
from loadtest.publish import S3Location

from . import aws, paths
from .aws import cdk
from .aws.awslogs import CloudWatchLogs
from .aws.cdk import Context
from .aws.stack import Stack, stack_status
from .ecs.one_off_task import TaskOutcome, run_task
from .ecs.spec import TASK_DEFINITION, TaskDefinitionSpec, parse_task_definition
from .errors import HarnessError
from .runtime.process.load import LoadRunner
from .runtime.process.runners import RunnerTable
from .runtime.process.runtime import ProcessRuntime
from .timings import Phases

LOAD_IMAGE = "todo-async-load:local"
DEPLOYED = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
RUN_LIMIT_S = 900


@dataclass(frozen=True)
class LoadRun:
    """What one run asks of the stack: its profile, workers and `python -m loadtest` options."""

    profile: str = "smoke"
    workers: int = 2
    arguments: str = ""
    image: str = LOAD_IMAGE

    def context(self, service: Context) -> Context:
        """The service stack's deploy context, with the load generators' on top."""
        load = (
            ("loadGenerators", "true"),
            ("loadProfile", self.profile),
            ("loadWorkers", str(self.workers)),
            ("loadArgs", self.arguments),
            ("loadImage", self.image),
        )
        return Context(service.pairs + load)


def load_stack_name(context: Context) -> str:
    from infra.load.config import load_stack_name as named  # loads aws-cdk-lib

    return named(context.settings().stack_name)


def the_task_definition(stack: Stack) -> TaskDefinitionSpec:
    found = [logical_id for logical_id, _props in stack.of_type(TASK_DEFINITION)]
    if len(found) != 1:
        raise HarnessError(f"stack {stack.name} has {len(found)} task definitions; expected one")
    return parse_task_definition(stack, found[0])


def run_folders(s3: Any, reports: S3Location) -> set[str]:
    """The run folders under the reports prefix."""
    prefix = reports.key("") + "/"
    folders: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=reports.bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            folders.add(entry["Key"][len(prefix) :].split("/", 1)[0])
    return folders


def local_stack_outputs() -> dict[str, Any]:
    """What `local-up` wrote; the service must be up behind its load balancer."""
    from .control import client  # the daemon's side: imported only when a run needs it

    if not paths.OUTPUTS.exists() or client.running_pid() is None:
        raise HarnessError("the local stack is not up: make local-up first")
    outputs: dict[str, Any] = json.loads(paths.OUTPUTS.read_text())
    return outputs


def deploy(run: LoadRun) -> str:
    """The load stack, deployed alone beside the service's; its name."""
    context = run.context(Context.load())
    name = load_stack_name(context)
    cdk.deploy(name, context, log=paths.DEPLOY_LOAD_LOG, outputs=None, exclusively=True)
    status = stack_status(name)
    if status not in DEPLOYED:
        raise HarnessError(f"stack {name} is {status} after deploy (log: {paths.DEPLOY_LOAD_LOG})")
    print(f"stack {name}: {status}")
    return name


def process_runtime(
    image: str, state_dir: Path, logs: CloudWatchLogs, trusted_ca: Path | None = None
) -> ProcessRuntime:
    """The load image's containers as processes from the checkout, their state and PIDs
    under `state_dir` (`.local/standin/load`), trusting `trusted_ca` for HTTPS."""
    runner = LoadRunner(Path(sys.executable).parent, paths.REPO, trusted_ca)
    runners = RunnerTable([(f"the load image {image}", lambda named: named == image, runner)])
    processes = ProcessRegistry(state_dir / "processes")
    return ProcessRuntime(state_dir, runners, logs=logs, processes=processes)


async def _run_until_signalled(
    runtime: ProcessRuntime, definition: TaskDefinitionSpec, urls: dict[str, str], limit: float
) -> TaskOutcome:
    """The task, stopped early (its master then ends the run and copies what it measured)
    on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return await run_task(runtime, definition, limit=limit, urls=urls, stop=stop)


def run_load(run: LoadRun, limit: float = RUN_LIMIT_S) -> int:
    """Deploy, run one task, print the report's location and summary; the master's exit
    code (0 passed, 1 failed, 2 results not copied)."""
    outputs = local_stack_outputs()
    paths.LOAD.mkdir(parents=True, exist_ok=True)
    phases = Phases("run-load", paths.TIMINGS)
    name = deploy(run)
    phases.done("cdklocal deploy (load)")

    stack = Stack.load(name)
    definition = the_task_definition(stack)
    reports = S3Location.parse(stack.outputs["ReportsLocation"])
    s3 = aws.client("s3")
    before = run_folders(s3, reports)
    # The service's URL as its stack gives it (a placeholder distribution in LocalStack) is
    # the stand-in's front door here, its certificate signed by the local CA.
    service_url = str(outputs["FrontDoorUrl"])
    urls = {str(outputs["LoadBalancerUrl"]): service_url}
    print(
        f"task of {definition.family}: {len(definition.containers)} containers, "
        f"{outputs['LoadBalancerUrl']} -> {service_url}",
        flush=True,
    )
    logs = CloudWatchLogs(aws.client("logs"))
    runtime = process_runtime(run.image, paths.LOAD, logs, Path(outputs["FrontDoorCa"]))
    outcome = asyncio.run(_run_until_signalled(runtime, definition, urls, limit))
    phases.done("load task")
    codes = ", ".join(f"{container} {code}" for container, code in outcome.exit_codes.items())
    print(f"task {outcome.task_id[:12]} stopped: {outcome.stopped_reason} (exit codes: {codes})")

    new = sorted(run_folders(s3, reports) - before)
    for folder in new:
        key = reports.key(folder, "summary.txt")
        summary = s3.get_object(Bucket=reports.bucket, Key=key)["Body"].read().decode()
        print(f"report: {S3Location(reports.bucket, reports.key(folder))}/\n{summary}", end="")
    phases.done("report read from S3")
    phases.total()
    if not new:
        print(f"no report reached {reports}/", file=sys.stderr)
        return outcome.exit_code or 2
    return outcome.exit_code


def destroy(service: Context) -> None:
    """The load stack, if deployed: before the service stack, whose exports it imports."""
    context = LoadRun().context(service)
    name = load_stack_name(context)
    if stack_status(name) != "NONE":
        cdk.destroy(name, context, log=paths.DESTROY_LOAD_LOG)


def stop_leftovers() -> list[int]:
    """What a `run-load` that died left running, by PID."""
    return ProcessRegistry(paths.LOAD / "processes").stop_survivors()
