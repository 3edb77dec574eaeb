"""Wonde's JSON as wire models, and the mapping from them to hub models.

Wonde wraps every list in ``{"data": [...], "meta": {"pagination": {...}}}`` and every
included relation in ``{"data": ...}``; its datetimes are PHP-style objects
``{"date": "2025-10-04 01:03:22.000000", "timezone_type": 3, "timezone": "UTC"}``.
Fields a school did not approve are simply absent, so nearly everything is optional.
Unknown fields are ignored (Wonde adds fields); personal fields stay out of ``repr()``
and no model echoes its input in a validation error.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Annotated, Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from hub.hooks.types import AttendanceSummary
from hub.models import Address, Contact, Pupil
from hub.models.base import personal, share_fields_set

T = TypeVar("T")
Day = date
"""``date``, under a name the ``WondeDate.date`` field does not hide."""

UK = "Europe/London"
_ABBREVIATIONS = {"UTC": 0, "GMT": 0, "Z": 0, "BST": 1}
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


class WireModel(BaseModel):
    """Base of Wonde's wire models: frozen, lenient about extra fields, silent in errors."""

    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


class WondeDate(WireModel):
    """A PHP-style datetime object: local wall time plus how to read its zone.

    ``timezone_type`` 1 is an offset (``+01:00``), 2 an abbreviation (``BST``),
    3 an IANA zone (``Europe/London``).
    """

    date: str = Field(description="Wall time, 'YYYY-MM-DD HH:MM:SS[.ffffff]'.")
    timezone_type: int = 3
    timezone: str = "UTC"

    def zone(self) -> tzinfo:
        """The zone the wall time is written in."""
        name = self.timezone.strip()
        if name.upper() in _ABBREVIATIONS:
            return timezone(timedelta(hours=_ABBREVIATIONS[name.upper()]))
        offset = _OFFSET.match(name)
        if offset:
            sign, hours, minutes = offset.groups()
            delta = timedelta(hours=int(hours), minutes=int(minutes))
            return timezone(-delta if sign == "-" else delta)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown timezone in a Wonde date object") from None

    def wall_time(self) -> datetime:
        """The naive wall time as written."""
        return datetime.fromisoformat(self.date.strip())

    def to_utc(self) -> datetime:
        """The instant, as an aware UTC datetime (for timestamps such as ``updated_at``)."""
        return self.wall_time().replace(tzinfo=self.zone()).astimezone(UTC)

    def local_date(self) -> Day:
        """The calendar date in its own zone (for dates such as ``date_of_birth``).

        A birthday written as midnight in UK summer time must not slide back a day.
        """
        return self.wall_time().date()


def wonde_date(value: datetime, zone: str = UK) -> dict[str, Any]:
    """Write an aware datetime the way Wonde does, as wall time in ``zone``."""
    local = value.astimezone(ZoneInfo(zone))
    return {
        "date": local.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "timezone_type": 3,
        "timezone": zone,
    }


class Included(WireModel, Generic[T]):
    """An included relation, wrapped the Wonde way: ``{"data": ...}``."""

    data: T


def _loose_bool(value: object) -> object:
    """MIS exports spell yes/no many ways: true, 1, "Y", "yes", "T"."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"1", "y", "yes", "true", "t"}:
            return True
        if text in {"0", "n", "no", "false", "f", ""}:
            return False
    return value


LooseBool = Annotated[bool | None, BeforeValidator(_loose_bool)]


class Phones(WireModel):
    """A person's phone numbers as the MIS holds them."""

    phone: str | None = personal(None)
    primary: str | None = personal(None)
    home: str | None = personal(None)
    work: str | None = personal(None)
    mobile: str | None = personal(None)


class Emails(WireModel):
    """A person's e-mail addresses as the MIS holds them."""

    email: str | None = personal(None)
    primary: str | None = personal(None)
    home: str | None = personal(None)
    work: str | None = personal(None)


class WondeAddress(WireModel):
    """A postal address, split the way UK MIS systems split it."""

    house_number: str | None = personal(None)
    house_name: str | None = personal(None)
    apartment: str | None = personal(None)
    street: str | None = personal(None)
    district: str | None = personal(None)
    town: str | None = personal(None)
    county: str | None = personal(None)
    country: str | None = personal(None)
    postcode: str | None = personal(None)


class Addresses(WireModel):
    """Home, work and postal addresses."""

    home: WondeAddress | None = None
    work: WondeAddress | None = None
    postal: WondeAddress | None = None


class ContactDetails(WireModel):
    """The ``contact_details`` include: phones, e-mails and addresses."""

    phones: Phones | None = None
    emails: Emails | None = None
    addresses: Addresses | None = None


class Relationship(WireModel):
    """How a contact relates to the student it was reached through."""

    relationship: str | None = None
    parental_responsibility: LooseBool = None
    priority: int | None = None
    lives_with_pupil: LooseBool = None


