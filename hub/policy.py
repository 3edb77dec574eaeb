"""Policy packs: one school's home-visit policy as validated data.

A pack is a TOML file (``contrib/policies/*.toml``). Every section carries a
``source``: the clause of the school's policy it encodes, or a line starting
``default:`` that says the policy is silent and why the default was chosen. Nothing
about a school's rules is hidden in code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from hub.models import CheckInKind, LadderTarget, StaffRole, VisitReason
from hub.models.base import Slug

Minutes = Annotated[int, Field(gt=0, le=24 * 60)]

RecordField = Literal[
    "time",
    "location",
    "pupil",
    "seen",
    "discussion",
    "agreements",
    "concerns",
    "parent_signature",
    "staff_signature",
]


class PolicyError(Exception):
    """A pack that cannot be used. ``str()`` is one line: file, key, what is wrong."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        super().__init__(f"{file}: {key}: {problem}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class Section(_Strict):
    source: str = Field(
        min_length=3,
        description="The policy clause this encodes, or 'default: why' where the policy is silent.",
    )

    @property
    def is_default(self) -> bool:
        return self.source.startswith("default:")


class Authorisation(Section):
    roles: list[StaffRole] = Field(min_length=1, description="Any one of these may authorise.")
    visit_list: Literal["per_visit", "daily", "weekly", "daily_or_weekly"] = Field(
        description="How visits reach the authoriser."
    )
    senior_team_told: bool = Field(
        default=False, description="A member of the senior team must know of each visit."
    )


class Staffing(Section):
    pairs: Literal["required", "preferred", "optional"]
    solo_requires_reason: bool = Field(
        description="A solo visit needs a written reason the authoriser accepts."
    )
    solo_notify: list[StaffRole] = Field(
        default_factory=list, description="Who must be told of a solo visit."
    )


class Doorstep(Section):
    parent_absent_wait_minutes: Minutes = Field(
        description="Longest wait when the parent is not there at the arranged time."
    )
    late_arrival_cancel_minutes: Minutes | None = Field(
        description="Cancel when a parent who said they would be late is later than this."
    )
    enter_only_if_parent_present: bool
    calling_card_on_no_access: bool
    animals_must_be_secured: bool
    cancellation_reasons_in_writing_to: list[StaffRole] = Field(
        description="Who receives, in writing, why a visit was cancelled as unsafe or for animals."
    )


class CheckIns(Section):
    required: list[CheckInKind] = Field(min_length=1)
    interval_minutes: Minutes | None = Field(
        description="Staff check in at least this often while out; none means only the required."
    )
    between_visits: bool = False


class Overdue(Section):
    grace_minutes: Minutes = Field(
        description="After the expected return or check-in passes by this much, the ladder runs."
    )


class Rung(_Strict):
    name: Slug
    reaches: list[LadderTarget] = Field(min_length=1)
    ack_window_minutes: Minutes = Field(
        description="A person must acknowledge within this, or the next rung runs."
    )
    channels: list[Slug] = Field(
        min_length=1, description="Notification channels in the order they are tried."
    )
    says: str = Field(min_length=3, description="What the person reached must do, plainly.")


class Escalation(Section):
    rungs: list[Rung] = Field(min_length=1)
    exhausted_alerts: list[StaffRole] = Field(
        min_length=1, description="Alerted when the last rung goes unacknowledged."
    )

    @field_validator("rungs")
    @classmethod
    def _unique_names(cls, rungs: list[Rung]) -> list[Rung]:
        names = [rung.name for rung in rungs]
        if len(set(names)) != len(names):
            raise ValueError("rung names must be unique")
        return rungs


class Duress(Section):
    code_phrase: SecretStr | None = Field(
        default=None, description="Said or typed by staff to call for help silently."
    )
    pin_enabled: bool = Field(description="A duress PIN on the phone check-in page.")
    rung: Slug = Field(description="The rung a duress check-in jumps to at once.")


class Unannounced(Section):
    allowed_reasons: list[VisitReason] = Field(
        description="Reasons for which staff may visit without telling parents first."
    )


class AttendanceReferral(Section):
    enabled: bool
    below_percent: float = Field(gt=0, le=100)
    window_months: int = Field(gt=0, le=24)
    notify: list[StaffRole] = Field(default_factory=list)


class Records(Section):
    destination: Literal["cpoms", "mis", "cpoms_and_mis", "paper"]
    required_fields: list[RecordField] = Field(min_length=1)
    alert_roles: list[StaffRole] = Field(default_factory=list)
    agreements_to: Literal["mis", "cpoms", "mis_and_cpoms", "attendance_record"] = "mis"
    written_appointment_confirmation: bool = False


class Clauses(Section):
    no_visit_while_self_isolating: bool = False
    remote_meeting_first: bool = False
    outside_school_hours: Literal["allowed", "discouraged", "forbidden"] = "allowed"
    book_calendar: bool = False


class PolicyPack(_Strict):
    """Every rule of one school's home-visit policy that Doorstep enforces."""

    id: Slug
    school_name: str = Field(min_length=1)
    seed: str | None = Field(default=None, description="Which source policy this encodes.")
    policy_version: str = Field(min_length=1, description="The policy's own date or version.")
    timezone: str = "Europe/London"
    authorisation: Authorisation
    staffing: Staffing
    doorstep: Doorstep
    check_ins: CheckIns
    overdue: Overdue
    escalation: Escalation
    duress: Duress
    unannounced: Unannounced
    attendance: AttendanceReferral
    records: Records
    clauses: Clauses

    @model_validator(mode="after")
    def _duress_rung_exists(self) -> PolicyPack:
        if self.duress.rung not in {rung.name for rung in self.escalation.rungs}:
            raise ValueError("duress.rung must name a rung of escalation.rungs")
        return self

    def rung(self, number: int) -> Rung:
        """Rung ``number``, counted from 1."""
        return self.escalation.rungs[number - 1]

    def rung_number(self, name: str) -> int:
        for number, rung in enumerate(self.escalation.rungs, start=1):
            if rung.name == name:
                return number
        raise KeyError(name)


def _key_of(loc: Iterable[int | str]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(top level)"


def _problem_of(error: dict[str, object]) -> str:
    kind = error.get("type")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing (every pack states it, even where the policy is silent)"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def parse_pack(data: dict[str, object], *, file: str = "<pack>") -> PolicyPack:
    """Validate pack data; raise ``PolicyError`` naming the first bad key."""
    try:
        return PolicyPack.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_input=False)[0]
        loc = first["loc"]
        key = _key_of(loc)
        problem = _problem_of(dict(first))
        if key == "(top level)" and "duress.rung" in problem:
            key, problem = "duress.rung", "must name a rung of escalation.rungs"
        raise PolicyError(file, key, problem) from None


def load_pack(path: Path | str) -> PolicyPack:
    """Read and validate one pack file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(str(path), "(file)", exc.strerror or "cannot be read") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PolicyError(str(path), "(file)", "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(str(path), "(file)", f"is not valid TOML ({exc})") from None
    return parse_pack(data, file=str(path))


def bundled_packs_dir() -> Path:
    """Where the seed schools' packs live: ``contrib/policies`` in a checkout."""
    return Path(__file__).resolve().parent.parent / "contrib" / "policies"


def load_bundled_pack(pack_id: str) -> PolicyPack:
    return load_pack(bundled_packs_dir() / f"{pack_id}.toml")
