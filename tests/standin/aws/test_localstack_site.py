"""The fix the LocalStack process is started with: uuid5 takes a bytes name (as from Python
3.12), which LocalStack's KMS needs to create a key, and gives the same UUID as for the
string."""

from __future__ import annotations

import os
import subprocess
import sys

from standin.aws.localstack_server import SITE

CHECK = (
    "import uuid\n"
    "assert uuid.uuid5(uuid.NAMESPACE_DNS, b'key') == uuid.uuid5(uuid.NAMESPACE_DNS, 'key')\n"
    "assert uuid.uuid5(uuid.NAMESPACE_URL, 'x').version == 5\n"
)


def test_uuid5_takes_bytes_in_a_process_started_with_the_site_folder() -> None:
    environment = {**os.environ, "PYTHONPATH": str(SITE)}
    result = subprocess.run(
        [sys.executable, "-c", CHECK], env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
