"""The environment that points the AWS CLI, boto3 and cdklocal at LocalStack.

This machine resolves no public DNS (*.localhost.localstack.cloud included), hence the
explicit endpoints and path-style S3; cdklocal passes on only the AWS_* variables listed in
AWS_ENVAR_ALLOWLIST. LOCALSTACK_PORT and AWS_DEFAULT_REGION may be set; without
LOCALSTACK_PORT, the port this checkout's LocalStack was started on while it runs (so a
later command reaches the same one), else 4566.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .. import paths

ACCOUNT = "000000000000"
TASK_ROLE_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
)


def localstack_port(environ: Mapping[str, str] = os.environ) -> int:
    if environ.get("LOCALSTACK_PORT"):
        return int(environ["LOCALSTACK_PORT"])
    if paths.LOCALSTACK_PORT.exists():
        return int(paths.LOCALSTACK_PORT.read_text())
    return 4566


def aws_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    endpoint = f"http://127.0.0.1:{localstack_port(environ)}"
    region = environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_S3_FORCE_PATH_STYLE": "1",
        "AWS_ENVAR_ALLOWLIST": "AWS_S3_FORCE_PATH_STYLE,AWS_ENDPOINT_URL,AWS_ENDPOINT_URL_S3",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "CDK_DEFAULT_ACCOUNT": ACCOUNT,
        "CDK_DEFAULT_REGION": region,
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "CDK_DISABLE_VERSION_CHECK": "1",
    }


def task_role_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """What a container of a task with a role finds in its environment here: LocalStack's
    endpoint and keys, where on ECS the agent hands it the role's credentials."""
    environment = aws_environment(environ)
    return {name: environment[name] for name in TASK_ROLE_VARIABLES}


def apply() -> None:
    """Set it for this process and everything it starts."""
    os.environ.update(aws_environment())
