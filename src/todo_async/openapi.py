"""The OpenAPI 3.1 document, generated from the schema models the handlers validate with."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from todo_async.accounts.credentials import SECURE_SESSION_COOKIE, SESSION_COOKIE
from todo_async.schemas import (
    TOKEN_DAYS_LIMIT,
    Account,
    AccountDeletion,
    CategorySummary,
    Deleted,
    Export,
    ExportQuery,
    IfMatch,
    ImportedTodo,
    ImportResult,
    ListQuery,
    NewToken,
    PasswordChange,
    ProblemDetails,
    SessionState,
    SignIn,
    SignUp,
    Status,
    Todo,
    TodoCreate,
    TodoFilter,
    TodoId,
    TodoPatch,
    Token,
    TokenCreate,
    TokenId,
)

REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


REASONS = {
    400: "Malformed JSON, or an If-Match that is empty or not HTTP's syntax",
    401: "No valid credentials: a token (Authorization: Bearer) or the session cookie",
    403: "Cross-site request: an unsafe request without a token must come from this site",
    404: "No such todo",
    409: "The username is taken",
    412: "If-Match does not match the current ETag",
    413: "Body over 64 KiB",
    415: "Body not JSON (application/json, or merge-patch+json), or not UTF-8",
    422: "Invalid fields or query parameters, each named",
    429: "Too many attempts: failed sign-ins for this account, from this address or this"
    " device, or sign-ups from this address or to the whole service",
    503: "The database is unavailable or busy for a moment (nothing was stored): retry after"
    " Retry-After",
    507: "The database has no room to store this change (nothing was stored): retry after"
    " Retry-After",
}
CHALLENGE_HEADER = {
    "WWW-Authenticate": {
        "description": "The scheme and realm to authenticate with",
        "required": True,
        "schema": {"type": "string"},
    }
}
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds until another attempt may be made",
        "required": True,
        "schema": {"type": "string", "pattern": "^[1-9][0-9]*$"},
    }
}
STORAGE_RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before sending the request again",
        "required": True,
        "schema": {"type": "string", "pattern": "^[1-9][0-9]*$"},
    }
}
_PROBLEM_HEADERS = {
    401: CHALLENGE_HEADER,
    429: RETRY_AFTER_HEADER,
    503: STORAGE_RETRY_AFTER_HEADER,
    507: STORAGE_RETRY_AFTER_HEADER,
}


def _problems(*statuses: int, **reasons: str) -> dict[str, Any]:
    """Problem answers; a reason given as s404="..." replaces the usual one."""
    answers = {}
    for status in statuses:
        answer: dict[str, Any] = {
            "description": reasons.get(f"s{status}", REASONS[status]),
            "content": {PROBLEM: {"schema": _ref(ProblemDetails)}},
        }
        if status in _PROBLEM_HEADERS:
            answer["headers"] = _PROBLEM_HEADERS[status]
        answers[str(status)] = answer
    return answers


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    # Each parameter may be left out; none is ever null.
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": field.pop("description", ""),
            "schema": field,
        }
        for name, field in schema["properties"].items()
    ]


def _body(
    model: type[BaseModel], media_types: tuple[str, ...] = ("application/json",)
) -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": _ref(model)} for media in media_types}}


ID_PARAMETER = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": TypeAdapter[int](TodoId).json_schema(),
}
IF_MATCH_SCHEMA = TypeAdapter[str](IfMatch).json_schema()
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": IF_MATCH_SCHEMA.pop("description"),
    "schema": IF_MATCH_SCHEMA,
}
ETAG_HEADER = {
    "ETag": {
        "description": "The todo's version, for If-Match",
        "required": True,
        "schema": {"type": "string", "pattern": '^"v[0-9]+"$'},
    }
}
LOCATION_HEADER = {
    "Location": {
        "description": "The new todo's URL",
        "required": True,
        "schema": {"type": "string", "format": "uri"},
    }
}
ATTACHMENT_HEADER = {
    "Content-Disposition": {
        "description": "attachment, with the file's name",
        "required": True,
        "schema": {"type": "string", "pattern": "^attachment; "},
    }
}
LINK_HEADER = {
    "Link": {
        "description": 'The next page\'s URL, rel="next"; absent on the last page',
        "required": False,
        "schema": {"type": "string", "pattern": '^<[^>]+>; rel="next"$'},
    }
}


# What a client can do next with a todo it was given: its id, and its ETag for If-Match.
_THIS_TODO = {"id": "$response.body#/id"}
_THIS_VERSION = {**_THIS_TODO, "header.If-Match": "$response.header.ETag"}
ITEM_LINKS = {
    "GetTodo": {"operationId": "getTodo", "parameters": _THIS_TODO},
    "PatchTodo": {"operationId": "patchTodo", "parameters": _THIS_VERSION},
    "DeleteTodo": {"operationId": "deleteTodo", "parameters": _THIS_VERSION},
}


# Described as the API writes them (aliases, defaults filled in), or as it reads them; for
# the rest both forms agree.
SERIALIZED = (Todo, CategorySummary, SessionState)
VALIDATED = (TodoCreate, TodoPatch, Deleted, Status, ProblemDetails, ImportedTodo, ImportResult)
ACCOUNTS_SERIALIZED = (Account, Token, NewToken, Export)
ACCOUNTS_VALIDATED = (SignUp, SignIn, TokenCreate, PasswordChange, AccountDeletion)

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal access token from POST /api/tokens",
    },
    "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": (
            f"The session POST /api/session starts (the web page's); over HTTPS the cookie "
            f"is {SECURE_SESSION_COOKIE}"
        ),
    },
}
# Either credential will do.
SIGNED_IN: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"cookieAuth": []}]
UNSAFE_METHODS = ("post", "patch", "delete")


def _session_state(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    no_store = {"Cache-Control": {"required": True, "schema": {"const": "no-store"}}}
    return {**_json(_ref(SessionState), description), "headers": {**no_store, **(headers or {})}}


def _open_session() -> dict[str, Any]:
    return {
        "get": {
            "operationId": "getSession",
            "summary": "Who is signed in, and the mode (open: no one ever is)",
            "responses": {"200": _json(_ref(SessionState), "The mode")},
        }
    }


# A password checked again: as sign-in, within the guess budget, and the hashing queue.
BUSY = "Too many passwords being checked at once: try again in a moment"
SESSION_ONLY = "Only a signed-in session (the cookie) may do this, not a token; or cross-site"
NO_STORE = {"Cache-Control": {"required": True, "schema": {"const": "no-store"}}}


def _busy() -> dict[str, Any]:
    return _problems(503, s503=BUSY)


def _account_paths() -> dict[str, Any]:
    no_content = {"description": "Done"}
    password_checked = _problems(
        400, 401, 403, 413, 415, 422, 429, s401="Wrong password", s403=SESSION_ONLY
    )
    return {
        "/api/account": {
            "get": {
                "operationId": "getAccount",
                "summary": "Your account: its name and when it was made",
                "responses": {"200": _json(_ref(Account), "Your account"), **_problems(401)},
            },
            "delete": {
                "operationId": "deleteAccount",
                "summary": "Delete your account, with every todo, session and token of it",
                "requestBody": _body(AccountDeletion),
                "responses": {"204": no_content, **password_checked, **_busy()},
            },
        },
        "/api/account/password": {
            "put": {
                "operationId": "changePassword",
                "summary": "Change your password: every other session and every token ends",
                "requestBody": _body(PasswordChange),
                "responses": {"204": no_content, **password_checked, **_busy()},
            }
        },
        "/api/account/sessions": {
            "delete": {
                "operationId": "signOutEverywhere",
                "summary": "End every session of yours, this one included",
                "responses": {"204": no_content, **_problems(401, 403, s403=SESSION_ONLY)},
            }
        },
        "/api/account/export": {
            "get": {
                "operationId": "exportTodos",
                "summary": "Every todo of yours, as one JSON document",
                "responses": {
                    "200": {**_json(_ref(Export), "Your todos"), "headers": NO_STORE},
                    **_problems(401),
                },
            }
        },
    }


def _accounts_paths() -> dict[str, Any]:
    token_id = {**ID_PARAMETER, "schema": TypeAdapter[int](TokenId).json_schema()}
    set_cookie = {
        "Set-Cookie": {
            "description": (
                f"{SESSION_COOKIE}=...; HttpOnly; SameSite=Strict; Path=/ (over HTTPS: "
                f"{SECURE_SESSION_COOKIE}=...; Secure; HttpOnly; SameSite=Strict; Path=/)"
            ),
            "required": True,
            "schema": {"type": "string"},
        }
    }
    return {
        "/api/users": {
            "post": {
                "operationId": "signUp",
                "summary": "Make an account (unless sign-up is closed)",
                "security": [],
                "requestBody": _body(SignUp),
                "responses": {
                    "201": _json(_ref(Account), "The account; sign in to use it"),
                    **_problems(400, 403, 409, 413, 415, 422, 429, s403="Sign-up is closed"),
                    **_busy(),
                },
            }
        },
        "/api/session": {
            "get": {
                "operationId": "getSession",
                "summary": "Who is signed in",
                "responses": {
                    "200": _session_state("The signed-in user"),
                    **_problems(401),
                },
            },
            "post": {
                "operationId": "signIn",
                "summary": "Sign in: start a session, held by a cookie",
                "security": [],
                "requestBody": _body(SignIn),
                "responses": {
                    "200": _session_state("Signed in", set_cookie),
                    **_problems(
                        400, 401, 403, 413, 415, 422, 429, s401="Wrong username or password"
                    ),
                    **_busy(),
                },
            },
            "delete": {
                "operationId": "signOut",
                "summary": "Sign out: end the cookie's session (if any) and clear the cookie",
                "security": [],
                "responses": {"204": {"description": "Signed out"}, **_problems(403)},
            },
        },
        "/api/tokens": {
            "get": {
                "operationId": "listTokens",
                "summary": "Your tokens: names, expiries, last use (a secret is shown only once)",
                "responses": {
                    "200": _json({"type": "array", "items": _ref(Token)}, "Your tokens"),
                    **_problems(401),
                },
            },
            "post": {
                "operationId": "createToken",
                "summary": "Make a token (from a session); its secret is in this answer only",
                "requestBody": _body(TokenCreate),
                "responses": {
                    "201": {
                        **_json(_ref(NewToken), "The token, with its secret"),
                        "headers": {
                            "Location": {**LOCATION_HEADER["Location"], "description": "Its URL"}
                        },
                    },
                    **_problems(
                        400,
                        401,
                        403,
                        409,
                        413,
                        415,
                        422,
                        s403=SESSION_ONLY,
                        s409="You hold as many tokens as one may: revoke one first",
                    ),
                },
            },
        },
        "/api/tokens/{id}": {
            "parameters": [token_id],
            "delete": {
                "operationId": "revokeToken",
                "summary": "Revoke a token",
                "responses": {
                    "204": {"description": "Revoked"},
                    **_problems(401, 403, 404, s404="You have no such token"),
                },
            },
        },
    }


def _require_credentials(paths: dict[str, Any]) -> None:
    """Each todo and category operation answers 401 without credentials, and refuses an
    unsafe request from another site when it is not made with a token."""
    for path, item in paths.items():
        if not path.startswith(("/api/todos", "/api/categories")):
            continue
        for method, operation in item.items():
            if method == "parameters":
                continue
            statuses = (401, 403) if method in UNSAFE_METHODS else (401,)
            operation["responses"].update(_problems(*statuses))


def _storage_failures(paths: dict[str, Any]) -> None:
    """Each API operation may meet the database failing: 503, and for a change 507."""
    for path, item in paths.items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            if method == "parameters":
                continue
            statuses = (503, 507) if method in UNSAFE_METHODS else (503,)
            busy = operation["responses"].get("503", {}).get("description") == BUSY
            operation["responses"].update(_problems(*statuses))
            if busy:
                # A password to hash: the queue may be full as well as the database busy.
                operation["responses"]["503"]["description"] = f"{BUSY}; or {REASONS[503]}"


def build_openapi(accounts: bool = False, token_max_days: int = TOKEN_DAYS_LIMIT) -> dict[str, Any]:
    """The document for open mode, or (`accounts`) for accounts mode, where a token lives
    at most `token_max_days`."""
    serialized: tuple[type[BaseModel], ...] = SERIALIZED
    validated: tuple[type[BaseModel], ...] = VALIDATED
    if accounts:
        serialized += ACCOUNTS_SERIALIZED
        validated += ACCOUNTS_VALIDATED
    _, definitions = models_json_schema(
        [(model, "serialization") for model in serialized]
        + [(model, "validation") for model in validated],
        ref_template=REF,
    )
    todo_response = {
        **_json(_ref(Todo), "The todo"),
        "headers": ETAG_HEADER,
        "links": ITEM_LINKS,
    }
    paths: dict[str, Any] = {
        "/api/todos": {
            "get": {
                "operationId": "listTodos",
                "summary": "List todos in order, a page at a time",
                "parameters": _query_parameters(ListQuery),
                "responses": {
                    "200": {
                        **_json({"type": "array", "items": _ref(Todo)}, "A page of todos"),
                        "headers": LINK_HEADER,
                    },
                    **_problems(400, 422, s400="An unknown time zone in `tz`"),
                },
            },
            "post": {
                "operationId": "createTodo",
                "summary": "Create a todo",
                "requestBody": _body(TodoCreate),
                "responses": {
                    "201": {
                        **todo_response,
                        "headers": {**ETAG_HEADER, **LOCATION_HEADER},
                    },
                    **_problems(400, 413, 415, 422),
                },
            },
            "delete": {
                "operationId": "deleteTodos",
                "summary": "Delete all todos, or those matching the filters",
                "parameters": _query_parameters(TodoFilter),
                "responses": {"200": _json(_ref(Deleted), "How many went"), **_problems(422)},
            },
        },
        "/api/todos/export": {
            "get": {
                "operationId": "exportTodos",
                "summary": "Every todo as a file to download: JSON (as listed) or CSV",
                "parameters": _query_parameters(ExportQuery),
                "responses": {
                    "200": {
                        "description": "The file, as an attachment",
                        "headers": ATTACHMENT_HEADER,
                        "content": {
                            "application/json": {"schema": {"type": "array", "items": _ref(Todo)}},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    **_problems(422),
                },
            },
        },
        "/api/todos/import": {
            "post": {
                "operationId": "importTodos",
                "summary": "Add the todos of a file (JSON, CSV, todo.txt): all or none",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": _ref(ImportedTodo)}
                        },
                        "text/csv": {"schema": {"type": "string"}},
                        "text/plain": {"schema": {"type": "string"}},
                    },
                },
                "responses": {
                    "201": _json(_ref(ImportResult), "Todos were added"),
                    "200": _json(_ref(ImportResult), "Every todo was there from before"),
                    **_problems(
                        413,
                        415,
                        422,
                        s413="File over IMPORT_MAX_BYTES",
                        s415="Not application/json, text/csv or text/plain",
                        s422="The first bad line (`line`) or JSON item (`item`), and why;"
                        " nothing was imported",
                    ),
                },
            },
        },
        "/api/todos/{id}": {
            "parameters": [ID_PARAMETER],
            "get": {
                "operationId": "getTodo",
                "summary": "Read one todo",
                "responses": {"200": todo_response, **_problems(404)},
            },
            "patch": {
                "operationId": "patchTodo",
                "summary": "Change some fields of a todo",
                "parameters": [IF_MATCH],
                "requestBody": _body(
                    TodoPatch, ("application/json", "application/merge-patch+json")
                ),
                "responses": {"200": todo_response, **_problems(400, 404, 412, 413, 415, 422)},
            },
            "delete": {
                "operationId": "deleteTodo",
                "summary": "Delete a todo",
                "parameters": [IF_MATCH],
                "responses": {"204": {"description": "Deleted"}, **_problems(400, 404, 412)},
            },
        },
        "/api/categories": {
            "get": {
                "operationId": "listCategories",
                "summary": "Categories with their open and completed counts",
                "responses": {
                    "200": _json({"type": "array", "items": _ref(CategorySummary)}, "Categories")
                },
            },
        },
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "Liveness: the process serves",
                "responses": {"200": _json(_ref(Status), "Serving")},
            }
        },
        "/ready": {
            "get": {
                "operationId": "ready",
                "summary": "Readiness: the database answers",
                "responses": {"200": _json(_ref(Status), "Ready"), **_problems(503)},
            }
        },
        "/api/session": _open_session(),
    }
    _storage_failures(paths)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "todo-async", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": definitions["$defs"]},
    }
    if accounts:
        _require_credentials(paths)
        paths.update(_accounts_paths())
        paths.update(_account_paths())
        paths["/api/todos"]["post"]["responses"].update(
            _problems(409, s409="You hold as many todos as one may (TODOS_PER_USER)")
        )
        paths["/api/todos/import"]["post"]["responses"].update(
            _problems(409, s409="The file would take you past TODOS_PER_USER todos")
        )
        lifetime = document["components"]["schemas"]["TokenCreate"]["properties"]["expiresInDays"]
        lifetime["maximum"] = min(token_max_days, TOKEN_DAYS_LIMIT)
        _storage_failures(paths)
        for public in ("/health", "/ready"):
            paths[public]["get"]["security"] = []
        document["security"] = SIGNED_IN
        document["components"]["securitySchemes"] = SECURITY_SCHEMES
    return document
