"""`todo-async users`: accounts managed from the command line, whatever sign-up allows."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

from pydantic import ValidationError

from todo_async.accounts import events
from todo_async.accounts.export import export_document
from todo_async.accounts.passwords import PasswordHashing, hashing_from
from todo_async.accounts.store import AccountStore, User
from todo_async.database.engine import open_database
from todo_async.database.startup import LockWaitExpired, connect_and_migrate
from todo_async.problems import Problem
from todo_async.rendering import dumps
from todo_async.repository import TodoRepository
from todo_async.schemas import SignUp
from todo_async.settings import Settings

# Exit codes: done; the user named is taken or missing; the input is refused.
DONE, NOT_DONE, REFUSED = 0, 1, 2


def read_password(stdin: TextIO = sys.stdin) -> str:
    """Asked twice at a terminal (never echoed); the first line of a pipe otherwise."""
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise ValueError("the two passwords differ")
    return password


def _ask_add(args: argparse.Namespace) -> int | None:
    try:
        args.account = SignUp(username=args.name, password=read_password())
    except ValidationError as error:
        problem = Problem.invalid("body", error)
        print(problem.detail, file=sys.stderr)
        for item in problem.errors or []:
            print(f"  {item['field']}: {item['message']}", file=sys.stderr)
        return REFUSED
    except ValueError as error:
        print(error, file=sys.stderr)
        return REFUSED
    return None


@dataclass(frozen=True)
class Tools:
    """What the actions work with, on the configured database."""

    accounts: AccountStore
    repository: TodoRepository
    hashing: PasswordHashing


async def _add(tools: Tools, args: argparse.Namespace) -> int:
    account: SignUp = args.account
    accounts = tools.accounts
    user = await accounts.create_user(account.username, await tools.hashing.hash(account.password))
    if user is None:
        print(f"the username {account.username!r} is taken", file=sys.stderr)
        return NOT_DONE
    print(f"added {user.username}")
    if args.adopt_existing:
        adopted = await accounts.adopt_open_list(user.id)
        print(f"{adopted} todo(s) of the open list are theirs now")
    return DONE


async def _list(tools: Tools, args: argparse.Namespace) -> int:
    for user in await tools.accounts.users():
        print(f"{user.username}\t{user.created_at.isoformat(timespec='seconds')}")
    return DONE


def _ask_delete(args: argparse.Namespace) -> int | None:
    if args.yes:
        return None
    if not sys.stdin.isatty():
        print("deleting a user deletes their todos: confirm with --yes", file=sys.stderr)
        return REFUSED
    answer = input(f"Delete {args.name.lower()} and all their todos? [y/N] ")
    return None if answer.strip().lower() == "y" else NOT_DONE


async def _delete(tools: Tools, args: argparse.Namespace) -> int:
    name = args.name.lower()
    user = await _user(tools, name)
    if user is None or not await tools.accounts.delete_user(name):
        return NOT_DONE
    events.record("account_deleted", None, user.id)
    print(f"deleted {name}, with their todos, sessions and tokens")
    return DONE


def _ask_new_password(args: argparse.Namespace) -> int | None:
    try:
        args.password = SignUp(username="someone", password=read_password()).password
    except ValidationError as error:
        print(Problem.invalid("body", error).detail, file=sys.stderr)
        return REFUSED
    except ValueError as error:
        print(error, file=sys.stderr)
        return REFUSED
    return None


async def _user(tools: Tools, name: str) -> User | None:
    found = await tools.accounts.password_hash(name.lower())
    if found is None:
        print(f"there is no user {name.lower()!r}", file=sys.stderr)
        return None
    return found[0]


async def _password(tools: Tools, args: argparse.Namespace) -> int:
    user = await _user(tools, args.name)
    if user is None:
        return NOT_DONE
    await tools.accounts.change_password(user.id, await tools.hashing.hash(args.password), None)
    events.record("password_changed", None, user.id)
    print(f"changed the password of {user.username}: every session and token of theirs ended")
    return DONE


async def _sign_out(tools: Tools, args: argparse.Namespace) -> int:
    user = await _user(tools, args.name)
    if user is None:
        return NOT_DONE
    ended = await tools.accounts.end_sessions(user.id)
    events.record("signed_out_everywhere", None, user.id, sessions=ended)
    print(f"ended {ended} session(s) of {user.username}")
    return DONE


async def _export(tools: Tools, args: argparse.Namespace) -> int:
    user = await _user(tools, args.name)
    if user is None:
        return NOT_DONE
    document = await export_document(tools.repository, user.id, user.username)
    sys.stdout.buffer.write(dumps(document) + b"\n")
    return DONE


Ask = Callable[[argparse.Namespace], int | None]
Act = Callable[[Tools, argparse.Namespace], Awaitable[int]]
# Each action: what it asks at the terminal first (an exit code ends it there), then its work.
ACTIONS: dict[str, tuple[Ask, Act]] = {
    "add": (_ask_add, _add),
    "list": (lambda args: None, _list),
    "delete": (_ask_delete, _delete),
    "password": (_ask_new_password, _password),
    "sign-out": (lambda args: None, _sign_out),
    "export": (lambda args: None, _export),
}


def run(args: argparse.Namespace, settings: Settings) -> int:
    """The users action `args` names, on the configured database (migrated first)."""
    ask, action = ACTIONS[args.users_command]
    refused = ask(args)
    if refused is not None:
        return refused

    async def main() -> int:
        database = open_database(settings)
        try:
            await connect_and_migrate(database, settings.migration_lock_timeout)
            tools = Tools(AccountStore(database), TodoRepository(database), hashing_from(settings))
            return await action(tools, args)
        finally:
            await database.disconnect()

    try:
        return asyncio.run(main())
    except LockWaitExpired:
        return NOT_DONE  # the log says which lock
