"""Rows of SIMS/Arbor-style exports, the column presets, and the mapping to hub models.

A row arrives as ``{logical column: text}`` (the reader has already matched the
headers); the functions here turn it into a hub model or raise ``RowError`` whose
reason names the column and what is wrong with it, never the value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.followup.register import SessionMark
from hub.hooks.types import AttendanceSummary
from hub.models import Address, Contact, Pupil

Export = Literal["pupils", "contacts", "attendance"]
EXPORTS: tuple[Export, ...] = ("pupils", "contacts", "attendance")
Row = Mapping[str, str]

_LONDON = ZoneInfo("Europe/London")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0", ""})

PRESENT_MARKS = frozenset({"/", "\\", "L", "B", "J", "K", "P", "V", "W"})
"""Register marks counted as attended (present, late before close, approved activity)."""
ABSENT_MARKS = frozenset({"C", "C1", "C2", "E", "G", "I", "M", "N", "O", "Q", "R", "S", "T", "U"})
"""Register marks counted as a possible session missed."""
NOT_POSSIBLE_MARKS = frozenset({"X", "Y", "Z", "#", "D", "-"})
"""Register marks that are not possible sessions (closures, not on roll, dual registration)."""

PRESETS: dict[str, dict[Export, dict[str, str]]] = {
    "sims": {
        "pupils": {
            "pupil_id": "Adno",
            "first_name": "Forename",
            "last_name": "Surname",
            "date_of_birth": "DOB",
            "year_group": "Year",
            "address_line1": "Address Line 1",
            "address_line2": "Address Line 2",
            "town": "Town",
            "postcode": "Postcode",
            "household_id": "Family ID",
            "last_modified": "Last Updated",
        },
        "contacts": {
            "pupil_id": "Adno",
            "contact_id": "Contact ID",
            "name": "Contact Name",
            "relationship": "Relationship",
            "parental_responsibility": "Parental Responsibility",
            "phone": "Telephone",
            "email": "Email",
            "priority": "Priority",
        },
        "attendance": {
            "pupil_id": "Adno",
            "date": "Date",
            "session": "Session",
            "mark": "Mark",
            "possible": "Possible Sessions",
            "attended": "Present Sessions",
            "period_start": "From",
            "period_end": "To",
        },
    },
    "arbor": {
        "pupils": {
            "pupil_id": "Student ID",
            "first_name": "Legal First Name",
            "last_name": "Legal Last Name",
            "date_of_birth": "Date Of Birth",
            "year_group": "Year Group",
            "address_line1": "Address Line 1",
            "address_line2": "Address Line 2",
            "town": "Town",
            "postcode": "Postcode",
            "household_id": "Household ID",
            "last_modified": "Last Modified",
        },
        "contacts": {
            "pupil_id": "Student ID",
            "contact_id": "Guardian ID",
            "name": "Guardian Name",
            "relationship": "Relationship",
            "parental_responsibility": "Has Parental Responsibility",
            "phone": "Mobile",
            "email": "Email",
            "priority": "Contact Priority",
        },
        "attendance": {
            "pupil_id": "Student ID",
            "date": "Date",
            "session": "Session",
            "mark": "Attendance Mark",
            "possible": "Possible Sessions",
            "attended": "Attended Sessions",
            "period_start": "Start Date",
            "period_end": "End Date",
        },
    },
}
"""Header names per preset, per export, per logical column."""

REQUIRED: dict[Export, tuple[str, ...]] = {
    "pupils": ("pupil_id", "first_name", "last_name"),
    "contacts": ("pupil_id", "contact_id", "name"),
    "attendance": ("pupil_id",),
}
"""Columns an export cannot be read without; a missing one stops the whole file."""


class RowError(ValueError):
    """One row cannot be imported; the message names the column, never the value."""


class RejectedRow(BaseModel):
    """A row left out of an import: which file, which line, and why (never its values)."""

    model_config = ConfigDict(frozen=True)

    file: str = Field(description="The export's file name.")
    line: int = Field(ge=1, description="Line number in the file, the header being line 1.")
    reason: str = Field(description="What is wrong, naming the column; never a value.")

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


class ImportReport(BaseModel):
    """What one read of an export did: rows read, rows imported, rows rejected and why."""

    model_config = ConfigDict(frozen=True)

    rows_read: int = Field(default=0, ge=0)
    imported: int = Field(default=0, ge=0)
    rejected: tuple[RejectedRow, ...] = ()

    def __add__(self, other: ImportReport) -> ImportReport:
        return ImportReport(
            rows_read=self.rows_read + other.rows_read,
            imported=self.imported + other.imported,
            rejected=self.rejected + other.rejected,
        )


@dataclass(frozen=True)
class Layout:
    """The header each logical column of one export has in this school's files."""

    export: Export
    headers: Mapping[str, str]

    def header(self, column: str) -> str:
        """The header people see for ``column`` (used in every reason)."""
        return self.headers.get(column, column)


