"""School-local time, for display only. The workflow computes every instant in UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hub.policy import PolicyPack


def local_time(at: datetime, pack: PolicyPack) -> datetime:
    """``at`` (timezone-aware) as wall-clock time in the school's timezone."""
    if at.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    return at.astimezone(ZoneInfo(pack.timezone))


def show_time(at: datetime, pack: PolicyPack) -> str:
    """``at`` as staff read it on the board, e.g. ``Sun 25 Oct 2026 01:30 GMT``."""
    return local_time(at, pack).strftime("%a %d %b %Y %H:%M %Z")
