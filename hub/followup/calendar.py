"""A school's term calendar: terms, half-term breaks and other non-school days.

The penalty-notice threshold counts unauthorised sessions in a rolling window of
*school* weeks, so the rules must know which days the school was open. A **school
day** is a weekday inside a term, outside its breaks and not a closure (an INSET day,
a bank holiday). A **school week** is a Monday-to-Sunday week holding at least one
school day: a half-term week is not one, so a window of ten school weeks reaching back
over a half-term covers eleven calendar weeks.

Schools give their dates as a TOML file (``TermCalendar.from_toml``)::

    closures = [2026-11-02]

    [[terms]]
    name = "autumn 2026"
    first_day = 2026-09-02
    last_day = 2026-12-18
    breaks = [{ first_day = 2026-10-26, last_day = 2026-10-30 }]

When no calendar is given, ``TermCalendar.inferred`` takes the days the register
holds possible sessions for as the school days.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from hub.errors import UserError
from hub.models.base import DomainModel


class DateRange(DomainModel):
    """Days from ``first_day`` to ``last_day``, both included."""

    first_day: date
    last_day: date

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.last_day < self.first_day:
            raise ValueError("last_day must not be before first_day")
        return self

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= day <= self.last_day


class Term(DateRange):
    """One term, with its half-term (or other) breaks."""

    name: str = Field(min_length=1)
    breaks: tuple[DateRange, ...] = ()


class TermCalendar(DomainModel):
    """The days a school is open, for counting school weeks."""

    terms: tuple[Term, ...] = Field(min_length=1)
    closures: frozenset[date] = frozenset()

    @classmethod
    def from_toml(cls, path: Path | str) -> TermCalendar:
        """Read a calendar file; a ``UserError`` names the file and the first bad key."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            return cls.model_validate(data)
        except OSError as exc:
            raise UserError(f"{path}: cannot be read ({exc.strerror})") from None
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path}: is not valid TOML ({exc})") from None
        except ValidationError as exc:
            first = exc.errors(include_input=False)[0]
            key = ".".join(str(part) for part in first["loc"]) or "(top level)"
            raise UserError(f"{path}: {key}: {first['msg']}") from None

    @classmethod
    def inferred(cls, school_days: Iterable[date]) -> TermCalendar:
        """A calendar whose school days are exactly ``school_days`` (at least one)."""
        days = sorted(set(school_days))
        if not days:
            raise ValueError("an inferred calendar needs at least one school day")
        first, last = days[0], days[-1]
        open_days = set(days)
        closed = {
            first + timedelta(days=n)
            for n in range((last - first).days + 1)
            if first + timedelta(days=n) not in open_days
        }
        term = Term(name="inferred from the register", first_day=first, last_day=last)
        return cls(terms=(term,), closures=frozenset(closed))

    @property
    def first_day(self) -> date:
        """The first day of the earliest term."""
        return min(term.first_day for term in self.terms)

    def is_school_day(self, day: date) -> bool:
        """Whether the school is open on ``day``."""
        if day.weekday() >= 5 or day in self.closures:
            return False
        return any(
            day in term and not any(day in pause for pause in term.breaks) for term in self.terms
        )

    def school_days(self, first: date, last: date) -> list[date]:
        """The school days from ``first`` to ``last``, both included."""
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return [day for day in days if self.is_school_day(day)]

    def school_weeks_back(self, until: date, weeks: int) -> date:
        """The Monday starting the ``weeks``-th school week counted back from ``until``.

        The week holding ``until`` counts when it holds a school day on or before
        ``until``. When the calendar runs out first, its first day is returned.
        """
        if weeks < 1:
            raise ValueError("weeks must be at least 1")
        monday = until - timedelta(days=until.weekday())
        found = 0
        while monday + timedelta(days=6) >= self.first_day:
            last = min(monday + timedelta(days=6), until)
            if self.school_days(monday, last):
                found += 1
                if found == weeks:
                    return monday
            monday -= timedelta(days=7)
        return self.first_day
