"""One blue/green deployment's state, as ECS keeps it: which target group is blue (serving)
and which green (the new revision), when production moved, and what may roll it back."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from .spec import ServiceSpec


def circuit_breaker_threshold(desired_count: int) -> int:
    """ECS's deployment circuit breaker: half the desired count of tasks failing to start or
    get healthy, at least 3 and at most 200."""
    return min(200, max(3, math.ceil(desired_count / 2)))


@dataclass
class BlueGreenDeployment:
    generation: int
    blue_generation: int
    blue_spec: ServiceSpec  # what a rollback returns to
    blue_group: str
    green_group: str
    bake_seconds: int
    started: float = field(default_factory=time.time)  # Unix time: alarms' clock
    shifted: float | None = None  # monotonic time production moved to green
    failures: int = 0  # green tasks that failed to start or get healthy

    def fired(self, alarms: dict[str, tuple[str, float]]) -> str | None:
        """A deployment alarm that went to ALARM since the deployment started. One already in
        ALARM before it does not count: the deployment may be what clears it."""
        for name, (state, changed) in alarms.items():
            if state == "ALARM" and changed >= self.started:
                return name
        return None
