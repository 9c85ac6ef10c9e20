"""Loaded by the LocalStack process the harness starts (this folder is on its PYTHONPATH).

localstack-core 4.13.1, the newest that runs on Python 3.11, names each KMS key's material
with `uuid.uuid5(namespace, bytes)`; Python accepts a bytes name from 3.12 on, so on 3.11
every CreateKey fails ("encoding without a string argument") and so does any stack with an
`AWS::KMS::Key`. This gives uuid5 the 3.12 behaviour for bytes (the same SHA-1 over the
namespace and the name) and leaves it as it is for strings.
"""

import hashlib
import uuid

_uuid5 = uuid.uuid5


def _uuid5_accepting_bytes(namespace: uuid.UUID, name: str | bytes) -> uuid.UUID:
    if isinstance(name, bytes):
        digest = hashlib.sha1(namespace.bytes + name, usedforsecurity=False).digest()
        return uuid.UUID(bytes=digest[:16], version=5)
    return _uuid5(namespace, name)


uuid.uuid5 = _uuid5_accepting_bytes
