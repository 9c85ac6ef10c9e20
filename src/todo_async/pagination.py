"""Opaque keyset cursors: a page starts after the sort key of the previous page's last row.

In list order that key is (position, id); sorted by due date it is (due day, position, id),
the day a date's ordinal or NO_DUE for todos without one (they come last). A cursor of one
order given to the other is read as far as it goes: its (position, id), among the todos
without a due date.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import struct
from dataclasses import dataclass

# Two or three signed 64-bit integers, base64url without padding: 16 bytes make 22
# characters, the last of which carries 2 bits; 24 bytes make 32. Every token of these
# forms decodes to a key, so the pattern says exactly which cursors the API accepts.
_LIST_KEY = struct.Struct(">qq")
_DUE_KEY = struct.Struct(">qqq")
PATTERN = r"^(?:[A-Za-z0-9_-]{21}[AQgw]|[A-Za-z0-9_-]{32})$"
# The due day of todos without a due date: after every date's ordinal.
NO_DUE = 2**62
_LAST_DAY = dt.date.max.toordinal()


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    sort_key: int
    id: int
    # Set in due-date order only: the due day of the row the page follows.
    due_day: int | None = None

    @property
    def due(self) -> dt.date | None:
        """The due date the cursor sits at, in due-date order; None among todos without one.

        A day no date has (only a forged cursor holds one) stands for the nearest date.
        """
        if self.due_day is None or self.due_day >= NO_DUE:
            return None
        return dt.date.fromordinal(min(max(self.due_day, 1), _LAST_DAY))

    def encode(self) -> str:
        if self.due_day is None:
            raw = _LIST_KEY.pack(self.sort_key, self.id)
        else:
            raw = _DUE_KEY.pack(self.due_day, self.sort_key, self.id)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.b64decode(token + "==", altchars=b"-_", validate=True)
            if len(raw) == _DUE_KEY.size:
                due_day, sort_key, id_ = _DUE_KEY.unpack(raw)
                cursor = cls(sort_key, id_, due_day)
            else:
                sort_key, id_ = _LIST_KEY.unpack(raw)
                cursor = cls(sort_key, id_)
        except (binascii.Error, struct.error, ValueError) as exc:
            raise InvalidCursor("not a cursor this API issued") from exc
        # base64 lets the unused low bits of the last character vary; only one spelling counts.
        if cursor.encode() != token:
            raise InvalidCursor("not a cursor this API issued")
        return cursor
