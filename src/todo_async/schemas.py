"""The API's data shapes. Handlers validate with these; /openapi.json is generated from them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from todo_async import pagination
from todo_async.database.tables import CATEGORY_MAX_LENGTH, ORDER_LIMIT, TITLE_MAX_LENGTH

# What str.strip() removes and the patterns below let through: tab and the Unicode spaces.
_SPACE = r"\t \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
# NUL cannot be stored in PostgreSQL text, and no other control character but tab belongs in
# a one-line title or category.
_CONTROL = r"\x00-\x08\x0A-\x1F"
TEXT_PATTERN = rf"^[^{_CONTROL}]*$"
# Some character that is neither space nor control: the title is not empty once trimmed.
TITLE_PATTERN = rf"^[{_SPACE}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"


def _none_if_empty(value: str | None) -> str | None:
    return value or None


def _integral(value: object) -> object:
    # JSON Schema counts 13561.0 and 1e3 as integers; so does the API. 1.5 stays a float.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Lengths and patterns apply to the text as sent, so the document's limits are exact;
# surrounding white space is trimmed afterwards.
Title = Annotated[
    str,
    StringConstraints(min_length=1, max_length=TITLE_MAX_LENGTH, pattern=TITLE_PATTERN),
    AfterValidator(str.strip),
]
CategoryName = Annotated[
    str,
    StringConstraints(max_length=CATEGORY_MAX_LENGTH, pattern=TEXT_PATTERN),
    AfterValidator(str.strip),
]
Category = Annotated[CategoryName | None, AfterValidator(_none_if_empty)]
Order = Annotated[int, Field(ge=-ORDER_LIMIT, le=ORDER_LIMIT), BeforeValidator(_integral)]

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
    """Only the fields present change; title and completed may be left out, but not null."""

    title: Title | MISSING = Field(default=MISSING, description=TITLE_DOC)
    category: Category | MISSING = Field(default=MISSING, description=CATEGORY_DOC)
    completed: bool | MISSING = MISSING
    order: Order | MISSING | None = Field(default=MISSING, description=ORDER_DOC)


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
    # A query parameter is a string or left out (MISSING); there is no null to send.
    model_config = ConfigDict(extra="forbid")


class TodoFilter(_Query):
    completed: Literal["true", "false"] | MISSING = Field(
        default=MISSING, description="Only completed (true) or only open (false) todos."
    )
    category: CategoryName | MISSING = Field(
        default=MISSING, description="Only todos in this category; empty for those without one."
    )


class ListQuery(TodoFilter):
    limit: Annotated[int, Field(ge=1, le=1000, description="Page size.")] = 100
    cursor: Annotated[str, StringConstraints(pattern=pagination.PATTERN)] | MISSING = Field(
        default=MISSING,
        description="Opaque: where the page starts, as given in a Link rel=next URL.",
    )


# Row ids are positive 64-bit integers; any other id names no todo.
TodoId = Annotated[int, Field(ge=1, le=2**63 - 1)]

_ENTITY_TAG = r'(?:W/)?"[\x21\x23-\x7E]*"'
# RFC 9110: `*` or a comma-separated list of entity tags, empty list elements allowed.
IF_MATCH_PATTERN = (
    rf"^[ \t]*(?:\*|(?:,[ \t]*)*{_ENTITY_TAG}(?:[ \t]*,(?:[ \t]*{_ENTITY_TAG})?)*)[ \t]*$"
)
IfMatch = Annotated[
    str,
    StringConstraints(pattern=IF_MATCH_PATTERN),
    Field(description="Only act if the todo still has one of these ETags, or exists (`*`)."),
]


class CategorySummary(BaseModel):
    category: str | None = Field(description="The category; null for todos without one.")
    open: int
    completed: int


class Status(BaseModel):
    status: str


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
