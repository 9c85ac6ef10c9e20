"""Security headers: on every response, enforced by the browser, and CORS still works."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Route as Intercepted
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from testbed.live_server import LiveServer
from testbed.serving import serving
from todo_async.middleware.security_headers import SecurityHeadersMiddleware

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


def policy(response: httpx.Response) -> dict[str, list[str]]:
    directives = [part.split() for part in response.headers["content-security-policy"].split(";")]
    return {name: values for name, *values in directives}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/static/app.js", 200),
        ("GET", "/api/todos", 200),
        ("POST", "/api/todos", 422),
        ("GET", "/api/todos/999999", 404),
        ("GET", "/health", 200),
        ("GET", "/no/such/page", 404),
    ],
)
def test_every_response_carries_them(
    http: httpx.Client, method: str, path: str, status: int
) -> None:
    response = http.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == status
    for name, value in EXPECTED.items():
        assert response.headers[name] == value
    assert "content-security-policy" in response.headers
    assert "strict-transport-security" not in response.headers


def test_policy_allows_only_the_sites_own_scripts(http: httpx.Client) -> None:
    response = http.get("/")
    directives = policy(response)
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["require-trusted-types-for"] == ["'script'"]
    header = response.headers["content-security-policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def test_hsts_only_over_https(http: httpx.Client) -> None:
    # The server trusts X-Forwarded-Proto from 127.0.0.1, as it would from the load balancer.
    response = http.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_cors_preflight_and_request_unchanged(http: httpx.Client) -> None:
    origin = {"Origin": "http://elsewhere.example"}
    preflight = http.options(
        "/api/todos/1",
        headers={
            **origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type, if-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "PATCH" in preflight.headers["access-control-allow-methods"]
    listing = http.get("/api/todos", headers=origin)
    assert listing.headers["access-control-allow-origin"] == "*"
    assert "ETag" in listing.headers["access-control-expose-headers"]


async def test_a_route_can_set_its_own_header() -> None:
    async def own_policy(request: Request) -> Response:
        return PlainTextResponse("ok", headers={"Content-Security-Policy": "sandbox"})

    app = Starlette(
        routes=[Route("/", own_policy)], middleware=[Middleware(SecurityHeadersMiddleware)]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/")
    assert response.headers.get_list("content-security-policy") == ["sandbox"]
    assert response.headers["x-frame-options"] == "DENY"


def test_browser_refuses_injected_script(browser: Browser, server: LiveServer) -> None:
    """Were an attacker to get markup into the page, no script of theirs would run."""

    def inject(route: Intercepted) -> None:
        response = route.fetch()
        markup = "<script>window.injected = true</script><img src=x onerror='window.injected=1'>"
        route.fulfill(response=response, body=response.text().replace("</main>", markup))

    context = browser.new_context()
    # Init scripts come from the test harness, not the page, so the policy does not apply.
    context.add_init_script(
        """window.violations = [];
        document.addEventListener("securitypolicyviolation", (event) => {
            window.violations.push(event.effectiveDirective);
        });"""
    )
    try:
        page = context.new_page()
        page.route(f"{server.url}/", inject)
        page.goto(f"{server.url}/")
        page.wait_for_selector("#empty:not([hidden]), #todo-list li")
        page.wait_for_function("window.violations.includes('script-src-attr')")
        outcome = page.evaluate(
            """() => {
                const violations = [...new Set(window.violations)].sort();
                const blocked = (write) => {
                    try {
                        write();
                        return false;
                    } catch (error) {
                        return error instanceof TypeError;
                    }
                };
                return {
                    ran: window.injected !== undefined,
                    html: blocked(() => { document.body.innerHTML += "<b>x</b>"; }),
                    scriptUrl: blocked(() => { document.createElement("script").src = "/x.js"; }),
                    violations,
                };
            }"""
        )
    finally:
        context.close()
    assert outcome == {
        "ran": False,
        "html": True,
        "scriptUrl": True,
        "violations": ["script-src-attr", "script-src-elem"],
    }


class _BlankPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>another origin</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_cross_origin_fetch_still_allowed_by_cors(browser: Browser, server: LiveServer) -> None:
    """CORP and COOP must not stop a page on another origin from using the API with CORS."""
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _BlankPage)) as other:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{other.server_address[1]}/")
            result = page.evaluate(
                """async (api) => {
                    const created = await fetch(`${api}/api/todos`, {
                        method: "POST",
                        headers: {"Content-Type": "application/json"},
                        body: JSON.stringify({title: "From another origin"}),
                    });
                    const todo = await created.json();
                    const changed = await fetch(`${api}/api/todos/${todo.id}`, {
                        method: "PATCH",
                        headers: {
                            "Content-Type": "application/json",
                            "If-Match": created.headers.get("ETag"),
                        },
                        body: JSON.stringify({completed: true}),
                    });
                    return {
                        created: created.status,
                        etag: created.headers.get("ETag"),
                        changed: changed.status,
                        completed: (await changed.json()).completed,
                    };
                }""",
                server.url,
            )
        finally:
            context.close()
    assert result == {"created": 201, "etag": '"v1"', "changed": 200, "completed": True}
