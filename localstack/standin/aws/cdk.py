"""The deploy through cdklocal: the CDK context it is given, read with infra/config.py's own
rules, and `cdklocal bootstrap`, `deploy` and `destroy`, each logged to a file.

The local deploy differs from an AWS one only by context: an image reference instead of the
image asset (LocalStack has no ECR to publish to), Elastic IPs allocated beforehand for the
NAT gateways (LocalStack cannot create AWS::EC2::EIP), and the database mode.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import paths
from ..errors import HarnessError
from .environment import ACCOUNT, aws_environment

if TYPE_CHECKING:
    from infra.config import Settings

CDKLOCAL = paths.REPO / "node_modules" / ".bin" / "cdklocal"
DEPLOY_TIMEOUT = 900


@dataclass(frozen=True)
class Context:
    """`-c key=value` pairs, in the order given; later ones win, as with the CDK CLI."""

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> Context:
        """From a command line's words: `-c key=value -c other=value` (LOCAL_CONTEXT)."""
        return cls.from_words(shlex.split(text))

    @classmethod
    def from_words(cls, words: Sequence[str]) -> Context:
        flags, items = words[::2], words[1::2]
        if len(flags) != len(items) or any(
            flag not in ("-c", "--context") or "=" not in item
            for flag, item in zip(flags, items, strict=True)
        ):
            raise HarnessError(f"context {' '.join(words)!r}: give -c key=value pairs")
        return cls(tuple((key, value) for key, _, value in (i.partition("=") for i in items)))

    def args(self) -> list[str]:
        return [word for key, value in self.pairs for word in ("-c", f"{key}={value}")]

    def settings(self) -> Settings:
        """The stack's settings as the CDK app reads them: cdk.json's context, then these."""
        from infra.config import Settings  # loads aws-cdk-lib: only when a deploy needs it

        defaults: dict[str, Any] = json.loads((paths.REPO / "cdk.json").read_text())["context"]
        given = dict(self.pairs)
        return Settings.from_context(lambda key: given.get(key, defaults.get(key)))

    def save(self, path: Path = paths.CDK_CONTEXT) -> None:
        path.write_text("".join(f"{word}\n" for word in self.args()))

    @classmethod
    def load(cls, path: Path = paths.CDK_CONTEXT) -> Context:
        return cls.from_words(path.read_text().splitlines())


def _cdklocal(arguments: Sequence[str], log: Path, *, cwd: Path = paths.REPO) -> None:
    with log.open("wb") as output:
        result = subprocess.run(
            [str(CDKLOCAL), *arguments],
            cwd=cwd,
            env={**os.environ, **aws_environment()},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=DEPLOY_TIMEOUT,
            check=False,
        )
    if result.returncode != 0:
        lines = log.read_text(errors="replace").splitlines()
        errors = [line for line in lines if "FAILED" in line or "rror" in line][-20:]
        raise HarnessError(
            f"cdklocal {arguments[0]} failed (log: {log}):\n" + "\n".join(errors or lines[-20:])
        )


def bootstrap() -> None:
    # From .local/, away from cdk.json: bootstrapping an explicit environment needs no synth.
    region = aws_environment()["AWS_DEFAULT_REGION"]
    _cdklocal(["bootstrap", f"aws://{ACCOUNT}/{region}"], paths.BOOTSTRAP_LOG, cwd=paths.LOCAL)


def deploy(
    stack: str,
    context: Context,
    *,
    log: Path = paths.DEPLOY_LOG,
    outputs: Path | None = paths.CDK_OUTPUTS,
    exclusively: bool = False,
) -> None:
    """`exclusively`: that stack alone, not the stacks it depends on."""
    arguments = ["deploy", stack, *context.args(), "--require-approval", "never"]
    arguments += ["--exclusively"] if exclusively else []
    arguments += ["--outputs-file", str(outputs)] if outputs else []
    _cdklocal(arguments, log)


def destroy(stack: str, context: Context, *, log: Path = paths.DESTROY_LOG) -> None:
    _cdklocal(["destroy", stack, *context.args(), "--force"], log)
