"""The load generators' settings, from CDK context keys starting with `load`."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra.config import FARGATE_MEMORY
from infra.context import Context

# loadtest's profiles (python -m loadtest --profile).
PROFILES = ("smoke", "step", "spike", "soak")
# Options the stack sets itself: where the load goes, the master/worker wiring, the results.
RESERVED_OPTIONS = frozenset(
    {
        "--host",
        "--profile",
        "--master",
        "--worker",
        "--workers",
        "--master-host",
        "--master-bind-host",
        "--master-bind-port",
        "--master-port",
        "--expect-workers",
        "--results",
        "--results-s3",
    }
)
VCPU = 1024


def load_stack_name(service_stack_name: str) -> str:
    """The load generators' stack, named after the service stack it stands beside."""
    return f"{service_stack_name}Load"


@dataclass(frozen=True)
class LoadSettings:
    """One task: a Locust master and `workers` worker containers, one vCPU per worker."""

    workers: int = 3
    cpu: int = 4096
    memory: int = 8192
    profile: str = "step"
    # The profile's size and thresholds, as python -m loadtest takes them.
    arguments: tuple[str, ...] = ()
    image: str | None = None

    def __post_init__(self) -> None:
        if self.cpu not in FARGATE_MEMORY or self.memory not in FARGATE_MEMORY[self.cpu]:
            raise ValueError(f"loadCpu={self.cpu} loadMemory={self.memory} is not a Fargate size")
        if not 1 <= self.workers <= self.cpu // VCPU:
            raise ValueError(
                f"loadWorkers={self.workers}: want 1 to {self.cpu // VCPU} for loadCpu={self.cpu} "
                "(one vCPU per worker)"
            )
        if self.profile not in PROFILES:
            raise ValueError(f"loadProfile={self.profile!r} is not one of {', '.join(PROFILES)}")
        reserved = sorted({arg.split("=", 1)[0] for arg in self.arguments} & RESERVED_OPTIONS)
        if reserved:
            raise ValueError(f"loadArgs may not set {', '.join(reserved)}: the stack sets them")

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> LoadSettings:
        defaults = cls()
        read = Context(get)
        return cls(
            workers=read.number("loadWorkers", defaults.workers),
            cpu=read.number("loadCpu", defaults.cpu),
            memory=read.number("loadMemory", defaults.memory),
            profile=read.text("loadProfile", defaults.profile),
            arguments=tuple(shlex.split(read.text("loadArgs", ""))),
            image=read.optional("loadImage"),
        )
