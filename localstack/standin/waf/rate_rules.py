"""A WebACL's rate-based rules as HAProxy enforces them: one stick table per rule, counting
each client address's requests in the rule's scope over its evaluation window, and the
rule's block answer once an address is over the limit.

Only rate-based rules keyed by the client address (`AggregateKeyType: IP`) are enforced;
their scope-down statements may combine byte matches on the method, the path or a header
with And, Or and Not. Other rules (AWS's managed rule groups) are listed as not emulated.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..aws.stack import Stack
from ..errors import HarnessError

WEB_ACL = "AWS::WAFv2::WebACL"
# HAProxy tracks at most this many sticky counters per request (sc0, sc1, sc2).
MAX_RATE_RULES = 3
_FETCHES = {"Method": "method", "UriPath": "path", "QueryString": "query"}
_MATCHES = {"EXACTLY": "str", "STARTS_WITH": "beg", "ENDS_WITH": "end", "CONTAINS": "sub"}
_CONTENT_TYPES = {
    "APPLICATION_JSON": "application/json",
    "TEXT_HTML": "text/html",
    "TEXT_PLAIN": "text/plain",
}


@dataclass(frozen=True)
class ByteMatch:
    """One byte match statement as an HAProxy ACL: fetch, match method, the value."""

    fetch: str
    match: str
    value: str
    ignore_case: bool

    def acl(self) -> str:
        flag = " -i" if self.ignore_case else ""
        return f"{self.fetch}{flag} -m {self.match} {json.dumps(self.value)}"


# A scope as HAProxy conditions: any of the alternatives, each all of its (negated?, match).
Scope = tuple[tuple[tuple[bool, ByteMatch], ...], ...]


@dataclass(frozen=True)
class BlockAnswer:
    """What WAF answers a blocked request: 403, or the rule's custom response."""

    status: int = 403
    content_type: str = "text/plain"
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RateRule:
    name: str
    priority: int
    limit: int
    window: int  # seconds
    scope: Scope | None  # None: every request
    answer: BlockAnswer


def parse_rate_rules(stack: Stack, logical_id: str) -> tuple[list[RateRule], list[str]]:
    """The WebACL's rate-based rules in priority order, and the names of those it has that
    are not emulated."""
    if stack.type_of(logical_id) != WEB_ACL:
        raise HarnessError(f"{logical_id} is not a WAF WebACL")
    props = stack.resolve(stack.properties(logical_id))
    if "Allow" not in (props.get("DefaultAction") or {}):
        raise HarnessError(f"WebACL {logical_id}: only a default action of Allow is emulated")
    bodies = props.get("CustomResponseBodies") or {}
    rules: list[RateRule] = []
    skipped: list[str] = []
    for rule in sorted(props.get("Rules") or [], key=lambda rule: int(rule["Priority"])):
        statement = (rule.get("Statement") or {}).get("RateBasedStatement")
        if not statement or statement.get("AggregateKeyType", "IP") != "IP":
            skipped.append(str(rule["Name"]))
            continue
        scope_down = statement.get("ScopeDownStatement")
        rules.append(
            RateRule(
                name=str(rule["Name"]),
                priority=int(rule["Priority"]),
                limit=int(statement["Limit"]),
                window=int(statement.get("EvaluationWindowSec", 300)),
                scope=_alternatives(scope_down) if scope_down else None,
                answer=_block_answer(rule, bodies),
            )
        )
    if len(rules) > MAX_RATE_RULES:
        raise HarnessError(f"WebACL {logical_id}: at most {MAX_RATE_RULES} rate rules emulated")
    return rules, skipped


def _block_answer(rule: dict[str, Any], bodies: dict[str, Any]) -> BlockAnswer:
    block = (rule.get("Action") or {}).get("Block")
    if block is None:
        raise HarnessError(f"WAF rule {rule['Name']}: only a Block action is emulated")
    custom = block.get("CustomResponse")
    if not custom:
        return BlockAnswer()
    body = bodies.get(custom.get("CustomResponseBodyKey", ""), {})
    return BlockAnswer(
        status=int(custom["ResponseCode"]),
        content_type=_CONTENT_TYPES.get(str(body.get("ContentType", "")), "text/plain"),
        body=str(body.get("Content", "")),
        headers=tuple(
            (str(header["Name"]), str(header["Value"]))
            for header in custom.get("ResponseHeaders") or []
        ),
    )


