"""The local front door does what the deployed one does (CloudFront, its WebACL, the load
balancer admitting only CloudFront): HTTPS only, plain HTTP redirected before it reaches the
app, the session cookie Secure and __Host- prefixed, HSTS, the origin secret required by the
load balancer, and a burst of sign-ins from one address refused before the app, at the
limit the deployed template sets."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from testbed.accounts import Account
from tests.integration.app_logs import app_log_events
from tests.integration.conftest import Standin
from tests.integration.viewers import Viewers, fresh_address
from todo_async.accounts.credentials import SECURE_SESSION_COOKIE

WEB_ACL = "AWS::WAFv2::WebACL"


def sign_in_rate_rule(template: dict[str, Any]) -> dict[str, Any]:
    """The deployed WebACL's rate rule scoped to POST /api/session."""
    [web_acl] = [r for r in template["Resources"].values() if r["Type"] == WEB_ACL]
    [rule] = [
        rule
        for rule in web_acl["Properties"]["Rules"]
        if "/api/session" in json.dumps(rule["Statement"].get("RateBasedStatement", {}))
    ]
    return rule


def test_plain_http_is_redirected_and_never_reaches_the_app(
    outputs: dict[str, Any], viewers: Viewers, api: httpx.Client, service_url: str
) -> None:
    category = f"plain-{uuid.uuid4().hex[:8]}"
    with viewers.client(base_url=outputs["FrontDoorHttpUrl"], headers=api.headers) as plain:
        redirected = plain.post(
            "/api/todos", params={"via": "http"}, json={"title": "x", "category": category}
        )
    assert redirected.status_code == 301
    assert redirected.headers["location"] == f"{service_url}/api/todos?via=http"
    # The write sent over plain HTTP was never done: it never reached the app.
    assert api.get("/api/todos", params={"category": category}).json() == []


def test_the_load_balancer_refuses_requests_without_the_origin_secret(
    outputs: dict[str, Any], viewers: Viewers
) -> None:
    with viewers.client(base_url=outputs["AlbUrl"]) as direct:
        answers = [
            direct.get("/health"),
            direct.get("/health", headers={"X-Origin-Verify": "a guess"}),
        ]
    for answer in answers:
        assert answer.status_code == 403
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"] == "Use the service's public URL."


def test_sign_in_over_https_sets_a_secure_host_cookie_and_hsts(
    viewers: Viewers, account: Account
) -> None:
    with viewers.client() as client:
        signed_in = client.post(
            "/api/session", json={"username": account.username, "password": account.password}
        )
    assert signed_in.status_code == 200, signed_in.text
    cookies = signed_in.headers.get_list("set-cookie")
    assert any(cookie.startswith(SECURE_SESSION_COOKIE + "=") for cookie in cookies), cookies
    for cookie in cookies:
        name, _, attributes = cookie.partition(";")
        assert name.startswith("__Host-")
        flags = {part.strip().split("=")[0].lower() for part in attributes.split(";")}
        assert {"secure", "httponly", "path"} <= flags
        assert "domain" not in flags
    hsts = signed_in.headers["strict-transport-security"]
    assert "includeSubDomains" in hsts
    assert hsts.startswith("max-age=")


def test_a_burst_of_sign_ins_from_one_address_is_refused_before_the_app(
    aws: Callable[[str], Any],
    outputs: dict[str, Any],
    template: dict[str, Any],
    viewers: Viewers,
    account: Account,
    standin: Standin,
) -> None:
    rule = sign_in_rate_rule(template)
    limit = int(rule["Statement"]["RateBasedStatement"]["Limit"])
    window = int(rule["Statement"]["RateBasedStatement"].get("EvaluationWindowSec", 300))
    # What the rule answers: its custom response, its headers and body.
    [web_acl] = [r for r in template["Resources"].values() if r["Type"] == WEB_ACL]
    custom = rule["Action"]["Block"]["CustomResponse"]
    body_key = custom["CustomResponseBodyKey"]
    body = json.loads(web_acl["Properties"]["CustomResponseBodies"][body_key]["Content"])
    headers = {h["Name"].lower(): h["Value"] for h in custom.get("ResponseHeaders", [])}
    over = 5
    address = fresh_address()
    credentials = {"username": account.username, "password": account.password}
    with viewers.client(address=address) as burst:
        answers = [burst.post("/api/session", json=credentials) for _ in range(limit + over)]
    with viewers.client() as elsewhere:
        another_address = elsewhere.post("/api/session", json=credentials)

    signed_in = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code != 200]
    print(
        f"{limit + over} sign-ins from {address}: {len(signed_in)} signed in, "
        f"{len(refused)} refused by the front door (limit {limit} per {window} s)"
    )
    status = int(custom["ResponseCode"])
    assert [a.status_code for a in answers] == [200] * limit + [status] * over
    for answer in answers[limit:]:
        assert answer.json() == body
        assert {name: answer.headers.get(name) for name in headers} == headers
        assert "set-cookie" not in answer.headers
    assert another_address.status_code == 200

    # What the app saw: one sign-in event per request that reached it, from that address.
    events = app_log_events(
        aws,
        outputs,
        standin,
        lambda message: "sign_in user=" in message and f"address={address}" in message,
        at_least=limit,
    )
    print(f"the app logged {len(events)} sign-ins from {address}")
    assert len(events) == limit