class WondeContact(WireModel):
    """A contact, as included on a student."""

    id: str = Field(min_length=1)
    title: str | None = personal(None)
    forename: str | None = personal(None)
    surname: str | None = personal(None)
    relationship: Relationship | None = None
    contact_details: Included[ContactDetails | None] | None = None


class YearGroup(WireModel):
    """The ``year`` include."""

    code: str | None = None
    name: str | None = None


class StudentCore(WireModel):
    """A student as the roll is read: everything a ``Pupil`` needs, no contacts."""

    id: str = Field(min_length=1, description="Wonde's id, e.g. 'A544429684'.")
    mis_id: str | None = None
    upi: str | None = None
    forename: str | None = personal(None)
    surname: str | None = personal(None)
    legal_forename: str | None = personal(None)
    legal_surname: str | None = personal(None)
    date_of_birth: WondeDate | None = personal(None)
    created_at: WondeDate | None = None
    updated_at: WondeDate | None = None
    contact_details: Included[ContactDetails | None] | None = None
    extended_details: Included[dict[str, Any] | None] | None = personal(None)
    year: Included[YearGroup | None] | None = None


class WondeStudent(StudentCore):
    """A student with its contacts, as one student is read."""

    contacts: Included[list[WondeContact]] | None = None


class Pagination(WireModel):
    """``meta.pagination``: the next page's URL (with its cursor) and whether there is one."""

    next: str | None = None
    more: bool | None = None


class Meta(WireModel):
    """``meta`` of a list response."""

    pagination: Pagination | None = None


class PageHead(WireModel):
    """Only the ``meta`` of a list page."""

    meta: Meta | None = None


def peek_next_url(content: bytes) -> str | None:
    """The ``meta.pagination.next`` link read from the tail of a list body, where Wonde
    puts ``meta``, without parsing the records; None when the tail does not parse.

    Only a hint for sending the next request early: the full parse has the last word.
    """
    start = content.rfind(b'"meta"')
    if start < 0:
        return None
    try:
        head = PageHead.model_validate_json(b"{" + content[start:])
    except ValidationError:
        return None
    pagination = head.meta.pagination if head.meta else None
    return pagination.next if pagination else None


class Page(WireModel, Generic[T]):
    """One page of a list endpoint."""

    data: list[T]
    meta: Meta | None = None

    @property
    def next_url(self) -> str | None:
        """The next page's URL, if Wonde gave one."""
        return self.meta.pagination.next if self.meta and self.meta.pagination else None

    @property
    def more(self) -> bool:
        """Whether Wonde says more pages follow."""
        pagination = self.meta.pagination if self.meta else None
        return bool(pagination and pagination.more)


class One(WireModel, Generic[T]):
    """A single-item response: ``{"data": {...}}``."""

    data: T


class WondeAttendanceSummary(WireModel):
    """One student's row of ``attendance-summaries``: counts of session marks.

    Only ``possible_marks`` is confirmed in public material; the other counters are
    our best reading and default to 0 when absent.
    """

    id: str | None = None
    student: str = Field(min_length=1, description="The student's Wonde id.")
    possible_marks: int = Field(ge=0)
    present_marks: int = Field(default=0, ge=0)
    approved_educational_activity_marks: int = Field(default=0, ge=0)
    authorised_absence_marks: int = Field(default=0, ge=0)
    unauthorised_absence_marks: int = Field(default=0, ge=0)

    @property
    def attended_marks(self) -> int:
        """Present plus approved educational activity (counted as attending, as the DfE does)."""
        return self.present_marks + self.approved_educational_activity_marks


class WondeAttendanceCode(WireModel):
    """The ``attendance_code`` include of a session mark: the register code as the MIS
    keeps it (``code``), with Wonde's id for it."""

    id: str | None = None
    code: str = Field(max_length=16, description="The register code, e.g. '/', 'N', 'Y1'.")


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


class WondeSessionMark(WireModel):
    """One row of ``attendance/session``: a student's mark for one session of one day.

    ``comment`` (free text a member of staff typed) is never read.
    """

    id: str | None = None
    student: str = Field(min_length=1, description="The student's Wonde id.")
    date: WondeDate | Day = Field(description="The day, as a date object or 'YYYY-MM-DD'.")
    session: Annotated[Literal["AM", "PM"], BeforeValidator(_upper)]
    attendance_code: Included[WondeAttendanceCode]

    @property
    def day(self) -> Day:
        """The calendar day of the session, in the school's own zone."""
        return self.date.local_date() if isinstance(self.date, WondeDate) else self.date


# --- mapping to hub models -----------------------------------------------------------


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _normalise(value: str | None) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", (value or "").casefold()).split())


