"""CDK app entry point: `cdk synth` runs `python -m infra.app` (see cdk.json)."""

from __future__ import annotations

import os

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import Settings
from infra.stack import TodoAsyncStack

DEFAULT_REGION = "us-east-1"


def build(app: App) -> TodoAsyncStack:
    """Add the stack described by `app`'s context, checked by cdk-nag's AwsSolutions pack."""
    settings = Settings.from_context(app.node.try_get_context)
    stack = TodoAsyncStack(
        app,
        settings.stack_name,
        settings=settings,
        description=f"todo-async on ECS Fargate behind an ALB (database={settings.database})",
        # Region-specific (ALB access logging needs the region's log-delivery principal) but
        # account-agnostic: availability zones resolve at deploy time (Fn::GetAZs), so synth
        # makes no AWS calls and writes no cdk.context.json.
        env=Environment(
            region=settings.region or os.environ.get("CDK_DEFAULT_REGION") or DEFAULT_REGION
        ),
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stack


def main() -> None:
    app = App()
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