def _alternatives(statement: dict[str, Any]) -> Scope:
    """A statement in disjunctive normal form: HAProxy conditions have no parentheses."""
    ((kind, body),) = statement.items()
    if kind == "AndStatement":
        parts = [_alternatives(item) for item in body["Statements"]]
        return tuple(
            tuple(itertools.chain.from_iterable(combination))
            for combination in itertools.product(*parts)
        )
    if kind == "OrStatement":
        return tuple(itertools.chain.from_iterable(_alternatives(i) for i in body["Statements"]))
    if kind == "NotStatement":
        inner = body["Statement"]
        if "ByteMatchStatement" not in inner:
            raise HarnessError("WAF: only a Not of a byte match is emulated")
        return (((True, _byte_match(inner["ByteMatchStatement"])),),)
    if kind == "ByteMatchStatement":
        return (((False, _byte_match(body)),),)
    raise HarnessError(f"WAF statement {kind} is not emulated locally")


def _byte_match(statement: dict[str, Any]) -> ByteMatch:
    ((field, argument),) = statement["FieldToMatch"].items()
    if field == "SingleHeader":
        fetch = f"req.hdr({argument['Name']})"
    elif field in _FETCHES:
        fetch = _FETCHES[field]
    else:
        raise HarnessError(f"WAF field to match {field} is not emulated locally")
    transformations = {item["Type"] for item in statement.get("TextTransformations") or []}
    if not transformations <= {"NONE", "LOWERCASE"}:
        raise HarnessError(f"WAF text transformations {transformations} are not emulated")
    constraint = str(statement["PositionalConstraint"])
    if constraint not in _MATCHES:
        raise HarnessError(f"WAF positional constraint {constraint} is not emulated locally")
    return ByteMatch(
        fetch=fetch,
        match=_MATCHES[constraint],
        value=str(statement["SearchString"]),
        ignore_case="LOWERCASE" in transformations,
    )


def table_name(rule: RateRule) -> str:
    return f"waf_{rule.name}"


def body_path(folder: Path, rule: RateRule) -> Path:
    return folder / f"waf-{rule.name}.body"


def render_tables(rules: list[RateRule]) -> str:
    """One stick table per rule: request rates per client address over its window."""
    lines = []
    for rule in rules:
        lines += [
            f"backend {table_name(rule)}",
            f"    stick-table type ip size 100k expire {rule.window}s "
            f"store http_req_rate({rule.window}s)",
            "",
        ]
    return "\n".join(lines)


def render_rules(rules: list[RateRule], folder: Path) -> list[str]:
    """The frontend's lines, in the rules' priority order: count the request if in scope,
    then answer it as the rule's block action when the address is over the limit. A request
    a rule blocks is not evaluated by the rules after it, as in WAF."""
    lines = []
    for counter, rule in enumerate(rules):
        table = table_name(rule)
        where = "every request" if rule.scope is None else "its scope-down statement"
        lines.append(
            f"    # WAF rule {rule.name} (priority {rule.priority}): over {rule.limit} requests "
            f"in {rule.window} s from one address, {where}"
        )
        condition = ""
        if rule.scope is not None:
            alternatives = []
            for a, conjunction in enumerate(rule.scope):
                names = []
                for m, (negated, match) in enumerate(conjunction):
                    name = f"{table}_{a}_{m}"
                    lines.append(f"    acl {name} {match.acl()}")
                    names.append(("!" if negated else "") + name)
                alternatives.append(" ".join(names))
            condition = " if " + " || ".join(alternatives)
        lines.append(f"    http-request track-sc{counter} src table {table}{condition}")
        answer = rule.answer
        body = f" file {body_path(folder, rule)}" if answer.body else ""
        headers = "".join(f' hdr {name} "{value}"' for name, value in answer.headers)
        lines.append(
            f'    http-request return status {answer.status} content-type "{answer.content_type}"'
            f"{body}{headers} if {{ sc{counter}_http_req_rate({table}) gt {rule.limit} }}"
        )
    return lines


def write_bodies(rules: list[RateRule], folder: Path) -> None:
    for rule in rules:
        if rule.answer.body:
            body_path(folder, rule).write_text(rule.answer.body)
