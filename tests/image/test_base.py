"""Where the local stand-in base comes from: the Dockerfile's default and apt's mirror."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imagebuild.base import DEFAULT_MIRROR, debian_mirror, default_base

DEB822 = """Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
"""
REPO = Path(__file__).resolve().parents[2]
ONE_LINE = "deb [arch=amd64] http://ftp.example/debian bookworm main\n"


def test_the_default_base_is_the_dockerfile_s() -> None:
    assert default_base().startswith("python:3.11")


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "loadtest/Dockerfile"])
def test_each_dockerfile_pins_its_base_by_digest(dockerfile: str) -> None:
    text = (REPO / dockerfile).read_text()
    [base] = re.findall(r"^ARG BASE_IMAGE=(\S+)$", text, re.MULTILINE)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", base)
    assert base == default_base()  # the service and the load generators share one base


@pytest.mark.parametrize(
    ("text", "mirror"),
    [(DEB822, "http://mirror.example/debian"), (ONE_LINE, "http://ftp.example/debian")],
)
def test_the_mirror_is_the_one_apt_uses(tmp_path: Path, text: str, mirror: str) -> None:
    sources = tmp_path / "sources"
    sources.write_text(text)
    assert debian_mirror([tmp_path / "missing", sources]) == mirror


def test_without_apt_sources_the_mirror_is_debian_s(tmp_path: Path) -> None:
    assert debian_mirror([tmp_path / "missing"]) == DEFAULT_MIRROR
