"""Logs and errors under test: captured after redaction, searched for personal data.

The kit reuses ``hub.logging.capture_redacted_logs`` (events as they would be written)
and ``assert_no_personal_data``; errors are checked the same way through their
``str()`` and ``repr()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from structlog.typing import EventDict

from hub.logging import assert_no_personal_data, capture_redacted_logs

__all__ = [
    "assert_error_is_safe",
    "assert_no_personal_data",
    "capture_redacted_logs",
    "count_events",
]


def assert_error_is_safe(error: BaseException, values: Sequence[str]) -> None:
    """Fail if ``str()`` or ``repr()`` of ``error`` (or what caused it) holds any of
    ``values``. The failure names the value's position, never the value."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        event = {"event": type(current).__name__, "str": str(current), "repr": repr(current)}
        try:
            assert_no_personal_data([event], values)
        except AssertionError as exc:
            raise AssertionError(f"{exc} (in the text of {type(current).__name__})") from None
        current = current.__cause__ or current.__context__


def count_events(events: Iterable[EventDict], word: str) -> int:
    """How many events have ``word`` in their event name."""
    return sum(1 for event in events if word in str(event.get("event", "")))
