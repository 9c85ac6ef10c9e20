"""Categories with how many of their todos are open and done."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from todo_async.accounts.identity import owner_of
from todo_async.rendering import JSONResponse
from todo_async.repository import TodoRepository


async def list_categories(request: Request) -> Response:
    owner = owner_of(request).id
    repository: TodoRepository = request.app.state.repository
    rows = await repository.categories(owner)
    return JSONResponse(
        [
            {"category": category, "open": int(open_), "completed": int(completed)}
            for category, open_, completed in rows
        ]
    )


routes = [Route("/api/categories", list_categories, methods=["GET"], name="categories")]