def layout_for(preset: str, export: Export, overrides: Mapping[str, str | None]) -> Layout:
    """The preset's headers for ``export`` with the school's renamed ones laid over."""
    headers = dict(PRESETS[preset][export])
    headers.update({column: name for column, name in overrides.items() if name})
    return Layout(export, headers)


@dataclass(frozen=True)
class MarkRow:
    """One register mark: a pupil, a day, a session and the mark."""

    pupil_id: str
    on: date
    session: str
    mark: str


@dataclass(frozen=True)
class TotalsRow:
    """One summary row: sessions possible and attended, over a period when the export says."""

    pupil_id: str
    possible: int
    attended: int
    period_start: date | None
    period_end: date | None


# --- values -------------------------------------------------------------------------------


def _text(row: Row, layout: Layout, column: str, *, required: bool = False) -> str | None:
    value = row.get(column, "").strip()
    if value:
        return value
    if required:
        raise RowError(f"column '{layout.header(column)}' is blank")
    return None


@lru_cache(maxsize=4096)
def parse_date(value: str) -> date:
    """A date as UK exports write it: 2026-11-23, 23/11/2026, 23-11-2026, 23.11.2026
    (a time after it is ignored)."""
    text = value.strip().split(" ")[0].split("T")[0]
    iso, uk = _ISO_DATE.fullmatch(text), _UK_DATE.fullmatch(text)
    try:
        if iso is not None:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if uk is not None:
            return date(int(uk[4]), int(uk[3]), int(uk[1]))
    except ValueError:
        pass  # 31/02/2015
    raise ValueError("not a date")


