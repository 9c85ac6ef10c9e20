"""Pass/fail limits on error ratio and latency percentiles, and what a breach says."""

from __future__ import annotations

from dataclasses import dataclass

from loadtest.measure import Window


@dataclass(frozen=True)
class Thresholds:
    max_error_ratio: float
    max_p95_ms: float
    max_p99_ms: float

    def describe(self) -> str:
        return (
            f"error ratio <= {self.max_error_ratio:.2%}, "
            f"p95 <= {self.max_p95_ms:g} ms, p99 <= {self.max_p99_ms:g} ms"
        )


@dataclass(frozen=True)
class Breach:
    """One limit that a measurement went past."""

    what: str
    actual: float
    limit: float
    unit: str

    def __str__(self) -> str:
        over = self.actual - self.limit
        if self.unit == "%":
            return (
                f"{self.what} {self.actual:.2%} > {self.limit:.2%} "
                f"(over by {over * 100:.2f} percentage points)"
            )
        text = (
            f"{self.what} {_number(self.actual)} {self.unit} > {_number(self.limit)} "
            f"{self.unit} (over by {_number(over)} {self.unit}"
        )
        if self.limit > 0:
            text += f", +{over / self.limit:.0%}"
        return text + ")"


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def check(window: Window, limits: Thresholds) -> list[Breach]:
    """Every limit in `limits` that `window` breaks; empty when all hold."""
    measured = [
        ("error ratio", window.error_ratio, limits.max_error_ratio, "%"),
        ("p95", window.p(0.95), limits.max_p95_ms, "ms"),
        ("p99", window.p(0.99), limits.max_p99_ms, "ms"),
    ]
    return [Breach(*item) for item in measured if item[1] > item[2]]
