"""The autumn term 2026 used by the follow-up tests: 2 September to 18 December, with
the half-term week of 26-30 October."""

from __future__ import annotations

from datetime import date

from hub.followup.calendar import DateRange, Term, TermCalendar

AUTUMN = TermCalendar(
    terms=(
        Term(
            name="autumn 2026",
            first_day=date(2026, 9, 2),
            last_day=date(2026, 12, 18),
            breaks=(DateRange(first_day=date(2026, 10, 26), last_day=date(2026, 10, 30)),),
        ),
    )
)
