"""What both modes' contract tests do to a generated case before sending it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs
import schemathesis

HeaderValidators = dict[tuple[str, str], dict[str, jsonschema_rs.Validator]]


def header_validators(document: dict[str, Any]) -> HeaderValidators:
    """Each operation's header parameters, with a validator for each one's schema."""
    validators = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            validators[(method.upper(), path)] = {
                parameter["name"]: jsonschema_rs.validator_for(parameter["schema"])
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "header"
            }
    return validators


def drop_headers_it_could_not_generate(
    case: schemathesis.Case, validators: HeaderValidators
) -> None:
    """Make a positive case what it claims to be.

    schemathesis' coverage phase builds header values from letters and digits only; for an
    optional header whose pattern needs other characters (If-Match needs quotes) it seeds its
    positive cases with a value the pattern rejects (''). Leaving the optional header out
    makes the case valid, and the negative cases still test such values.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive or not case.headers:
        return
    for name, validator in validators[(case.method.upper(), case.path)].items():
        if name in case.headers and not validator.is_valid(case.headers[name]):
            del case.headers[name]


def id_validator(document: dict[str, Any], path: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(document["paths"][path]["parameters"][0]["schema"])


def point_at_a_new_one(
    case: schemathesis.Case, valid_id: jsonschema_rs.Validator, create: Callable[[], int]
) -> None:
    """Generated ids almost never name a stored resource: aim each valid one at a new one,
    so that the body, If-Match and ETag handling answers instead of a 404. Invalid ids stay.

    A negative case's id may be the string "1": not an integer to the schema, but in the
    URL the same as 1, so it is aimed too (rather than at whatever 1 is).
    """
    path_parameters = case.path_parameters or {}
    value = path_parameters.get("id")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if value is not None and valid_id.is_valid(value):
        path_parameters["id"] = create()
