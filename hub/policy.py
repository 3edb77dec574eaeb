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
from typing import Annotated, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
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
    """One part of a pack, with the policy clause it encodes."""

    source: str = Field(
        min_length=3,
        description=(
            "The policy clauses this section encodes; each value the policy is silent on "
            "is explained by a part reading 'default: ...'. A source that starts with "
            "'default:' means the whole section is a Doorstep default."
        ),
    )
    silent_on: list[str] = Field(
        default_factory=list,
        description=(
            "Keys of this section whose value is a Doorstep default because the policy is "
            "silent (the source says why, after 'default:')."
        ),
    )

    @field_validator("silent_on")
    @classmethod
    def _silent_on_names_keys(cls, names: list[str], info: ValidationInfo) -> list[str]:
        keys = set(cls.model_fields) - {"source", "silent_on"}
        if any(name not in keys for name in names):
            raise ValueError("names a key this section does not have")
        if names and "default:" not in str(info.data.get("source", "")):
            raise ValueError("the source must say why, in a 'default: ...' part")
        return names

    @property
    def is_default(self) -> bool:
        """The policy is silent on this whole section."""
        return self.source.startswith("default:")

    def is_default_key(self, key: str) -> bool:
        """The value of ``key`` is a Doorstep default, not the school's own rule."""
        return self.is_default or key in self.silent_on


class Authorisation(Section):
    roles: list[StaffRole] = Field(min_length=1, description="Any one of these may authorise.")
    visit_list: Literal["per_visit", "daily", "weekly", "daily_or_weekly"] = Field(
        description="How visits reach the authoriser."
    )
    senior_team_told: bool = Field(
        default=False, description="A member of the senior team must know of each visit."
    )


class Staffing(Section):
    pairs: Literal["required", "preferred", "optional"] = Field(
        description=(
            "Two members of staff on every visit ('required'), unless it cannot be helped "
            "('preferred'), or as staff judge ('optional')."
        )
    )
    solo_requires_reason: bool = Field(
        description="A solo visit needs a written reason the authoriser accepts."
    )
    solo_notify: list[StaffRole] = Field(
        default_factory=list, description="Who must be told of a solo visit."
    )
    mobile_held_by: list[StaffRole] = Field(
        default_factory=list, description="Who holds the mobile number of staff who visit."
    )
    vehicle_details_held_by: list[StaffRole] = Field(
        default_factory=list,
        description="Who holds make, model, registration and colour of the car staff use.",
    )


class Doorstep(Section):
    parent_absent_wait_minutes: Minutes = Field(
        description="Longest wait when the parent is not there at the arranged time."
    )
    late_arrival_cancel_minutes: Minutes | None = Field(
        description="Cancel when a parent who said they would be late is later than this."
    )
    enter_only_if_parent_present: bool = Field(
        description="Staff never go in unless a parent or responsible adult is there."
    )
    calling_card_on_no_access: bool = Field(
        description="Leave a calling card when nobody answers or the parent does not come."
    )
    animals_must_be_secured: bool = Field(
        description="Cancel when potentially dangerous animals are not kept in another room."
    )
    cancellation_reasons_in_writing_to: list[StaffRole] = Field(
        description="Who receives, in writing, why a visit was cancelled as unsafe or for animals."
    )


class CheckIns(Section):
    required: list[CheckInKind] = Field(
        min_length=1, description="The check-ins every visit needs (departed, arrived, ...)."
    )
    interval_minutes: Minutes | None = Field(
        description="Staff check in at least this often while out; none means only the required."
    )
    between_visits: bool = Field(
        default=False, description="With several visits in a row, check in between each."
    )
    report_to: list[StaffRole] = Field(
        default_factory=lambda: [StaffRole.OFFICE],
        description="Who staff check in with (any one of them).",
    )


class Overdue(Section):
    grace_minutes: Minutes = Field(
        description="After the expected return or check-in passes by this much, the ladder runs."
    )