def parse_instant(value: str) -> datetime:
    """A date or date-time; without an offset it is school time (Europe/London), in UTC."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _day_first_datetime(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_LONDON)
    return parsed.astimezone(UTC)


def _day_first_datetime(text: str) -> datetime:
    day, _, clock = text.partition(" ")
    on = parse_date(day)
    if not clock:
        return datetime.combine(on, time())
    found = _CLOCK.fullmatch(clock)
    try:
        if found is not None:
            return datetime.combine(on, time(int(found[1]), int(found[2]), int(found[3] or 0)))
    except ValueError:
        pass  # 25:00
    raise ValueError("not a date and time")


def parse_bool(value: str) -> bool:
    """Yes/No, Y/N, True/False, 1/0; blank is No."""
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("not yes or no")


def _date(row: Row, layout: Layout, column: str, *, required: bool = False) -> date | None:
    value = _text(row, layout, column, required=required)
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError:
        raise RowError(f"column '{layout.header(column)}' is not a date") from None


def _count(row: Row, layout: Layout, column: str) -> int:
    value = _text(row, layout, column, required=True) or ""
    try:
        number = int(float(value)) if re.fullmatch(r"\d+(\.0+)?", value) else int(value)
    except ValueError:
        raise RowError(f"column '{layout.header(column)}' is not a whole number") from None
    if number < 0:
        raise RowError(f"column '{layout.header(column)}' is negative")
    return number


def household_id_for(key: bytes, line1: str, postcode: str) -> str:
    """A stable household id for an address: a keyed hash, so it names no address."""
    normal = f"{' '.join(line1.lower().split())}|{postcode.upper().replace(' ', '')}"
    return "hh-" + hmac.new(key, normal.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def _validated(build: type[BaseModel], layout: Layout, **values: object) -> BaseModel:
    try:
        return build(**values)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        field = str(first["loc"][-1]) if first["loc"] else "row"
        column = _FIELD_COLUMNS.get(field, field)
        message = str(first["msg"]).removeprefix("Value error, ")
        raise RowError(f"column '{layout.header(column)}': {message}") from None


_FIELD_COLUMNS = {"id": "pupil_id", "line1": "address_line1", "line2": "address_line2"}


# --- rows to hub models ---------------------------------------------------------------------


@dataclass(frozen=True)
class PupilRecord:
    """A pupil and, when the export has the column, when their record last changed."""

    pupil: Pupil
    changed_at: datetime | None


def to_pupil_record(
    row: Row, layout: Layout, *, school_id: str, household_key: bytes
) -> PupilRecord:
    """The pupil on one row, with the row's last-modified time when there is one."""
    changed = _text(row, layout, "last_modified")
    try:
        changed_at = parse_instant(changed) if changed else None
    except ValueError:
        header = layout.header("last_modified")
        raise RowError(f"column '{header}' is not a date or time") from None
    pupil = to_pupil(row, layout, school_id=school_id, household_key=household_key)
    return PupilRecord(pupil, changed_at)


def to_pupil(row: Row, layout: Layout, *, school_id: str, household_key: bytes) -> Pupil:
    """A pupil with their address; the household id comes from the export or the address."""
    pupil_id = _text(row, layout, "pupil_id", required=True)
    address = _address(row, layout, household_key)
    pupil = _validated(
        Pupil,
        layout,
        id=pupil_id,
        school_id=school_id,
        first_name=_text(row, layout, "first_name", required=True),
        last_name=_text(row, layout, "last_name", required=True),
        date_of_birth=_date(row, layout, "date_of_birth"),
        year_group=_text(row, layout, "year_group"),
        address=address,
    )
    assert isinstance(pupil, Pupil)
    return pupil


def _address(row: Row, layout: Layout, household_key: bytes) -> Address | None:
    parts = ("address_line1", "address_line2", "town", "postcode")
    if not any(_text(row, layout, part) for part in parts):
        return None
    line1 = _text(row, layout, "address_line1", required=True) or ""
    postcode = _text(row, layout, "postcode", required=True) or ""
    _text(row, layout, "town", required=True)
    household = _text(row, layout, "household_id") or household_id_for(
        household_key, line1, postcode
    )
    address = _validated(
        Address,
        layout,
        line1=line1,
        line2=_text(row, layout, "address_line2"),
        town=_text(row, layout, "town"),
        postcode=" ".join(postcode.upper().split()),
        household_id=household,
    )
    assert isinstance(address, Address)
    return address


def to_contact(row: Row, layout: Layout) -> Contact:
    """A contact of a pupil; a blank parental responsibility column means no."""
    try:
        responsible = parse_bool(row.get("parental_responsibility", ""))
    except ValueError:
        header = layout.header("parental_responsibility")
        raise RowError(f"column '{header}' is not yes or no") from None
    priority = _count(row, layout, "priority") if _text(row, layout, "priority") else 1
    contact = _validated(
        Contact,
        layout,
        id=_text(row, layout, "contact_id", required=True),
        pupil_id=_text(row, layout, "pupil_id", required=True),
        name=_text(row, layout, "name", required=True),
        relationship=(_text(row, layout, "relationship") or "parent").lower(),
        parental_responsibility=responsible,
        phone=_text(row, layout, "phone"),
        email=_text(row, layout, "email"),
        priority=max(priority, 1),
    )
    assert isinstance(contact, Contact)
    return contact


