"""OneRoster 1.2 wire models, and the mapping to the hub's pupils and contacts.

The wire models are lenient (unknown fields ignored, optional fields optional): real
servers differ from the specification, and only what Doorstep uses is read. OneRoster
has no address field; a provider that publishes one puts it under the user's
``metadata`` as ``address`` (``line1``, ``line2``, ``town``, ``postcode``,
``householdId``), and Doorstep reads it from there when present.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, NotRequired, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from hub.errors import AdapterError, AuthError, NotFoundError, RejectedError, TransientError
from hub.models import Address, Contact, Pupil
from hub.models.base import share_fields_set

STUDENT_ROLE = "student"
CONTACT_ROLES = ("guardian", "parent", "relative")
"""Roles of the people a pupil's ``agents`` may point at, in order of precedence."""
PARENTAL_RESPONSIBILITY_ROLES = frozenset({"guardian", "parent"})
"""Roles taken to hold parental responsibility; a ``relative`` is not assumed to."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)


W = TypeVar("W", bound=BaseModel)


class GuidRef(_Wire):
    """A reference to another OneRoster object (``org`` or ``user``)."""

    sourced_id: str = Field(alias="sourcedId", min_length=1)
    type: str | None = None


_LENIENT = ConfigDict(extra="ignore", hide_input_in_errors=True)


class RoleEntry(TypedDict):
    """One of a user's roles (1.2: ``roles[]``); the org it is held at is not read."""

    __pydantic_config__ = _LENIENT  # type: ignore[misc]
    role: str
    roleType: NotRequired[str]


class Metadata(TypedDict, total=False):
    """The part of a user's free-form ``metadata`` Doorstep reads: ``address``, in any
    shape (``to_address`` takes only a complete one of strings)."""

    __pydantic_config__ = _LENIENT  # type: ignore[misc]
    address: Any


AnyMetadata = Annotated[Metadata | Any, Field(union_mode="left_to_right")]
"""A user's metadata: the ``Metadata`` part of an object; anything else as it came
(never an error: providers fill ``metadata`` as they like)."""


class RollUser(TypedDict):
    """A user as a roll page is read: what a pupil needs and nothing more, as plain
    values (a 20,000-pupil roll is validated page by page, so every field and every
    object costs)."""

    __pydantic_config__ = _LENIENT  # type: ignore[misc]
    sourcedId: Annotated[str, Field(min_length=1)]
    status: NotRequired[str]
    givenName: str
    familyName: str
    roles: NotRequired[list[RoleEntry]]
    grades: NotRequired[list[str]]
    metadata: NotRequired[AnyMetadata]


class DemographicsRecord(TypedDict):
    """The part of a demographics record Doorstep reads: the date of birth."""

    __pydantic_config__ = _LENIENT  # type: ignore[misc]
    sourcedId: Annotated[str, Field(min_length=1)]
    birthDate: NotRequired[date | None]


def role_names(roles: Iterable[RoleEntry]) -> list[str]:
    """The roles' names, primary ones first."""
    ordered = sorted(roles, key=lambda r: r.get("roleType", "primary") != "primary")
    return [r["role"] for r in ordered]


def holds_role(roles: Iterable[RoleEntry], role: str) -> bool:
    """Whether any of ``roles`` is ``role``."""
    return any(r["role"] == role for r in roles)


def is_active(status: str | None) -> bool:
    """False for a record the server marks ``tobedeleted``."""
    return status != "tobedeleted"


class Student(_Wire):
    """A OneRoster user read on its own (``/students/{id}``): what a pupil needs."""

    sourced_id: str = Field(alias="sourcedId", min_length=1)
    status: str = "active"
    date_last_modified: datetime | None = Field(default=None, alias="dateLastModified")
    given_name: str = Field(alias="givenName", repr=False)
    family_name: str = Field(alias="familyName", repr=False)
    roles: tuple[RoleEntry, ...] = ()
    grades: tuple[str, ...] = ()
    metadata: AnyMetadata = Field(default=None, repr=False)

    @property
    def active(self) -> bool:
        """False for a record the server marks ``tobedeleted``."""
        return is_active(self.status)

    def role_names(self) -> list[str]:
        """The user's roles, primary ones first."""
        return role_names(self.roles)

    @property
    def is_student(self) -> bool:
        """The user holds the ``student`` role."""
        return holds_role(self.roles, STUDENT_ROLE)


class User(Student):
    """A OneRoster user read on its own: a student with their ``agents``, or one of
    their guardians, parents or relatives with their contact details."""

    agents: tuple[GuidRef, ...] = ()
    email: str | None = Field(default=None, repr=False)
    phone: str | None = Field(default=None, repr=False)
    sms: str | None = Field(default=None, repr=False)

    @property
    def contact_role(self) -> str | None:
        """``guardian``, ``parent`` or ``relative`` (primary role first), else None."""
        for name in self.role_names():
            if name in CONTACT_ROLES:
                return name
        return None


class Demographics(_Wire):
    """The part of a OneRoster demographics record Doorstep uses: the date of birth."""

    sourced_id: str = Field(alias="sourcedId", min_length=1)
    birth_date: date | None = Field(default=None, alias="birthDate", repr=False)