class Rung(_Strict):
    """One step of the escalation ladder."""

    name: Slug = Field(description="A short name for the rung, unique in the ladder.")
    reaches: list[LadderTarget] = Field(min_length=1, description="Who this rung reaches.")
    ack_window_minutes: Minutes = Field(
        description="A person must acknowledge within this, or the next rung runs."
    )
    channels: list[Slug] = Field(
        min_length=1, description="Notification channels in the order they are tried."
    )
    says: str = Field(min_length=3, description="What the person reached must do, plainly.")


class Escalation(Section):
    rungs: list[Rung] = Field(
        min_length=1, description="The ladder, in order, run when staff are overdue."
    )
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
    usually_by: list[StaffRole] = Field(
        default_factory=list,
        description="Who normally makes unannounced visits; empty when the policy names nobody.",
    )


class AttendanceReferral(Section):
    enabled: bool = Field(description="Prompt a referral to the local authority at all.")
    below_percent: float = Field(
        gt=0, le=100, description="Prompt when attendance falls below this percentage..."
    )
    window_months: int = Field(gt=0, le=24, description="...measured over this many months.")
    notify: list[StaffRole] = Field(
        default_factory=list, description="Who is prompted to make the referral."
    )


class Records(Section):
    destination: Literal["cpoms", "mis", "cpoms_and_mis", "paper"] = Field(
        description="Where the visit note is recorded."
    )
    required_fields: list[RecordField] = Field(
        min_length=1, description="What every visit note must hold (signatures etc.)."
    )
    alert_roles: list[StaffRole] = Field(
        default_factory=list, description="Who is alerted when a note raises a concern."
    )
    agreements_to: Literal["mis", "cpoms", "mis_and_cpoms", "attendance_record"] = Field(
        default="mis", description="Where agreements made with parents are recorded."
    )
    written_appointment_confirmation: bool = Field(
        default=False,
        description="Written confirmation of the appointment is recorded before the visit.",
    )


class Clauses(Section):
    no_visit_while_self_isolating: bool = Field(
        default=False, description="No visit while the pupil is self-isolating."
    )
    remote_meeting_first: bool = Field(
        default=False, description="Try a remote meeting first; visit only if that cannot work."
    )
    outside_school_hours: Literal["allowed", "discouraged", "forbidden"] = Field(
        default="allowed", description="Visits outside school opening hours."
    )
    book_calendar: bool = Field(
        default=False, description="Book each visit in the visiting staff's calendar."
    )
    risk_questionnaire_first_visit: bool = Field(
        default=False,
        description="Complete the home visiting risk questionnaire before a first visit.",
    )
    contact_other_services_first: bool = Field(
        default=False,
        description="Ask other services supporting the family about risks to staff first.",
    )


class PolicyPack(_Strict):
    """Every rule of one school's home-visit policy that Doorstep enforces."""

    id: Slug = Field(description="The pack's short name; a bundled pack's file is named after it.")
    school_name: str = Field(min_length=1, description="The school, as staff name it.")
    seed: str | None = Field(default=None, description="Which source policy this encodes.")
    policy_version: str = Field(min_length=1, description="The policy's own date or version.")
    timezone: str = Field(
        default="Europe/London", description="Where times are shown to staff (IANA name)."
    )
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


def pack_keys(model: type[BaseModel] = PolicyPack, prefix: str = "") -> list[tuple[str, str]]:
    """Every key a pack file has, dotted (``escalation.rungs[].name``), with its meaning."""
    keys: list[tuple[str, str]] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        inner = field.annotation
        args = get_args(inner)
        if get_origin(inner) is list and args and _is_model(args[0]):
            keys.append((key, field.description or ""))
            keys += pack_keys(args[0], f"{key}[].")
        elif _is_model(inner):
            keys += pack_keys(inner, f"{key}.")  # type: ignore[arg-type]
        else:
            keys.append((key, field.description or ""))
    return keys


def _is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


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
