"""Typed reads of CDK context.

Values given with `-c key=value` arrive as strings, values from `cdk.json` keep their JSON
type, so every reader accepts both, and names the key in the error for a bad value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Context:
    def __init__(self, get: Callable[[str], Any]) -> None:
        self._get = get

    def text(self, key: str, default: str) -> str:
        value = self._get(key)
        return default if value is None else str(value).strip()

    def optional(self, key: str) -> str | None:
        return self.text(key, "") or None

    def number(self, key: str, default: int) -> int:
        value = self._get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise ValueError(f"context {key}={value!r} is not a whole number")
        return int(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered not in {"true", "false"}:
            raise ValueError(f"context {key}={value!r} is not true or false")
        return lowered == "true"

    def id_list(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        items = value if isinstance(value, list) else str(value or "").split(",")
        return tuple(str(item).strip() for item in items if str(item).strip())
