"""A small tmpfs to fill up: a disk that runs full under a database, then grows again.

Mounting needs root (as the test machines and CI run). `fill` takes every free byte with
a file of its own; `grow` remounts the filesystem larger, live, as an operator would
extend a volume.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

CHUNK = 64 * 1024


class Tmpfs:
    def __init__(self, path: Path) -> None:
        self.path = path

    def free_bytes(self) -> int:
        stat = os.statvfs(self.path)
        return stat.f_bavail * stat.f_frsize

    def fill(self) -> None:
        """Write a filler file until the filesystem refuses a single byte more."""
        with (self.path / "filler").open("ab", buffering=0) as filler:
            for size in (CHUNK, 4096, 512, 1):
                with contextlib.suppress(OSError):
                    while True:
                        filler.write(b"\0" * size)
            try:
                filler.write(b"\0")
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
            else:
                raise RuntimeError(f"{self.path} still takes writes after filling it")

    def grow(self, size: str) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(self.path)], check=True)


@contextlib.contextmanager
def mounted_tmpfs(path: Path, size: str) -> Iterator[Tmpfs]:
    """A tmpfs of `size` (as mount takes it: 2m) at `path`, unmounted afterwards."""
    if os.geteuid() != 0:
        raise RuntimeError("mounting a tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield Tmpfs(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
