"""Secrets and their digests."""

from __future__ import annotations

import hashlib

import pytest

from todo_async.accounts.credentials import digest, new_session_secret, new_token

# Made at import: ids fixed, as every xdist worker must collect the same tests.
SECRETS = {
    "empty": "",
    "short": "tdat_x",
    "token": new_token(),
    "session": new_session_secret(),
    "non-ascii": "é" * 300,
}


@pytest.mark.parametrize("secret", list(SECRETS.values()), ids=list(SECRETS))
def test_a_digest_is_the_secrets_sha256_whichever_implementation_makes_it(secret: str) -> None:
    # Digests already stored were made by hashlib's SHA-256: every one must still match.
    assert digest(secret) == hashlib.sha256(secret.encode()).digest()
