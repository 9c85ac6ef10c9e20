"""A statement compiled once for a dialect: its SQL, and how to turn values into arguments.

Built from SQLAlchemy Core with named bind parameters; each execution only binds values,
in placeholder order, through the bind processors SQLAlchemy chose for their types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql.compiler import Compiled


@dataclass(frozen=True)
class Prepared:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    # Values fixed in the statement itself (`version=1`), used when a call gives none.
    constants: Mapping[str, Any]

    @classmethod
    def of(cls, compiled: Compiled, sql: str, names: Sequence[str]) -> Prepared:
        processors = compiled._bind_processors  # type: ignore[attr-defined]
        # _check=False: parameters without a value (given per call) are left as None.
        params = compiled.construct_params(_check=False)  # type: ignore[call-arg]
        constants = {name: value for name, value in (params or {}).items() if value is not None}
        return cls(sql, tuple(names), tuple(processors.get(name) for name in names), constants)

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        args = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = values[name] if name in values else self.constants[name]
            args.append(value if process is None or value is None else process(value))
        return args
