"""ssl=verify-full in DATABASE_URL checks the server's certificate against the authorities in
PGSSLROOTCERT and its name, as the service does against RDS: here a real PostgreSQL serves a
certificate signed by an authority made for the test, as the stand-in's RDS does."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from testbed.postgres import PostgresServer, find_binaries, running_postgres
from todo_async.database.engine import open_database
from todo_async.settings import Settings


@dataclass(frozen=True)
class Authority:
    certificate: Path
    key: Path


def openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def make_authority(directory: Path, name: str) -> Authority:
    key, certificate = directory / f"{name}.key", directory / f"{name}.crt"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
            f"/CN={name}", "-keyout", key, "-out", certificate)  # fmt: skip
    return Authority(certificate, key)


@pytest.fixture(scope="module")
def certificates() -> Iterator[Path]:
    # Outside pytest's own temporary tree, which the postgres user cannot enter.
    with tempfile.TemporaryDirectory(prefix="todo-tls-") as name:
        yield make_certificates(Path(name))


def make_certificates(directory: Path) -> Path:
    authority = make_authority(directory, "test-ca")
    make_authority(directory, "other-ca")
    # The server's certificate names "localhost" only, signed by test-ca.
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", directory / "server.key", "-out", directory / "server.csr")  # fmt: skip
    extensions = directory / "san.cnf"
    extensions.write_text("subjectAltName=DNS:localhost\n")
    openssl("x509", "-req", "-in", directory / "server.csr", "-CA", authority.certificate,
            "-CAkey", authority.key, "-CAcreateserial", "-days", "1",
            "-extfile", extensions, "-out", directory / "server.crt")  # fmt: skip
    # PostgreSQL reads its key only when it owns it and no one else can.
    (directory / "server.key").chmod(0o600)
    if os.geteuid() == 0:
        for path in (directory, directory / "server.key", directory / "server.crt"):
            shutil.chown(path, "postgres", "postgres")
    return directory


@pytest.fixture(scope="module")
def tls_postgres(certificates: Path) -> Iterator[PostgresServer]:
    if find_binaries() is None:
        pytest.fail("no PostgreSQL server binaries: scripts/system-deps.sh test installs them")
    options = ["-c", "ssl=on", "-c", f"ssl_cert_file={certificates / 'server.crt'}"]
    options += ["-c", f"ssl_key_file={certificates / 'server.key'}"]
    with running_postgres(server_options=options) as server:
        yield server


def url(server: PostgresServer, host: str) -> str:
    return f"postgresql://{server.user}@{host}:{server.port}/{server.database}?ssl=verify-full"


async def encrypted(database_url: str) -> bool:
    database = open_database(Settings(database_url=database_url))
    async with database:
        row = await database.fetch_one(
            text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        )
    assert row is not None
    return bool(row[0])


async def test_verify_full_connects_to_a_server_its_authority_signed(
    tls_postgres: PostgresServer, certificates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(certificates / "test-ca.crt"))
    assert await encrypted(url(tls_postgres, "localhost"))


async def test_verify_full_refuses_a_certificate_from_another_authority(
    tls_postgres: PostgresServer, certificates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(certificates / "other-ca.crt"))
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        await encrypted(url(tls_postgres, "localhost"))


async def test_verify_full_refuses_a_certificate_for_another_name(
    tls_postgres: PostgresServer, certificates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSSLROOTCERT", str(certificates / "test-ca.crt"))
    # The certificate names localhost; 127.0.0.1 is the same server under another name.
    with pytest.raises(ssl.SSLCertVerificationError, match=r"mismatch|doesn't match"):
        await encrypted(url(tls_postgres, "127.0.0.1"))
