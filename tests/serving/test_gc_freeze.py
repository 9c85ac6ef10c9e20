"""While the app serves, what start-up built is left out of garbage collections."""

from __future__ import annotations

import gc

import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from todo_async.app import create_app
from todo_async.settings import Settings


@pytest.fixture
def nothing_frozen() -> None:
    gc.unfreeze()


def collected() -> set[int]:
    """The objects collections look at (frozen ones are not among them)."""
    return {id(item) for item in gc.get_objects()}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_start_up_objects_are_frozen_while_serving(
    nothing_frozen: None, app: Starlette
) -> None:
    looked_at = collected()
    assert id(app.router) not in looked_at
    assert id(app.state.repository) not in looked_at


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_nothing_stays_frozen_once_the_app_has_stopped(
    nothing_frozen: None, settings: Settings
) -> None:
    app = create_app(settings)
    async with LifespanManager(app):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    assert id(app.router) in collected()
