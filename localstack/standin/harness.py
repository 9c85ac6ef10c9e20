"""`local-up`, `local-down`, `deploy` (another image) and the full-stack test run:
LocalStack, the EIPs, cdklocal bootstrap and deploy, the stand-in, `.local/outputs.json`; and
back down, everything by the PIDs recorded at start. Each phase's time is printed and kept
in `.local/timings.txt`.

`local-up` is idempotent: what already runs and matches the deployed template is kept.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from typing import Any

from hostkit.docker import EngineUnavailable

from . import aws, paths
from .aws import cdk, eips, localstack_server
from .aws.cdk import Context
from .aws.stack import Stack, stack_status
from .control import client
from .errors import HarnessError
from .runtime.docker import engine as docker_engine
from .timings import Phases

DEPLOYED = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
STEADY_TIMEOUT = 300
DEPLOY_TIMEOUT = 900  # a blue/green deployment: green up, the bake, blue drained
TEST_TIMEOUT = 2700  # a mode's integration tests: blue/green deploys bake two minutes each
DATABASE_MODES = ("rds", "sidecar")
# What only the local deploy sets. LocalStack runs no Lambda here (no image registry), so no
# Lambda-backed custom resource: the CloudFront prefix list id is given (any id: LocalStack
# records no security-group rules) and the VPC's default security group is left as it is.
# The RDS stand-in's certificate is self-signed: encrypted, not verified against RDS's CAs.
# Every client of the local stack (the integration tests, Locust's users) signs up from
# loopback: one address, so the service's per-address sign-up limit is raised. The alarms
# evaluate 10-second periods (the stand-in publishes high-resolution metrics), so one fires
# and clears within a test rather than within minutes; a blue/green deployment bakes two
# minutes, time enough for its alarms to see the new revision (and short enough for a test).
LOCAL_ONLY_CONTEXT = (
    ("cloudFrontPrefixListId", "pl-00000000000000000"),
    ("restrictDefaultSecurityGroup", "false"),
    ("databaseSslMode", "require"),
    ("signUpPerMinute", "600"),
    ("signUpPerAddressPerHour", "10000"),
    ("alarmPeriodSeconds", "10"),
    ("bakeMinutes", "2"),
)


def local_up(database: str, image: str, extra_context: str = "", runtime: str = "process") -> None:
    paths.LOCAL.mkdir(exist_ok=True)
    phases = Phases("local-up", paths.TIMINGS, fresh=True)
    extra = Context.parse(extra_context)
    settings = Context((("image", image), ("database", database), *extra.pairs)).settings()
    stack = settings.stack_name
    localstack_server.install()
    localstack_server.start()
    status = stack_status(stack)
    if status not in ("NONE", *DEPLOYED):
        # A failed stack leaves LocalStack's CloudFormation in a state only a restart clears.
        print(f"stack {stack} is {status}: restarting LocalStack with a clean state")
        client.down()
        localstack_server.stop()
        localstack_server.start()
    phases.done("LocalStack start")

    allocation_ids = eips.ensure_eips(aws.client("ec2"), settings.nat_gateways)
    eip_ids = ",".join(allocation_ids)
    ours = (
        ("image", image),
        ("natEipAllocationIds", eip_ids),
        ("database", database),
        *LOCAL_ONLY_CONTEXT,
    )
    context = Context(ours + extra.pairs)
    context.save()
    phases.done("EIP allocation")

    if stack_status("CDKToolkit") != "CREATE_COMPLETE":
        cdk.bootstrap()
    phases.done("cdklocal bootstrap")

    try:
        cdk.deploy(stack, context)
    except HarnessError as error:
        raise HarnessError(f"{error}\nthe next make local-up restarts LocalStack") from None
    status = stack_status(stack)
    if status not in DEPLOYED:
        raise HarnessError(f"stack {stack} is {status} after deploy")
    print(f"stack {stack}: {status}")
    phases.done("cdklocal deploy")

    if runtime == "docker":
        try:
            engine = docker_engine.ensure_engine()
        except EngineUnavailable as error:
            raise HarnessError(f"the Docker runtime needs an engine: {error}") from None
        docker_engine.ensure_images(engine, image)
        phases.done("Docker engine and images")
    client.up(stack, image, STEADY_TIMEOUT, runtime)
    write_outputs(stack)
    phases.done("stand-in up")
    phases.total()


def deploy(image: str | None, extra_context: str = "") -> None:
    """A new task definition revision for the running service, as `aws ecs update-service`:
    the stack deployed again with `image` and `extra_context` changed, the stand-in
    deploying it as the service's strategy says (rolling, or blue/green in rds mode). A
    deployment the stand-in rolls back fails here, and the stack is deployed again with the
    context before, as CloudFormation rolls a stack update back when ECS does."""
    if client.running_pid() is None:
        raise HarnessError("no local stack runs: make local-up first")
    info = json.loads(paths.STANDIN_INFO.read_text())
    current = Context.load()
    changes = Context.parse(extra_context).pairs + ((("image", image),) if image else ())
    changed = {key for key, _ in changes}
    context = Context(tuple((k, v) for k, v in current.pairs if k not in changed) + changes)
    image = dict(context.pairs)["image"]
    if info["runtime"] != "docker" and image != info["app_image"]:
        raise HarnessError(
            f"the process runtime runs the checkout only ({info['app_image']}): "
            "another image needs LOCAL_RUNTIME=docker"
        )
    if info["runtime"] == "docker" and not docker_engine.ensure_engine().has_image(image):
        raise HarnessError(f"no image {image} on the Docker engine: build it first")
    stack = context.settings().stack_name
    phases = Phases("local-deploy", paths.TIMINGS)
    cdk.deploy(stack, context)
    context.save()
    phases.done("cdklocal deploy")
    deployment = client.request("reload").deployment
    status = client.wait_steady(DEPLOY_TIMEOUT)
    client.print_status(status)
    if status.deployment == deployment:
        phases.done("deployment")
        return
    phases.done("deployment rolled back")
    reason = next((r for r in status.rollbacks if r.startswith(f"deployment {deployment}:")), "")
    cdk.deploy(stack, current)
    current.save()
    client.request("reload")
    phases.done("stack rolled back")
    raise HarnessError(f"deployment rolled back ({reason}); the stack is back as it was")


def write_outputs(stack_name: str) -> None:
    """The stack's outputs, cdklocal's, and where the local stack answers."""
    stack = Stack.load(stack_name)
    outputs: dict[str, Any] = dict(stack.outputs)
    if paths.CDK_OUTPUTS.exists():
        outputs.update(json.loads(paths.CDK_OUTPUTS.read_text()).get(stack_name, {}))
    info = json.loads(paths.STANDIN_INFO.read_text())
    outputs.update(
        {
            "AlbUrl": info["alb_url"],
            "TestListenerUrl": info["test_listener_url"],
            "StackName": stack_name,
            "Region": stack.region,
            "LocalStackEndpoint": aws.endpoint(),
            "StandinPid": info["pid"],
            "Runtime": info["runtime"],
        }
    )
    if "front_door_url" in info:
        # The local front door: HTTPS, the HTTP port that redirects, the CA to trust.
        outputs["FrontDoorUrl"] = info["front_door_url"]
        outputs["FrontDoorHttpUrl"] = info["front_door_http_url"]
        outputs["FrontDoorCa"] = info["front_door_ca"]
    paths.OUTPUTS.write_text(json.dumps(outputs, indent=2) + "\n")
    print(f"wrote {paths.OUTPUTS}: {outputs.get('FrontDoorUrl', info['alb_url'])}")


def local_down(*, remove_data: bool = False) -> None:
    """Stop the stand-in, destroy the stack, stop LocalStack; what is left of the stack's
    local state (databases, volumes, outputs) goes with it, but for the Docker runtime's
    data volumes unless `remove_data`. A Docker engine local-up started stops too; so does
    the load generators' stack (`run-load`), and what a run of it left running."""
    from . import load_generators  # loads boto3 (loadtest.publish): only when going down

    paths.LOCAL.mkdir(exist_ok=True)
    phases = Phases("local-down", paths.TIMINGS)
    client.down()
    leftovers = load_generators.stop_leftovers()
    if leftovers:
        print(f"stopped processes a load run left behind: {leftovers}")
    phases.done("stand-in down")
    removed = docker_engine.remove_leftovers(data=remove_data)
    if removed:
        print(f"removed what the Docker runtime left: {', '.join(removed)}")
    if docker_engine.engine_pid() is not None:
        docker_engine.stop_engine()
        phases.done("Docker engine stop")
    if localstack_server.running():
        context = Context.load() if paths.CDK_CONTEXT.exists() else Context()
        stack = context.settings().stack_name
        if stack_status(stack) != "NONE":
            try:
                load_generators.destroy(context)
                cdk.destroy(stack, context)
            except HarnessError as error:  # LocalStack's state goes with it below anyway
                print(error, file=sys.stderr)
        phases.done("cdklocal destroy")
    # LocalStack's state (EIPs included) goes with it: each start begins from an empty state.
    localstack_server.stop()
    phases.done("LocalStack stop")
    shutil.rmtree(paths.STANDIN, ignore_errors=True)
    for path in (paths.OUTPUTS, paths.CDK_OUTPUTS, paths.CDK_CONTEXT):
        path.unlink(missing_ok=True)


