"""Unit tests of the local stand-in (localstack/standin): no LocalStack, no processes.

`localstack/` is not a package (that name is LocalStack's), so its folder goes on sys.path.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "localstack"))
