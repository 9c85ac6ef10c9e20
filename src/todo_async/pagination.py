"""Opaque keyset cursors: a page starts after the (sort key, id) of the previous page's last row."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    sort_key: int
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.sort_key, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            sort_key, id_ = json.loads(raw)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise InvalidCursor("not a cursor this API issued") from exc
        if not all(type(part) is int and abs(part) < 2**63 for part in (sort_key, id_)):
            raise InvalidCursor("not a cursor this API issued")
        return cls(sort_key, id_)
