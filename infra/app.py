"""CDK app entry point: `cdk synth` runs `python -m infra.app` (see cdk.json)."""

from __future__ import annotations

import os

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import Settings
from infra.context import Context
from infra.exports import ServiceExports
from infra.load.config import LoadSettings, load_stack_name
from infra.load.stack import TodoAsyncLoadStack
from infra.stack import TodoAsyncStack

DEFAULT_REGION = "us-east-1"


def build(app: App) -> TodoAsyncStack:
    """Add the stacks described by `app`'s context, checked by cdk-nag's AwsSolutions pack:
    the service's, and with `-c loadGenerators=true` the load generators' beside it."""
    get = app.node.try_get_context
    settings = Settings.from_context(get)
    # Region-specific (ALB access logging needs the region's log-delivery principal) but
    # account-agnostic: availability zones resolve at deploy time (Fn::GetAZs), so synth
    # makes no AWS calls and writes no cdk.context.json.
    env = Environment(
        region=settings.region or os.environ.get("CDK_DEFAULT_REGION") or DEFAULT_REGION
    )
    stack = TodoAsyncStack(
        app,
        settings.stack_name,
        settings=settings,
        description=f"todo-async on ECS Fargate behind an ALB (database={settings.database})",
        env=env,
    )
    if Context(get).flag("loadGenerators", False):
        load = TodoAsyncLoadStack(
            app,
            load_stack_name(settings.stack_name),
            service=ServiceExports(stack.stack_name),
            settings=LoadSettings.from_context(get),
            log_retention=settings.log_retention,
            description="todo-async load generators: Locust on ECS Fargate, reports in S3",
            env=env,
        )
        load.add_stack_dependency(stack, "imports the service stack's exports")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stack


def main() -> None:
    app = App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
