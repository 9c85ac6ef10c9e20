import pytest
from starlette.requests import Request

from todo_async.preconditions import etag, expected_versions
from todo_async.problems import Problem


def request_with(if_match: str | None) -> Request:
    headers = [(b"if-match", if_match.encode())] if if_match is not None else []
    return Request({"type": "http", "headers": headers})


def test_etag_names_the_version() -> None:
    assert etag(7) == '"v7"'


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        (None, None),
        ("*", None),
        ('"v3"', {3}),
        ('"v3", "v4"', {3, 4}),
        (', "v3",, "v4" ,', {3, 4}),
        ('W/"v3"', set()),
        ('"other"', set()),
        ('"v99999999999999999999"', set()),
    ],
)
def test_if_match_parsing(header: str | None, versions: set[int] | None) -> None:
    assert expected_versions(request_with(header)) == versions


@pytest.mark.parametrize("header", ["", " ", "v3", '"v3', '"v3" "v4"', '"v3",,x', '"v 3"'])
def test_malformed_if_match(header: str) -> None:
    with pytest.raises(Problem) as raised:
        expected_versions(request_with(header))
    assert raised.value.status == 400
