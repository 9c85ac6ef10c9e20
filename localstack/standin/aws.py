"""boto3 clients pointed at LocalStack."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
DEFAULT_REGION = "us-east-1"


@cache
def session() -> Any:
    import boto3  # here, not at import: `python -m standin status` needs no AWS client

    return boto3.session.Session(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
        region_name=os.environ.get("AWS_DEFAULT_REGION")
        or os.environ.get("AWS_REGION")
        or DEFAULT_REGION,
    )


def endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL", DEFAULT_ENDPOINT)


def client(service: str) -> Any:
    return session().client(service, endpoint_url=endpoint())


def region() -> str:
    return str(session().region_name)
