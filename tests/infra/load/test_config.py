"""The load generators' settings from CDK context (no synth)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.load.config import PROFILES, LoadSettings
from loadtest.__main__ import PROFILES as LOADTEST_PROFILES
from tests.infra.conftest import CDK_JSON_CONTEXT


def load_settings(**context: Any) -> LoadSettings:
    return LoadSettings.from_context(context.get)


def test_cdk_json_defaults_are_the_code_defaults() -> None:
    assert LoadSettings.from_context(CDK_JSON_CONTEXT.get) == LoadSettings()
    assert CDK_JSON_CONTEXT["loadGenerators"] is False


def test_the_profiles_are_loadtest_s() -> None:
    assert PROFILES == LOADTEST_PROFILES


def test_command_line_strings_are_parsed() -> None:
    parsed = load_settings(
        loadWorkers="2",
        loadCpu="2048",
        loadMemory="4096",
        loadProfile="spike",
        loadArgs="-u 200 --spike-users 2000 --max-p99 '250'",
        loadImage="registry.example/todo-async-load:1",
    )
    assert parsed == LoadSettings(
        workers=2,
        cpu=2048,
        memory=4096,
        profile="spike",
        arguments=("-u", "200", "--spike-users", "2000", "--max-p99", "250"),
        image="registry.example/todo-async-load:1",
    )


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"loadWorkers": "0"}, "loadWorkers=0: want 1 to 4 for loadCpu=4096"),
        ({"loadWorkers": "5"}, "loadWorkers=5: want 1 to 4 for loadCpu=4096"),
        ({"loadCpu": "1024", "loadWorkers": "2"}, "want 1 to 1 for loadCpu=1024"),
        ({"loadCpu": "1024", "loadMemory": "512"}, "loadCpu=1024 loadMemory=512 is not a Fargate"),
        ({"loadWorkers": "many"}, "context loadWorkers='many' is not a whole number"),
        ({"loadProfile": "burst"}, "loadProfile='burst' is not one of smoke, step, spike, soak"),
        ({"loadArgs": "--host=http://elsewhere"}, "loadArgs may not set --host: the stack"),
        ({"loadArgs": "--results-s3 s3://x --worker"}, "may not set --results-s3, --worker"),
    ],
)
def test_bad_values_are_refused_with_the_key(context: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        load_settings(**context)
