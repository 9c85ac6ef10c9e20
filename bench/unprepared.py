"""The service with asyncpg's statement cache off: every statement is parsed and planned
anew on each execution (an unnamed statement), never kept prepared on its connection.

A diagnostic variant for `python -m bench.workers --variants unprepared`, run as
`python -m bench.unprepared serve ...`; the service itself has no such setting.
"""

import functools

import asyncpg

from todo_async.cli import main

# `databases` calls asyncpg.create_pool by its module attribute, when the service connects.
asyncpg.create_pool = functools.partial(asyncpg.create_pool, statement_cache_size=0)

if __name__ == "__main__":
    raise SystemExit(main())