def to_mark(row: Row, layout: Layout) -> MarkRow:
    """One register mark; a blank mark is a session not yet marked."""
    mark = (_text(row, layout, "mark") or "-").upper()
    if mark.startswith("Y") and mark[1:].isdigit():
        mark = "Y"
    if mark not in PRESENT_MARKS | ABSENT_MARKS | NOT_POSSIBLE_MARKS:
        raise RowError(f"column '{layout.header('mark')}' is not a register code")
    session = (_text(row, layout, "session") or "").upper()
    if session and session not in {"AM", "PM"}:
        raise RowError(f"column '{layout.header('session')}' is not AM or PM")
    return MarkRow(
        pupil_id=_text(row, layout, "pupil_id", required=True) or "",
        on=_date(row, layout, "date", required=True) or date.min,
        session=session,
        mark=mark,
    )


def to_totals(row: Row, layout: Layout) -> TotalsRow:
    """One summary row of sessions possible and attended."""
    totals = TotalsRow(
        pupil_id=_text(row, layout, "pupil_id", required=True) or "",
        possible=_count(row, layout, "possible"),
        attended=_count(row, layout, "attended"),
        period_start=_date(row, layout, "period_start"),
        period_end=_date(row, layout, "period_end"),
    )
    if totals.attended > totals.possible:
        header = layout.header("attended")
        raise RowError(f"column '{header}' is more than the possible sessions")
    return totals


def summarise_marks(
    pupil_id: str, marks: Iterable[MarkRow], since: date, until: date
) -> AttendanceSummary:
    """Sessions possible and attended from the marks inside the window (inclusive)."""
    inside = [m for m in marks if since <= m.on <= until and m.mark not in NOT_POSSIBLE_MARKS]
    attended = sum(1 for m in inside if m.mark in PRESENT_MARKS)
    return AttendanceSummary(
        pupil_id=pupil_id,
        since=since,
        until=until,
        possible_sessions=len(inside),
        attended_sessions=attended,
    )


def summarise_totals(
    pupil_id: str, totals: Iterable[TotalsRow], since: date, until: date
) -> AttendanceSummary:
    """The summary rows lying inside the window, added up; rows without dates always count."""
    inside = [
        t
        for t in totals
        if (t.period_start is None or t.period_start >= since)
        and (t.period_end is None or t.period_end <= until)
    ]
    return AttendanceSummary(
        pupil_id=pupil_id,
        since=since,
        until=until,
        possible_sessions=sum(t.possible for t in inside),
        attended_sessions=sum(t.attended for t in inside),
    )


NOT_YET_MARKED = "-"
"""What ``to_mark`` makes of a blank mark: a session the register has not marked yet."""


def to_session_marks(marks: Iterable[MarkRow], since: date, until: date) -> list[SessionMark]:
    """The register marks inside the window (inclusive) as the hub's session marks.

    Sessions not marked yet are left out. A row with no session is the day's first
    free session (morning, then afternoon); a third such row on one day is left out.
    """
    taken: dict[tuple[str, date], set[str]] = {}
    found: list[SessionMark] = []
    for row in sorted(marks, key=lambda m: (m.pupil_id, m.on, m.session == "")):
        if not since <= row.on <= until or row.mark == NOT_YET_MARKED:
            continue
        used = taken.setdefault((row.pupil_id, row.on), set())
        session = row.session.lower() or next((s for s in ("am", "pm") if s not in used), "")
        if session not in ("am", "pm") or session in used:
            continue
        used.add(session)
        found.append(SessionMark(pupil_id=row.pupil_id, day=row.on, session=session, code=row.mark))
    return found
