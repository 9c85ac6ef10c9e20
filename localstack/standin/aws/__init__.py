"""The AWS side, as LocalStack holds it: the deployed stack (stack.py), its secrets
(secrets.py), CloudWatch Logs as the awslogs driver ships to it (awslogs.py), the
environment that points every client at LocalStack (environment.py), the NAT gateways' EIPs
(eips.py), the deploy through cdklocal (cdk.py), and LocalStack itself (localstack_server.py).

Here: boto3 clients pointed at LocalStack."""

from __future__ import annotations

from functools import cache
from typing import Any

from .environment import aws_environment


@cache
def session() -> Any:
    import boto3  # here, not at import: `python -m standin status` needs no AWS client

    environment = aws_environment()
    return boto3.session.Session(
        aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
        region_name=environment["AWS_DEFAULT_REGION"],
    )


def endpoint() -> str:
    return aws_environment()["AWS_ENDPOINT_URL"]


def client(service: str) -> Any:
    return session().client(service, endpoint_url=endpoint())


def region() -> str:
    return str(session().region_name)
