"""The garbage collector while serving: what start-up built is left out of collections.

Start-up leaves tens of thousands of objects that live as long as the process
(SQLAlchemy's tables and compiled statements, pydantic's schemas, Starlette's routes).
Under load the requests in flight outlive the young generations' collections, so the
oldest generation is collected every few hundred requests, and each of those walked
every object with the event loop stopped: 40-60 ms, most of a list request's p99.
Frozen, those objects are skipped by every collection (reference counting still frees
them); unfrozen again at shutdown, so that an app started and stopped many times in
one process (the tests) keeps nothing frozen.

Overrides: CPython's default, a full collection that walks every tracked object.
Entered around the serving part of the lifespan in `todo_async.app`.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def start_up_objects_frozen() -> Iterator[None]:
    # Collect first: what start-up left as garbage is freed, not frozen.
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