def integration_tests(label: str) -> None:
    """tests/integration against the stack that is up (`label`: its database and runtime)."""
    # -rP prints the figures each passing test measured; f and E name the failures last,
    # where the tail of a long log (all CI keeps) still shows them.
    command = [sys.executable, "-m", "pytest", "tests/integration", "-v", "-rfEP"]
    result = subprocess.run(command, cwd=paths.REPO, timeout=TEST_TIMEOUT, check=False)
    if result.returncode != 0:
        raise HarnessError(
            f"the integration tests failed on {label} (exit status {result.returncode})"
        )


def full_stack(image: str, extra_context: str = "") -> None:
    """Up, integration tests, down: with processes in each database mode, then with the
    Docker runtime in rds mode when an engine runs or can be started; always ending with
    local-down, which must leave nothing behind."""
    runs = [*((mode, "process") for mode in DATABASE_MODES), ("rds", "docker")]
    try:
        for mode, runtime in runs:
            if runtime == "docker":
                try:
                    docker_engine.ensure_engine()
                except EngineUnavailable as error:
                    print(f"[full-stack] the Docker runtime is not tested here: {error}")
                    continue
            label = f"{mode}, {runtime}"
            started = time.monotonic()
            local_up(mode, image, extra_context, runtime)
            print(f"[full-stack] local-up ({label}): {time.monotonic() - started:.0f} s")
            started = time.monotonic()
            integration_tests(label)
            print(f"[full-stack] local-test ({label}): {time.monotonic() - started:.0f} s")
            started = time.monotonic()
            local_down(remove_data=True)
            print(f"[full-stack] local-down ({label}): {time.monotonic() - started:.0f} s")
    finally:
        if client.running_pid() or localstack_server.running_pid() or docker_engine.engine_pid():
            local_down(remove_data=True)
