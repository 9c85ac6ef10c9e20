"""The distribution's PostgreSQL server binaries, and the account they run under: initdb and
postgres refuse to run as root, so as root they run as the `postgres` user (the child process
itself switches user, so the PID its starter holds is the server's)."""

from __future__ import annotations

import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Where Debian's packages put each major version's server: /usr/lib/postgresql/<major>/bin.
DISTRIBUTION_ROOT = Path("/usr/lib/postgresql")


def find_binaries(root: Path = DISTRIBUTION_ROOT) -> Path | None:
    """The directory holding initdb and postgres: the newest version under `root`, else the
    one on PATH; None when there is neither."""
    versions = sorted(
        (
            path
            for path in root.glob("*/bin")
            if path.parent.name.isdigit()
            and (path / "initdb").exists()
            and (path / "postgres").exists()
        ),
        key=lambda path: int(path.parent.name),
    )
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    if found and shutil.which("postgres"):
        return Path(found).resolve().parent
    return None


@dataclass(frozen=True)
class RunAs:
    """The account a process runs under (PostgreSQL refuses to run as root)."""

    user: str | None = None

    @classmethod
    def postgres(cls) -> RunAs:
        return cls("postgres") if os.geteuid() == 0 else cls()

    def popen_kwargs(self) -> dict[str, Any]:
        """The keywords of `subprocess.Popen` (and asyncio's) that switch to the account."""
        if self.user is None:
            return {}
        gid = pwd.getpwnam(self.user).pw_gid
        return {"user": self.user, "group": gid, "extra_groups": os.getgrouplist(self.user, gid)}

    def own(self, path: Path) -> None:
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)