class ImsxStatus(_Wire):
    """The ``imsx_StatusInfo`` error envelope. The description is never read or shown."""

    code_major: Literal["success", "processing", "failure", "unsupported"] = Field(
        alias="imsx_codeMajor"
    )
    severity: str | None = Field(default=None, alias="imsx_severity")
    code_minor: Any = Field(default=None, alias="imsx_CodeMinor")

    def minor_codes(self) -> list[str]:
        """The ``imsx_codeMinorFieldValue`` values we know, read leniently.

        Servers differ (Ed-Fi sends a flat string); anything outside the standard's
        list is dropped, so a server cannot put data into our messages this way.
        """
        raw = self.code_minor
        values: list[Any]
        if isinstance(raw, str):
            values = [raw]
        elif isinstance(raw, dict):
            fields = raw.get("imsx_codeMinorField", [])
            fields = fields if isinstance(fields, list) else [fields]
            values = [f.get("imsx_codeMinorFieldValue") for f in fields if isinstance(f, dict)]
        else:
            values = []
        return [v for v in values if v in KNOWN_MINOR_CODES]


KNOWN_MINOR_CODES = frozenset(
    {
        "fullsuccess",
        "invalid_filter_field",
        "invalid_selection_field",
        "invaliddata",
        "unauthorisedrequest",
        "forbidden",
        "server_busy",
        "unknownobject",
        "internal_server_error",
    }
)


class RollPage(TypedDict):
    """``{"users": [...]}``, read as the roll reads a user."""

    __pydantic_config__ = _LENIENT  # type: ignore[misc]
    users: list[RollUser]


class DemographicsPage(TypedDict):
    """``{"demographics": [...]}``"""

    __pydantic_config__ = _LENIENT  # type: ignore[misc]
    demographics: list[DemographicsRecord]


R = TypeVar("R", RollUser, DemographicsRecord)


@dataclass(frozen=True)
class Collection(Generic[R]):
    """How one page of a collection is read: a validator built once, and the key under
    which the page holds its records."""

    name: str
    key: str
    page: TypeAdapter[Any]

    def records(self, content: bytes, *, path_template: str, status: int) -> list[R]:
        """The page's records, decoded and validated from the bytes in one pass; a body
        that is not such a page is an error naming the path template and status only."""
        try:
            records: list[R] = self.page.validate_json(content)[self.key]
        except ValidationError:
            raise _not_oneroster(self.name, path_template, status) from None
        return records


ROLL: Collection[RollUser] = Collection("users page", "users", TypeAdapter(RollPage))
DEMOGRAPHICS: Collection[DemographicsRecord] = Collection(
    "demographics page", "demographics", TypeAdapter(DemographicsPage)
)


class OneUser(_Wire):
    """``{"user": {...}}``"""

    user: User


class OneDemographics(_Wire):
    """``{"demographics": {...}}``"""

    demographics: Demographics


def parse(model: type[W], content: bytes, *, path_template: str, status: int) -> W:
    """Decode and validate a body in one pass; a body that is not OneRoster is an error
    naming the path template and status, never the body."""
    try:
        return model.model_validate_json(content)
    except ValidationError:
        raise _not_oneroster(model.__name__, path_template, status) from None


def _not_oneroster(what: str, path_template: str, status: int) -> AdapterError:
    return AdapterError(
        f"oneroster: GET {path_template} answered {status} with a body that is not "
        f"a OneRoster {what}",
        adapter="oneroster",
        status=status,
    )


def imsx_error(
    body: Any, *, adapter: str, method: str, path_template: str, status: int
) -> AdapterError | None:
    """The hub error for an ``imsx_StatusInfo`` failure body, or None if it is not one.

    Used for servers that answer a failure with HTTP 200. The message names the
    method, path template, status and the standard minor codes only: the
    description may quote the request or the data, so it is never echoed.
    """
    if not isinstance(body, dict) or "imsx_codeMajor" not in body:
        return None
    try:
        info = ImsxStatus.model_validate(body)
    except ValidationError:
        return None
    if info.code_major not in ("failure", "unsupported"):
        return None
    codes = info.minor_codes()
    detail = ",".join(codes) or info.code_major
    message = f"{adapter}: {method} {path_template} failed ({status}, {detail})"
    kinds: dict[str, type[AdapterError]] = {
        "unauthorisedrequest": AuthError,
        "forbidden": AuthError,
        "unknownobject": NotFoundError,
        "server_busy": TransientError,
        "internal_server_error": TransientError,
    }
    kind = next((kinds[c] for c in codes if c in kinds), RejectedError)
    return kind(message, adapter=adapter, status=status)


_PUPIL_FIELDS = set(Pupil.model_fields)
_ADDRESS_FIELDS = set(Address.model_fields)
"""One fields-set for every pupil (address) mapped here; never changed."""


