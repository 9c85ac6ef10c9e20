"""The API's data shapes. Handlers validate with these; /openapi.json is generated from them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
)
from pydantic.alias_generators import to_camel

from todo_async import pagination
from todo_async.accounts.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from todo_async.database.tables import (
    CATEGORY_MAX_LENGTH,
    DEFAULT_TOKEN_DAYS,
    ORDER_LIMIT,
    TITLE_MAX_LENGTH,
    TOKEN_NAME_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
)

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
# A calendar date, exactly YYYY-MM-DD (strict: no time, no timestamp).
Due = dt.date

TITLE_DOC = "What is to be done; surrounding white space is trimmed."
CATEGORY_DOC = "A label to group todos by; empty or null means none."
ORDER_DOC = "Sort position, lower first; todos without one come last, oldest first."
DUE_DOC = "The calendar day it is due (YYYY-MM-DD, no time or zone); null for none."


class _Input(BaseModel):
    # Strict: "true" is not a boolean and "3" is not a number; unknown fields are errors.
    model_config = ConfigDict(extra="forbid", strict=True)


class TodoCreate(_Input):
    title: Title = Field(description=TITLE_DOC)
    category: Category = Field(default=None, description=CATEGORY_DOC)
    completed: bool = False
    order: Order | None = Field(default=None, description=ORDER_DOC)
    due: Due | None = Field(default=None, description=DUE_DOC)


class TodoPatch(_Input):
    """Only the fields present change; title and completed may be left out, but not null."""

    title: Title | MISSING = Field(default=MISSING, description=TITLE_DOC)
    category: Category | MISSING = Field(default=MISSING, description=CATEGORY_DOC)
    completed: bool | MISSING = MISSING
    order: Order | MISSING | None = Field(default=MISSING, description=ORDER_DOC)
    due: Due | MISSING | None = Field(default=MISSING, description=DUE_DOC)


class ExportedTodo(BaseModel):
    id: int
    title: str
    category: str | None
    completed: bool
    order: int | None
    due: dt.date | None = Field(description=DUE_DOC)
    created_at: dt.datetime
    updated_at: dt.datetime


class Todo(ExportedTodo):
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


def _query_date(value: object) -> object:
    # Only YYYY-MM-DD: lax parsing would also take a datetime or a Unix time.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("Not a date of the form YYYY-MM-DD")
    return value


QueryDate = Annotated[dt.date, BeforeValidator(_query_date)]
# An IANA time zone name's characters ("America/Argentina/Buenos_Aires", "Etc/GMT+5").
TIME_ZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+/-]{0,63}$"
DueView = Literal["today", "overdue", "upcoming", "none"]


class ListQuery(TodoFilter):
    limit: Annotated[int, Field(ge=1, le=1000, description="Page size.")] = 100
    cursor: Annotated[str, StringConstraints(pattern=pagination.PATTERN)] | MISSING = Field(
        default=MISSING,
        description="Opaque: where the page starts, as given in a Link rel=next URL.",
    )
    due: DueView | MISSING = Field(
        default=MISSING,
        description="today: due today; overdue: open and due before today; upcoming: due"
        " after today; none: no due date. Today is the date in `tz`.",
    )
    due_before: QueryDate | MISSING = Field(
        default=MISSING, description="Only todos due before this date (exclusive)."
    )
    due_after: QueryDate | MISSING = Field(
        default=MISSING, description="Only todos due after this date (exclusive)."
    )
    tz: Annotated[str, StringConstraints(pattern=TIME_ZONE_PATTERN)] | MISSING = Field(
        default=MISSING,
        # The zones this machine knows, for clients and generated tests to pick from.
        json_schema_extra={"enum": list[JsonValue](sorted(available_timezones()))},
        description="The IANA time zone `due` takes today in (as a browser's"
        " Intl.DateTimeFormat().resolvedOptions().timeZone); UTC if left out. An unknown"
        " one is a 400.",
    )
    sort: Literal["list", "due"] = Field(
        default="list",
        description="list: the list's order (`order`, then oldest first); due: by due date,"
        " those without one last, then in list order.",
    )


# Row ids are positive 64-bit integers; any other id names no todo (or token).
TodoId = Annotated[int, Field(ge=1, le=2**63 - 1)]
TokenId = TodoId

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


USERNAME_MIN_LENGTH = 3
# Names that read the same in a URL, a log line and a shell; compared and stored lowercased.
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

Username = Annotated[
    str,
    StringConstraints(
        min_length=USERNAME_MIN_LENGTH, max_length=USERNAME_MAX_LENGTH, pattern=USERNAME_PATTERN
    ),
    AfterValidator(str.lower),
    Field(description="Letters, digits, and `_ . -` after the first; case does not matter."),
]
Password = Annotated[
    str,
    StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH),
]
TokenName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=TOKEN_NAME_MAX_LENGTH, pattern=TITLE_PATTERN),
    AfterValidator(str.strip),
    Field(description="What the token is for, to tell it apart when revoking it."),
]


class SignUp(_Input):
    username: Username
    password: Password


class SignIn(_Input):
    """The password is not held to today's rules: an account made under older ones signs in.
    The username is: no stored name breaks them, and text a database refuses (a NUL byte
    in PostgreSQL) must not reach the lookup."""

    username: Annotated[
        str,
        StringConstraints(max_length=USERNAME_MAX_LENGTH, pattern=USERNAME_PATTERN),
        AfterValidator(str.lower),
    ]
    password: Annotated[str, StringConstraints(max_length=PASSWORD_MAX_LENGTH)]


# The bound on the lifetime a request may ask for; TOKEN_MAX_DAYS may set a lower one,
# which the served OpenAPI document then names.
TOKEN_DAYS_LIMIT = 3650


class TokenCreate(_Input):
    name: TokenName
    expires_in_days: int = Field(
        default=DEFAULT_TOKEN_DAYS,
        ge=1,
        le=TOKEN_DAYS_LIMIT,
        alias="expiresInDays",
        description="Days until the token stops working (at most the service's maximum).",
    )


class PasswordChange(_Input):
    current_password: Annotated[str, StringConstraints(max_length=PASSWORD_MAX_LENGTH)] = Field(
        alias="currentPassword"
    )
    new_password: Password = Field(alias="newPassword")


class AccountDeletion(_Input):
    password: Annotated[str, StringConstraints(max_length=PASSWORD_MAX_LENGTH)]


class _Output(BaseModel):
    # The accounts API names its fields in camelCase, as the page and most API clients do.
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True
    )


class Account(_Output):
    username: str
    created_at: dt.datetime


class SessionState(_Output):
    username: str | None = Field(description="Who is signed in; null in open mode.")
    mode: Literal["open", "accounts"] = Field(
        description="open: one shared list, no sign-in; accounts: each user's own list."
    )


class Token(_Output):
    id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None = Field(
        description="When a request last came with it (to the minute); null if never."
    )


class Export(_Output):
    username: str
    exported_at: dt.datetime
    todos: list[ExportedTodo] = Field(description="Every todo, in list order.")


class NewToken(Token):
    token: str = Field(description="The secret, shown this once: send it as Bearer.")


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
    line: int | None = Field(
        default=None, description="An import's first bad line (CSV, todo.txt; from 1)."
    )
    item: int | None = Field(
        default=None, description="An import's first bad item (JSON array; from 0)."
    )


class ImportResult(BaseModel):
    created: int = Field(description="Todos the file added.")
    skipped: int = Field(description="Todos an earlier import of the same lines already added.")


class ExportQuery(_Query):
    format: Literal["json", "csv"] = Field(
        default="json",
        description="json: an array of todos as the API gives them; csv: one row each.",
    )


class ImportedTodo(TodoCreate):
    """A todo as an import reads it: an exported todo's own fields are read and left out."""

    model_config = ConfigDict(extra="forbid", strict=True)
    # Whatever they hold: an import reads them and leaves them out.
    id: JsonValue = None
    url: JsonValue = None
    created_at: JsonValue = None
    updated_at: JsonValue = None
