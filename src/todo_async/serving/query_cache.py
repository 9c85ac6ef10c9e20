"""What is made from a query string kept per query string.

Clients repeat the same few query strings (a page size, a filter): validating one into
its model costs more than the query it filters, and so does re-encoding one for a Link
header. A function of the query string alone (with its result never changed) is wrapped
here; bounded, as a cursor makes every query string of a walk through the pages new.

Overrides: Starlette's and pydantic's work per request (`QueryParams`, model validation,
`URL.include_query_params`), for `todo_async.request_input.read_query` and the todos'
next-page link.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar, cast

QUERY_CACHE_SIZE = 1024

Function = TypeVar("Function", bound=Callable[..., object])


def per_query_string(function: Function) -> Function:
    return cast(Function, functools.lru_cache(maxsize=QUERY_CACHE_SIZE)(function))
