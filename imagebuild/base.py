"""The Python base image: the real one where it can be pulled, else a local stand-in made
from Debian's packages.

The stand-in for python:3.11-slim-bookworm is a minimal Debian bookworm with Debian's
python3 (3.11.2, where the official image builds 3.11.x from source into /usr/local) and
python3-venv. It also trusts the extra CA certificates this machine has in
/usr/local/share/ca-certificates, so that pip inside a build can reach the package index
through a TLS-intercepting proxy; the image built on the real base carries none of them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hostkit.docker import Engine
from imagebuild import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
LOCAL_BASE = "local/python:3.11-slim-bookworm"
SUITE = "bookworm"
PACKAGES = ["python3", "python3-venv", "python-is-python3", "ca-certificates"]
DEFAULT_MIRROR = "http://deb.debian.org/debian"
APT_SOURCES = [Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list")]
HOST_CA_DIR = Path("/usr/local/share/ca-certificates")
# What `docker import` would otherwise leave unset: the Dockerfile's ENV PATH=/opt/venv/bin:$PATH
# must keep /usr/bin.
IMAGE_CONFIG = [
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["python3"]',
    "LABEL org.opencontainers.image.description="
    '"Local stand-in for python:3.11-slim-bookworm: Debian python3, host CA certificates"',
]
# Left out of the stand-in, as the slim image leaves them out.
TRIMMED = ["usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale"]
TRIMMED_CONTENTS = ["var/cache/apt/archives", "var/lib/apt/lists"]


def default_base() -> str:
    """The Dockerfile's own `ARG BASE_IMAGE=` default."""
    found = re.search(r"^ARG BASE_IMAGE=(\S+)", DOCKERFILE.read_text(), re.MULTILINE)
    if found is None:
        raise ValueError(f"{DOCKERFILE} declares no ARG BASE_IMAGE default")
    return found.group(1)


def resolve_base(engine: Engine, wanted: str, rebuild_local: bool = False) -> str:
    """`wanted` if it is here or can be pulled; else the local stand-in, built if missing."""
    if engine.has_image(wanted):
        return wanted
    pulled = engine.run("pull", "--quiet", wanted, check=False, timeout=900)
    if pulled.returncode == 0:
        return wanted
    reason = pulled.stderr.strip().splitlines()[-1:] or ["no reason given"]
    print(f"cannot pull {wanted} ({reason[0]}); using {LOCAL_BASE}", file=sys.stderr)
    if rebuild_local or not engine.has_image(LOCAL_BASE):
        build_local_base(engine)
    return LOCAL_BASE


def debian_mirror(apt_sources: Sequence[Path] = APT_SOURCES) -> str:
    """The Debian mirror apt on this machine already uses (it is reachable from here)."""
    for sources in apt_sources:
        if not sources.exists():
            continue
        text = sources.read_text()
        deb822 = re.search(r"^URIs:\s*(\S+/debian)/?\s*$", text, re.MULTILINE)
        one_line = re.search(rf"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)/?\s+{SUITE}\s", text, re.M)
        for found in (deb822, one_line):
            if found:
                return found.group(1)
    return DEFAULT_MIRROR


def build_local_base(engine: Engine, mirror: str | None = None) -> None:
    """debootstrap a minimal bookworm with Python and import it as LOCAL_BASE."""
    with tempfile.TemporaryDirectory(prefix="todo-base-") as workdir:
        root = Path(workdir) / "rootfs"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(PACKAGES)}",
                SUITE,
                str(root),
                mirror or debian_mirror(),
            ],
            check=True,
            timeout=900,
            stdout=subprocess.DEVNULL,
        )
        for path in TRIMMED:
            shutil.rmtree(root / path, ignore_errors=True)
        for path in TRIMMED_CONTENTS:
            for entry in (root / path).glob("*"):
                if entry.is_file():
                    entry.unlink()
        _trust_host_certificates(root)
        changes = [arg for line in IMAGE_CONFIG for arg in ("--change", line)]
        with subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE) as tar:
            engine.run("import", *changes, "-", LOCAL_BASE, stdin=tar.stdout, timeout=600)
        if tar.returncode != 0:
            raise RuntimeError(f"tar of the base root file system failed ({tar.returncode})")


def _trust_host_certificates(root: Path) -> None:
    certificates = sorted(HOST_CA_DIR.glob("*.crt"))
    if not certificates:
        return
    target = root / HOST_CA_DIR.relative_to("/")
    target.mkdir(parents=True, exist_ok=True)
    for certificate in certificates:
        shutil.copy2(certificate, target / certificate.name)
    subprocess.run(
        ["chroot", str(root), "update-ca-certificates"],
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
    )
