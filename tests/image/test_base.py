"""Where the local stand-in base comes from: the Dockerfile's default and apt's mirror."""

from __future__ import annotations

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
ONE_LINE = "deb [arch=amd64] http://ftp.example/debian bookworm main\n"


def test_the_default_base_is_the_dockerfile_s() -> None:
    assert default_base().startswith("python:3.11")


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
