"""`local-up`, `local-down` and the full-stack test run: LocalStack, the EIPs, cdklocal
bootstrap and deploy, the stand-in, `.local/outputs.json`; and back down, everything by the
PIDs recorded at start. Each phase's time is printed and kept in `.local/timings.txt`.

`local-up` is idempotent: what already runs and matches the deployed template is kept.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from typing import Any

from . import aws, cdk, client, eips, localstack_server, paths
from .cdk import Context
from .errors import HarnessError
from .stack import Stack
from .timings import Phases

DEPLOYED = ("CREATE_COMPLETE", "UPDATE_COMPLETE")
STEADY_TIMEOUT = 300
TEST_TIMEOUT = 1800
DATABASE_MODES = ("rds", "sidecar")


def stack_status(name: str) -> str:
    """The stack's CloudFormation status, NONE when there is no such stack."""
    cfn = aws.client("cloudformation")
    try:
        return str(cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])
    except cfn.exceptions.ClientError:
        return "NONE"


def local_up(database: str, image: str, extra_context: str = "") -> None:
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
    ours = (("image", image), ("natEipAllocationIds", eip_ids), ("database", database))
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

    client.up(stack, image, STEADY_TIMEOUT)
    write_outputs(stack)
    phases.done("stand-in up")
    phases.total()


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
            "StackName": stack_name,
            "Region": stack.region,
            "LocalStackEndpoint": aws.endpoint(),
            "StandinPid": info["pid"],
        }
    )
    paths.OUTPUTS.write_text(json.dumps(outputs, indent=2) + "\n")
    print(f"wrote {paths.OUTPUTS}: AlbUrl {info['alb_url']}")


def local_down() -> None:
    """Stop the stand-in, destroy the stack, stop LocalStack; what is left of the stack's
    local state (databases, volumes, outputs) goes with it."""
    paths.LOCAL.mkdir(exist_ok=True)
    phases = Phases("local-down", paths.TIMINGS)
    client.down()
    phases.done("stand-in down")
    if localstack_server.running():
        context = Context.load() if paths.CDK_CONTEXT.exists() else Context()
        stack = context.settings().stack_name
        if stack_status(stack) != "NONE":
            try:
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


def integration_tests() -> None:
    """tests/integration against the stack that is up."""
    command = [sys.executable, "-m", "pytest", "tests/integration", "-v", "-rP"]
    result = subprocess.run(command, cwd=paths.REPO, timeout=TEST_TIMEOUT, check=False)
    if result.returncode != 0:
        raise HarnessError(f"the integration tests failed (exit status {result.returncode})")


def full_stack(image: str, extra_context: str = "") -> None:
    """Up, integration tests, down, in each database mode; always ending with local-down,
    which must leave nothing behind."""
    try:
        for mode in DATABASE_MODES:
            started = time.monotonic()
            local_up(mode, image, extra_context)
            print(f"[full-stack] local-up ({mode}): {time.monotonic() - started:.0f} s")
            started = time.monotonic()
            integration_tests()
            print(f"[full-stack] local-test ({mode}): {time.monotonic() - started:.0f} s")
            started = time.monotonic()
            local_down()
            print(f"[full-stack] local-down: {time.monotonic() - started:.0f} s")
    finally:
        if client.running_pid() or localstack_server.running_pid():
            local_down()
