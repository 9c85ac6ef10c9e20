"""Phase timings: printed and appended to the record."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from standin.timings import Phases


def test_phases_printed_and_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "timings.txt"
    record.write_text("old\n")
    phases = Phases("local-up", record, fresh=True)
    phases.done("LocalStack start")
    phases.done("cdklocal deploy")
    phases.total()
    lines = record.read_text().splitlines()
    assert [re.sub(r"\s+", " ", line) for line in lines] == [
        "[local-up] LocalStack start 0 s",
        "[local-up] cdklocal deploy 0 s",
        "[local-up] total 0 s",
    ]
    assert capsys.readouterr().out.splitlines() == lines
    Phases("local-down", record).done("stand-in down")
    assert len(record.read_text().splitlines()) == 4
