"""authMode=open, the throwaway demo: the service serves one public list, and the synth says
so with a warning on the task definition, beside cdk-nag's findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Annotations, Match
from aws_cdk.cx_api import SynthesisMessage

from infra.service import OPEN_LIST_WARNING_ID
from tests.infra.conftest import Synthesized, synthesize


@pytest.fixture(scope="module")
def synth(outdir: Path) -> Synthesized:
    return synthesize(outdir, database="rds", authMode="open")


def open_list_warnings(synth: Synthesized) -> list[SynthesisMessage]:
    found = Annotations.from_stack(synth.stack).find_warning(
        "*", Match.string_like_regexp("authMode=open")
    )
    return list(found)


def test_the_app_runs_open_mode_chosen_explicitly(synth: Synthesized) -> None:
    environment = {e["Name"]: e["Value"] for e in synth.containers()["app"]["Environment"]}
    # Set, not left to the app's default: the app refuses an open list on a non-loopback
    # address unless AUTH_MODE was given.
    assert environment["AUTH_MODE"] == "open"
    assert synth.outputs["AuthMode"]["Value"] == "open"


def test_the_synth_warns_that_the_list_is_public(synth: Synthesized) -> None:
    [warning] = open_list_warnings(synth)
    assert warning.id == "/TodoAsync/Service/TaskDefinition"
    message = str(warning.entry.data)
    assert "anyone who finds its URL can read, change and delete every todo" in message
    assert OPEN_LIST_WARNING_ID in message


def test_cdk_nag_stays_clean(synth: Synthesized) -> None:
    synth.assert_aws_solutions_clean()
