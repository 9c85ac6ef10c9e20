"""A statement compiled once for a dialect: its SQL, and how to turn values into arguments.

Built from SQLAlchemy Core with named bind parameters; each execution only binds values,
in placeholder order, through the bind processors SQLAlchemy chose for their types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled


@dataclass(frozen=True)
class Prepared:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    # Values fixed in the statement itself (`version=1`), used when a call gives none.
    constants: Mapping[str, Any]
    # INSERT, UPDATE or DELETE: it needs the write lock.
    writes: bool

    @classmethod
    def of(cls, compiled: Compiled, sql: str, names: Sequence[str]) -> Prepared:
        processors = compiled._bind_processors  # type: ignore[attr-defined]
        # _check=False: parameters without a value (given per call) are left as None.
        params = compiled.construct_params(_check=False)  # type: ignore[call-arg]
        constants = {name: value for name, value in (params or {}).items() if value is not None}
        writes = bool(compiled.isinsert or compiled.isupdate or compiled.isdelete)  # type: ignore[attr-defined]
        return cls(
            sql, tuple(names), tuple(processors.get(name) for name in names), constants, writes
        )

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        args = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = values[name] if name in values else self.constants[name]
            args.append(value if process is None or value is None else process(value))
        return args


class RunsPrepared(Protocol):
    """A connection of the project's backends: it runs prepared statements."""

    async def rows(self, prepared: Prepared, values: Mapping[str, Any]) -> list[Any]: ...

    async def changed(self, prepared: Prepared, values: Mapping[str, Any]) -> int: ...


class PreparesStatements(Protocol):
    """One of the project's backends: it prepares statements, and runs them outside any
    transaction (`short`: the statement may run on the event loop)."""

    def prepare(self, query: ClauseElement) -> Prepared: ...

    async def rows(
        self, prepared: Prepared, values: Mapping[str, Any], *, short: bool = True
    ) -> list[Any]: ...

    async def changed(self, prepared: Prepared, values: Mapping[str, Any]) -> int: ...
