"""Compile each statement shape once, as SQLAlchemy's own engine does.

`databases` compiles every statement anew, which costs more than the query itself on
a small table. SQLAlchemy's cache key identifies a statement's shape apart from its
bound values: the compiled form is kept per shape, and each execution only extracts
its values.

Overrides: the compile step of `databases`' connections (`_compile`), in both backends
(`todo_async.database.sqlite`, `todo_async.database.postgres`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import Compiled

Prepared = TypeVar("Prepared")

MAX_SHAPES = 512


class StatementCache(Generic[Prepared]):
    def __init__(self, dialect: Dialect, prepare: Callable[[Compiled], Prepared]) -> None:
        self.dialect = dialect
        self._prepare = prepare
        self._entries: dict[Any, tuple[Compiled, Prepared]] = {}

    def compile(self, query: ClauseElement) -> tuple[Compiled, Prepared, Mapping[str, Any]]:
        """The compiled statement, what `prepare` made of it, and this execution's values."""
        key = query._generate_cache_key()
        # IN lists expand into one placeholder per value: their SQL varies with the values.
        if key is None or any(param.expanding for param in key.bindparams):
            compiled = self._compile(query, None)
            return compiled, self._prepare(compiled), compiled.construct_params() or {}
        # The shape is `key.key`; the CacheKey itself also carries this execution's values.
        entry = self._entries.get(key.key)
        if entry is None:
            if len(self._entries) >= MAX_SHAPES:
                self._entries.clear()
            compiled = self._compile(query, key)
            entry = self._entries[key.key] = (compiled, self._prepare(compiled))
        compiled, prepared = entry
        params = compiled.construct_params(extracted_parameters=key.bindparams)
        return compiled, prepared, params or {}

    def _compile(self, query: ClauseElement, key: Any) -> Compiled:
        return query.compile(
            dialect=self.dialect, cache_key=key, compile_kwargs={"render_postcompile": True}
        )
