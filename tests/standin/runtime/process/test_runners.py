"""The runner table: the first runner whose match takes the image, any other refused."""

from __future__ import annotations

import pytest
from standin.errors import HarnessError
from standin.runtime.images import is_postgres_image
from standin.runtime.process.runners import RunnerTable

from tests.standin.fakes import CommandRunner


def test_table_picks_the_first_runner_whose_match_takes_the_image() -> None:
    app, database = CommandRunner(["app"]), CommandRunner(["db"])
    table = RunnerTable(
        [
            ("the project image app:1", lambda image: image == "app:1", app),
            ("postgres images", is_postgres_image, database),
        ]
    )
    assert table.runner_for("app:1") is app
    assert table.runner_for("public.ecr.aws/docker/library/postgres:16") is database
    with pytest.raises(HarnessError) as refused:
        table.runner_for("nginx:1")
    assert str(refused.value) == (
        "no local runner for image nginx:1 (runs here: the project image app:1, postgres images)"
    )
