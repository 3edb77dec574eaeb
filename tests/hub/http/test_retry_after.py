"""Parsing Retry-After: seconds, HTTP-dates, garbage."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest

from hub.http import parse_retry_after
from tests.factories import T0


def http_date(seconds_from_t0: float) -> str:
    return format_datetime(T0 + timedelta(seconds=seconds_from_t0), usegmt=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2.0), (" 120 ", 120.0), ("0", 0.0), ("1.5", 1.5), ("86400", 86400.0)],
)
def test_delay_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value, now=T0) == expected


def test_http_date_from_now() -> None:
    assert parse_retry_after(http_date(4), now=T0) == 4.0


def test_http_date_from_the_server_date_header() -> None:
    assert parse_retry_after(http_date(10), now=T0, server_date=http_date(7)) == 3.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1e3", "Mon, 99 Foo 2026", "9" * 40])
def test_garbage_means_no_hint(value: str | None) -> None:
    assert parse_retry_after(value, now=T0) is None


def test_a_past_date_means_no_hint() -> None:
    assert parse_retry_after(http_date(-30), now=T0) is None
    assert parse_retry_after(http_date(0), now=T0) is None


def test_a_garbage_server_date_falls_back_to_now() -> None:
    assert parse_retry_after(http_date(6), now=T0, server_date="yesterday") == 6.0
