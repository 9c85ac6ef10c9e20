"""Whose todos a request may see: the owner the authentication middleware puts in the scope."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.authentication import BaseUser
from starlette.requests import HTTPConnection

from todo_async.problems import Problem

# The realm a 401's WWW-Authenticate names: tokens and the session cookie both sign in to it.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="todo-async"'}


@dataclass(frozen=True, slots=True)
class Owner(BaseUser):
    """A user (or, in open mode, the one shared list) whose todos a request works on."""

    id: int
    username: str | None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.username or ""


# Open mode's single shared list: todos created before accounts existed belong to it too.
OPEN_LIST = Owner(0, None)


def owner_of(connection: HTTPConnection) -> Owner:
    """The request's owner, or 401 when it carries no valid credentials.

    Reads the scope directly: without the authentication middleware this fails (a
    KeyError, so a 500), never falls back to some list.
    """
    user = connection.scope["user"]
    if isinstance(user, Owner):
        return user
    raise Problem(401, "Sign in, or send a token: Authorization: Bearer ...", headers=CHALLENGE)
