"""Copy a finished run's folder to S3, as `s3://BUCKET/PREFIX/<run folder>/<file>`.

A run on a machine nobody logs in to (the load generators' Fargate task) keeps only what
reaches the bucket. boto3 finds credentials and the endpoint the usual way (the task role
on ECS; AWS_ENDPOINT_URL for LocalStack). The bucket's default encryption applies.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError

# What a failed copy raises: no credentials, no bucket, no permission, a file gone.
UPLOAD_ERRORS = (BotoCoreError, ClientError, S3UploadFailedError, OSError)


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, text: str) -> S3Location:
        """`s3://bucket` or `s3://bucket/prefix`; an argparse type, so ValueError on bad text."""
        scheme, _, rest = text.partition("://")
        bucket, _, prefix = rest.partition("/")
        if scheme != "s3" or not bucket:
            raise ValueError(f"{text!r} is not s3://BUCKET[/PREFIX]")
        return cls(bucket, prefix.strip("/"))

    def key(self, *parts: str) -> str:
        return "/".join(filter(None, [self.prefix, *parts]))

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


def upload_run(run_dir: Path, location: S3Location, client: Any = None) -> list[str]:
    """Upload every file under `run_dir`; returns the keys written, in order."""
    s3 = client or boto3.client("s3")
    keys = []
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        key = location.key(run_dir.name, path.relative_to(run_dir).as_posix())
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.upload_file(str(path), location.bucket, key, ExtraArgs={"ContentType": content_type})
        keys.append(key)
    return keys
