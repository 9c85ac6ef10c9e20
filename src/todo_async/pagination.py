"""Opaque keyset cursors: a page starts after the (sort key, id) of the previous page's last row."""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

# Two signed 64-bit integers, base64url without padding: 16 bytes make 22 characters, the
# last of which carries 2 bits. Every token of this form decodes to a position, so the
# pattern says exactly which cursors the API accepts.
_PACKED = struct.Struct(">qq")
PATTERN = r"^[A-Za-z0-9_-]{21}[AQgw]$"


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    sort_key: int
    id: int

    def encode(self) -> str:
        raw = _PACKED.pack(self.sort_key, self.id)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.b64decode(token + "==", altchars=b"-_", validate=True)
            sort_key, id_ = _PACKED.unpack(raw)
        except (binascii.Error, struct.error, ValueError) as exc:
            raise InvalidCursor("not a cursor this API issued") from exc
        cursor = cls(sort_key, id_)
        # base64 lets the unused low bits of the last character vary; only one spelling counts.
        if cursor.encode() != token:
            raise InvalidCursor("not a cursor this API issued")
        return cursor