def to_address(metadata: Any) -> Address | None:
    """The address a user's ``metadata`` publishes, if complete enough to visit: a
    ``line1``, ``town`` and ``postcode`` of text (a malformed one is no address)."""
    raw = metadata.get("address") if isinstance(metadata, dict) else None
    if not isinstance(raw, dict):
        return None
    line1, town, postcode = raw.get("line1"), raw.get("town"), raw.get("postcode")
    if not (_text(line1) and _text(town) and _text(postcode)):
        return None
    line2, household = raw.get("line2"), raw.get("householdId")
    address = Address(
        line1=line1,
        line2=line2 if _text(line2) else None,
        town=town,
        postcode=postcode,
        household_id=household if isinstance(household, str) else None,
    )
    return share_fields_set(address, _ADDRESS_FIELDS)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def to_pupil(user: Student, *, school_id: str, birth_date: date | None = None) -> Pupil:
    """Map a OneRoster student read on its own to a hub ``Pupil`` (legal names; grade
    as year group; ``birth_date`` from the student's demographics record)."""
    return _pupil(
        user.sourced_id,
        user.given_name,
        user.family_name,
        user.grades,
        user.metadata,
        school_id=school_id,
        birth_date=birth_date,
    )


def roll_to_pupil(user: RollUser, *, school_id: str, birth_date: date | None = None) -> Pupil:
    """Map a student of a roll page to a hub ``Pupil``, as ``to_pupil`` does."""
    return _pupil(
        user["sourcedId"],
        user["givenName"],
        user["familyName"],
        user.get("grades", ()),
        user.get("metadata"),
        school_id=school_id,
        birth_date=birth_date,
    )


def _pupil(
    sourced_id: str,
    given_name: str,
    family_name: str,
    grades: Sequence[str],
    metadata: Any,
    *,
    school_id: str,
    birth_date: date | None,
) -> Pupil:
    pupil = Pupil(
        id=sourced_id,
        school_id=school_id,
        first_name=given_name,
        last_name=family_name,
        date_of_birth=birth_date,
        year_group=grades[0] if grades else None,
        address=to_address(metadata),
    )
    return share_fields_set(pupil, _PUPIL_FIELDS)


def to_contact(user: User, *, pupil_id: str, priority: int) -> Contact | None:
    """Map a guardian, parent or relative to a hub ``Contact``; None for other roles.

    ``guardian`` and ``parent`` are taken to hold parental responsibility; OneRoster
    cannot say whether a ``relative`` does, so they are not assumed to.
    """
    role = user.contact_role
    if role is None:
        return None
    name = " ".join(part for part in (user.given_name, user.family_name) if part)
    return Contact(
        id=user.sourced_id,
        pupil_id=pupil_id,
        name=name,
        relationship=role,
        parental_responsibility=role in PARENTAL_RESPONSIBILITY_ROLES,
        phone=user.phone or user.sms or None,
        email=user.email or None,
        address=to_address(user.metadata),
        priority=priority,
    )


def filter_after(field: str, moment: datetime) -> str:
    """The OneRoster filter ``<field>>'<UTC instant>'`` for records changed after ``moment``.

    The instant is written in UTC to the second, rounded down, so nothing changed
    within that second is missed. Encoding of the whole expression is left to the
    HTTP layer.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the moment must be timezone-aware")
    return filter_predicate(field, ">", moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


_OPERATORS = frozenset({"=", "!=", ">", ">=", "<", "<=", "~"})


def filter_predicate(field: str, operator: str, value: str) -> str:
    """One OneRoster filter predicate, ``field<op>'value'``, with the value quoted.

    OneRoster defines no escape for a quote inside a value, so a value holding one is
    refused rather than sent in a form a server could read differently.
    """
    if not field.replace(".", "").isalnum():
        raise ValueError("filter field must be a plain field name")
    if operator not in _OPERATORS:
        raise ValueError("unknown filter operator")
    if "'" in value:
        raise ValueError("a filter value cannot hold a single quote")
    return f"{field}{operator}'{value}'"


FILTER_MAX_CHARS = 1500
"""Longest filter expression sent: percent-encoded it stays well inside the 2,048
characters of query string the most cautious web servers (IIS's default) accept."""


def filters_any_of(
    field: str, values: Iterable[str], *, max_values: int, max_chars: int = FILTER_MAX_CHARS
) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """``field='a' OR field='b' ...`` expressions covering ``values``, each with its
    values, at most ``max_values`` of them and ``max_chars`` long; and the values no
    filter can carry (one holding a quote).

    OneRoster allows one kind of logical operator per filter, so each expression is a
    plain OR of equality predicates.
    """
    chunks: list[tuple[str, list[str]]] = []
    unfit: list[str] = []
    predicates: list[str] = []
    held: list[str] = []
    length = 0
    for value in values:
        try:
            predicate = filter_predicate(field, "=", value)
        except ValueError:
            unfit.append(value)
            continue
        if held and (len(held) >= max_values or length + len(_OR + predicate) > max_chars):
            chunks.append((_OR.join(predicates), held))
            predicates, held, length = [], [], 0
        length += len(predicate) + (len(_OR) if predicates else 0)
        predicates.append(predicate)
        held.append(value)
    if held:
        chunks.append((_OR.join(predicates), held))
    return chunks, unfit


_OR = " OR "