def normalise_postcode(value: str | None) -> str:
    """Upper case, no spaces: 'ab1 2cd' and 'AB12CD' are one postcode."""
    return "".join((value or "").split()).upper()


def household_id(address: WondeAddress) -> str | None:
    """A stable id for everyone living at one address, so siblings' records meet.

    Built from the postcode, flat, house name and number and street, normalised (case,
    spacing and punctuation ignored), then hashed: the same address always gives the
    same id, in any adapter that uses this function. None without a postcode.
    """
    postcode = normalise_postcode(address.postcode)
    if not postcode:
        return None
    parts = [
        postcode,
        _normalise(address.apartment),
        _normalise(address.house_name),
        _normalise(address.house_number),
        _normalise(address.street),
    ]
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()
    return f"hh-{digest[:20]}"


_PUPIL_FIELDS = set(Pupil.model_fields)
_ADDRESS_FIELDS = set(Address.model_fields)
"""One fields-set for every pupil (address) mapped here; never changed."""


def to_address(address: WondeAddress | None) -> Address | None:
    """A hub ``Address``, or None when Wonde's is too incomplete to visit."""
    if address is None:
        return None
    street = " ".join(p for p in (_clean(address.house_number), _clean(address.street)) if p)
    line1 = ", ".join(
        p for p in (_clean(address.apartment), _clean(address.house_name), street) if p
    )
    town = _clean(address.town) or _clean(address.district) or _clean(address.county)
    postcode = _clean(address.postcode).upper()
    if not (line1 and town and 2 <= len(postcode) <= 10):
        return None
    district = _clean(address.district)
    mapped = Address(
        line1=line1,
        line2=district if district and district != town else None,
        town=town,
        postcode=postcode,
        household_id=household_id(address),
    )
    return share_fields_set(mapped, _ADDRESS_FIELDS)


def _home_address(details: Included[ContactDetails | None] | None) -> WondeAddress | None:
    addresses = details.data.addresses if details and details.data else None
    if addresses is None:
        return None
    return addresses.home or addresses.postal


def to_pupil(student: StudentCore, *, school_id: str) -> Pupil:
    """A hub ``Pupil`` from a Wonde student, with the home address and its household."""
    year = student.year.data if student.year else None
    pupil = Pupil(
        id=student.id,
        school_id=school_id,
        first_name=_clean(student.forename) or _clean(student.legal_forename),
        last_name=_clean(student.surname) or _clean(student.legal_surname),
        date_of_birth=student.date_of_birth.local_date() if student.date_of_birth else None,
        year_group=(year.code or year.name) if year else None,
        address=to_address(_home_address(student.contact_details)),
    )
    return share_fields_set(pupil, _PUPIL_FIELDS)


def _first(*values: str | None) -> str | None:
    return next((_clean(v) for v in values if _clean(v)), None)


def to_contact(contact: WondeContact, *, pupil_id: str, position: int = 1) -> Contact | None:
    """A hub ``Contact``, or None for a contact with no name to speak to.

    Parental responsibility comes from the relationship; when the MIS does not say, it
    is taken as *not* held, because only holders may be told about a visit.
    """
    name = " ".join(p for p in (_clean(contact.forename), _clean(contact.surname)) if p)
    if not name:
        return None
    relation = contact.relationship or Relationship()
    details = contact.contact_details.data if contact.contact_details else None
    phones = (details.phones if details else None) or Phones()
    emails = (details.emails if details else None) or Emails()
    return Contact(
        id=contact.id,
        pupil_id=pupil_id,
        name=name,
        relationship=_clean(relation.relationship).lower() or "contact",
        parental_responsibility=bool(relation.parental_responsibility),
        phone=_first(phones.mobile, phones.primary, phones.phone, phones.home, phones.work),
        email=_first(emails.primary, emails.email, emails.home, emails.work),
        address=to_address(_home_address(contact.contact_details)),
        priority=max(1, relation.priority if relation.priority is not None else position),
    )


def to_contacts(student: WondeStudent) -> list[Contact]:
    """The student's contacts in priority order (the MIS's order breaks ties)."""
    found = student.contacts.data if student.contacts else []
    contacts = [to_contact(c, pupil_id=student.id, position=i) for i, c in enumerate(found, 1)]
    kept = [c for c in contacts if c is not None]
    return sorted(kept, key=lambda c: c.priority)


def to_attendance(
    summaries: list[WondeAttendanceSummary], *, pupil_id: str, since: date, until: date
) -> AttendanceSummary:
    """Sessions attended out of possible over the window; no rows means no sessions."""
    mine = [s for s in summaries if s.student == pupil_id]
    possible = sum(s.possible_marks for s in mine)
    attended = min(possible, sum(s.attended_marks for s in mine))
    return AttendanceSummary(
        pupil_id=pupil_id,
        since=since,
        until=until,
        possible_sessions=possible,
        attended_sessions=attended,
    )
