"""The API's data shapes. Handlers validate with these; /openapi.json is generated from them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from todo_async.database.tables import CATEGORY_MAX_LENGTH, ORDER_LIMIT, TITLE_MAX_LENGTH


def _printable(value: str) -> str:
    # NUL cannot be stored in PostgreSQL text, and no other control character
    # belongs in a one-line title or category.
    if any(ord(char) < 32 and char not in "\t" for char in value):
        raise ValueError("must not contain control characters")
    return value


def _none_if_empty(value: str | None) -> str | None:
    return value or None


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH),
    AfterValidator(_printable),
]
CategoryName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=CATEGORY_MAX_LENGTH),
    AfterValidator(_printable),
]
Category = Annotated[CategoryName | None, AfterValidator(_none_if_empty)]
Order = Annotated[int, Field(ge=-ORDER_LIMIT, le=ORDER_LIMIT)]

TITLE_DOC = "What is to be done; surrounding white space is trimmed."
CATEGORY_DOC = "A label to group todos by; empty or null means none."
ORDER_DOC = "Sort position, lower first; todos without one come last, oldest first."


class _Input(BaseModel):
    # Strict: "true" is not a boolean and "3" is not a number; unknown fields are errors.
    model_config = ConfigDict(extra="forbid", strict=True)


class TodoCreate(_Input):
    title: Title = Field(description=TITLE_DOC)
    category: Category = Field(default=None, description=CATEGORY_DOC)
    completed: bool = False
    order: Order | None = Field(default=None, description=ORDER_DOC)


class TodoPatch(_Input):
    """Only the fields present change; title and completed may not be null."""

    title: Title | None = Field(default=None, description=TITLE_DOC)
    category: Category = Field(default=None, description=CATEGORY_DOC)
    completed: bool | None = None
    order: Order | None = Field(default=None, description=ORDER_DOC)

    @field_validator("title", "completed", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only for fields present in the body: absent is fine, null is not.
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class Todo(BaseModel):
    id: int
    title: str
    category: str | None
    completed: bool
    order: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    url: str = Field(description="This todo's absolute URL.")


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


CompletedFilter = Annotated[
    Literal["true", "false"] | None,
    Field(description="Only completed (true) or only open (false) todos."),
]
CategoryFilter = Annotated[
    str | None,
    StringConstraints(strip_whitespace=True, max_length=CATEGORY_MAX_LENGTH),
    Field(description="Only todos in this category; empty for those without one."),
]


class TodoFilter(_Query):
    completed: CompletedFilter = None
    category: CategoryFilter = None


class ListQuery(TodoFilter):
    limit: Annotated[int, Field(ge=1, le=1000, description="Page size.")] = 100
    cursor: Annotated[
        str | None,
        Field(max_length=200, description="Where the page starts: from a Link rel=next."),
    ] = None


class CategorySummary(BaseModel):
    category: str | None = Field(description="The category; null for todos without one.")
    open: int
    completed: int


class Deleted(BaseModel):
    deleted: int = Field(description="How many todos were deleted.")


class FieldError(BaseModel):
    location: Literal["body", "query", "header"]
    field: str
    message: str
    type: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None
