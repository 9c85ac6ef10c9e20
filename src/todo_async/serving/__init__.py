"""Where the service departs from stock Starlette, uvicorn, logging and `databases`, for speed.

Each module overrides one thing, says what and why, and is registered where the stock
part would be: the rest of the code reads as plain Starlette.

- `joined_writes`: a connection's writes of one loop turn go out as one send (uvicorn's
  `http` protocol class, in `todo_async.cli`).
- `gc_freeze`: what start-up built is left out of garbage collections (`todo_async.app`'s
  lifespan).
- `endpoint`: `HTTPEndpoint` with its allowed methods found once per class (the endpoints'
  base class).
- `cors`: Starlette's CORS middleware, short for requests without an Origin
  (`todo_async.app`'s middleware).
- `access_log`: the access log written once per loop turn (`RequestLogMiddleware`,
  `todo-async serve`).
- `url_for`: a route's URL kept per origin (the todos' URLs).
- `query_cache`: what is made from a query string kept per query string (query
  validation, the next-page link).
- `statement_cache`: each statement shape compiled once (both database backends).
- `sqlite_loop_reads`: short SQLite reads on the event loop's own read-only connection
  (the SQLite backend).
- `pool_reset`: PostgreSQL connections handed back to the pool without a reset (the
  PostgreSQL backend).

What `databases` keeps private and the storage layer uses all the same is in one module,
`todo_async.database.databases_internals`.
"""
