from __future__ import annotations

import ssl
import stat
from pathlib import Path

from standin.cloudfront.certificates import issue


def test_a_server_certificate_for_loopback_that_clients_trust_by_the_ca_file(
    tmp_path: Path,
) -> None:
    certificates = issue(tmp_path / "front-door")
    for key in (certificates.server_key, tmp_path / "front-door" / "ca.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(certificates.server, certificates.server_key)
    client = ssl.create_default_context(cafile=certificates.ca)
    assert client.verify_mode == ssl.CERT_REQUIRED
    assert len(client.get_ca_certs()) == 1
    text = certificates.server.read_text()
    assert text.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" not in text + certificates.ca.read_text()


def test_each_start_makes_a_new_authority(tmp_path: Path) -> None:
    first = issue(tmp_path).ca.read_text()
    assert issue(tmp_path).ca.read_text() != first
