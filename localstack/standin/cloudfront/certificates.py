"""The local front door's certificates, made with the openssl command line at each start: a
certificate authority of its own and a server certificate it signs for 127.0.0.1 and
localhost. Clients trust the authority by its file (`ca.pem`); nothing is added to the
machine's trust store. Private keys are written 0600 and never printed."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import HarnessError

DAYS = 30
SERVER_NAMES = "IP:127.0.0.1,DNS:localhost"
SERVER_EXTENSIONS = (
    "basicConstraints=critical,CA:FALSE\n"
    "keyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=serverAuth\n"
    f"subjectAltName={SERVER_NAMES}\n"
)


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the authority's certificate: what clients trust
    server: Path  # the server's certificate; its key beside it as `server.pem.key`

    @property
    def server_key(self) -> Path:
        return self.server.with_name(self.server.name + ".key")


def _openssl(*arguments: str, stdin: bytes = b"") -> bytes:
    result = subprocess.run(
        ["openssl", *arguments], input=stdin, capture_output=True, check=False, timeout=60
    )
    if result.returncode != 0:
        # Only the command and its errors: the output may be a key.
        raise HarnessError(f"openssl {arguments[0]} failed: {result.stderr.decode().strip()}")
    return result.stdout


def _write_private(path: Path, content: bytes) -> None:
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def _new_key(path: Path) -> None:
    _write_private(
        path, _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    )


def issue(folder: Path) -> Certificates:
    """A new authority and server certificate in `folder`, replacing what was there."""
    folder.mkdir(parents=True, exist_ok=True)
    certificates = Certificates(ca=folder / "ca.pem", server=folder / "server.pem")
    ca_key = folder / "ca.key"
    _new_key(ca_key)
    certificates.ca.write_bytes(
        _openssl(
            "req", "-new", "-x509", "-key", str(ca_key), "-days", str(DAYS),
            "-subj", "/CN=todo-async local front door CA",
            "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )
    )  # fmt: skip
    _new_key(certificates.server_key)
    request = _openssl(
        "req", "-new", "-key", str(certificates.server_key), "-subj", "/CN=127.0.0.1"
    )  # fmt: skip
    extensions = folder / "server.ext"
    extensions.write_text(SERVER_EXTENSIONS)
    certificates.server.write_bytes(
        _openssl(
            "x509", "-req", "-CA", str(certificates.ca), "-CAkey", str(ca_key),
            "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", str(DAYS),
            "-extfile", str(extensions),
            stdin=request,
        )
    )  # fmt: skip
    return certificates
