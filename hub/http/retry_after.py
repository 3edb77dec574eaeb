"""Reading a ``Retry-After`` header: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_SECONDS = re.compile(r"\d{1,10}(?:\.\d{1,6})?")


def parse_retry_after(
    value: str | None, *, now: datetime, server_date: str | None = None
) -> float | None:
    """Seconds to wait, or None when the header is absent, malformed, negative or past.

    An HTTP-date is measured from the response's ``Date`` header when it has one (so a
    skewed local clock does not matter), else from ``now`` (timezone-aware).
    """
    if value is None:
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    when = _http_date(text)
    if when is None:
        return None
    reference = _http_date(server_date) if server_date else None
    delay = (when - (reference or now.astimezone(UTC))).total_seconds()
    return delay if delay > 0 else None


def _http_date(text: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
