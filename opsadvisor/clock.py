"""What day it is for opsadvisor: the system's date, unless OPSADVISOR_TODAY pins another.

Every "today" of the tool (risk acceptances' as-of day, `accept`'s default date, the workbench) comes
from `today()`, so a report, a documented example or a test can be reproduced on any later day.
"""

from __future__ import annotations

import datetime
import os

from .errors import UsageError

PINNED_TODAY = "OPSADVISOR_TODAY"


def today() -> datetime.date:
    """The pinned day (OPSADVISOR_TODAY, YYYY-MM-DD) when set and not empty, else the system's date.

    Raises UsageError (exit 2) for a pinned value that is not a valid date.
    """
    pinned = os.environ.get(PINNED_TODAY, "").strip()
    if not pinned:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(pinned) if len(pinned) == 10 else _refuse(pinned)
    except ValueError:
        return _refuse(pinned)


def _refuse(pinned: str) -> datetime.date:
    raise UsageError(PINNED_TODAY, [f"expected a date as YYYY-MM-DD (e.g. 2026-01-31); found {pinned!r}"])
