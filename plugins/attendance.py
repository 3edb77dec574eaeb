"""Built-in plugin: attendance rules over a pupil's register or attendance summary.

Pure functions, no I/O and no clock (the day of evaluation is passed in). Four
measures, each a finding *with its evidence* (window, sessions counted, the codes that
made it), never a bare flag:

- ``pack_referral``: the school's own rule, ``pack.attendance`` (seeds 000 and 004:
  attendance *below* 90 % over three months prompts a referral to the local
  authority). Exactly 90.0 % does not trigger it.
- ``persistent_absence``: 10 % or more of possible sessions missed, authorised and
  unauthorised alike (DfE, *Working together to improve school attendance*, 2024).
- ``severe_absence``: 50 % or more missed. A pupil in severe absence gets that finding
  instead of the persistent one.
- ``penalty_notice``: 10 or more sessions of unauthorised absence (codes G, N, O, U)
  within a rolling 10 school weeks; sessions need not be consecutive and the window
  spans half-terms and terms (a week with no school day is not a school week).
  The finding says a penalty notice must be *considered*: a person decides.

The national numbers are defaults in ``Thresholds``, which the settings may change
(``[followup.thresholds]``, per school ``[schools.<school>.followup.thresholds]``). As a
plugin it adds the ``doorstep attendance`` commands (``hub_register_commands``); it is
registered so that ``doorstep plugins`` lists it and ``DOORSTEP_DISABLE_PLUGINS=
attendance`` switches the daily attendance evaluation and those commands off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from hub import hookimpl
from hub.followup.calendar import TermCalendar
from hub.followup.register import CodeMeaning, SessionMark, meaning_of
from hub.hooks.types import AttendanceSummary, CommandRegistrar
from hub.models import Finding, Severity, StaffRole
from hub.models.base import DomainModel
from hub.policy import PolicyPack
from hub.sync.plan import attendance_window

SOURCE = "attendance"


@hookimpl
def hub_register_commands(register: CommandRegistrar) -> None:
    """Add ``doorstep attendance`` (loaded only when the CLI asks)."""
    from hub.cli.attendance import attendance_app  # the CLI only, never the rules

    register(SOURCE, attendance_app)


class Measure(StrEnum):
    """Which rule a finding comes from."""

    PACK_REFERRAL = "pack_referral"
    PERSISTENT_ABSENCE = "persistent_absence"
    SEVERE_ABSENCE = "severe_absence"
    PENALTY_NOTICE = "penalty_notice"


class Thresholds(DomainModel):
    """The national measures, as configurable defaults."""

    persistent_percent: float = Field(default=10.0, gt=0, le=100)
    severe_percent: float = Field(default=50.0, gt=0, le=100)
    penalty_sessions: int = Field(default=10, ge=1)
    penalty_school_weeks: int = Field(default=10, ge=1)
    penalty_codes: frozenset[str] = frozenset({"G", "N", "O", "U"})
    min_sessions: int = Field(
        default=20,
        ge=1,
        description=(
            "Percentages are not judged on fewer possible sessions than this (ten school "
            "days): four days into a year, one missed morning is not a pattern."
        ),
    )


class Tally(DomainModel):
    """Sessions counted from the register over one window."""

    since: date
    until: date
    possible_sessions: int = Field(ge=0)
    attended_sessions: int = Field(ge=0)
    codes: dict[str, int] = Field(default_factory=dict, description="Every code seen, counted.")
    unknown_codes: tuple[str, ...] = ()
    ignored_non_school_days: int = Field(
        default=0, description="Marks on days the calendar says the school was shut."
    )

    @property
    def missed_sessions(self) -> int:
        """Possible sessions not attended."""
        return self.possible_sessions - self.attended_sessions

    @property
    def percent(self) -> float | None:
        """Attendance as a percentage, or None with no possible session."""
        if self.possible_sessions == 0:
            return None
        return 100.0 * self.attended_sessions / self.possible_sessions


class AttendanceFinding(DomainModel):
    """One attendance rule that applies to a pupil, with the evidence for it."""

    code: str = Field(pattern=r"^attendance\.[a-z_]+$")
    measure: Measure
    pupil_id: str
    summary: str = Field(description="Plain words for staff; never personal data.")
    severity: Severity
    since: date
    until: date
    possible_sessions: int
    attended_sessions: int
    counted_sessions: int = Field(
        description="Sessions the rule counted: missed ones, or unauthorised ones for penalty."
    )
    percent: float | None = Field(description="Attendance over the window, when known.")
    threshold: str = Field(description="The rule, in words: 'below 90% over 3 months'.")
    codes: dict[str, int] = Field(
        default_factory=dict, description="The register codes counted, with how many of each."
    )
    school_weeks: int | None = None
    from_summary: bool = Field(
        default=False, description="Worked out from an MIS summary, not from session marks."
    )
    notify: tuple[StaffRole, ...] = ()
    source: str = SOURCE

    def as_finding(self) -> Finding:
        """The finding as the risk assessment's ``Finding`` (evidence left out)."""
        return Finding(
            code=self.code, summary=self.summary, severity=self.severity, source=self.source
        )


def tally(
    marks: Iterable[SessionMark],
    since: date,
    until: date,
    calendar: TermCalendar | None = None,
) -> Tally:
    """Count the marks from ``since`` to ``until`` (inclusive); with a ``calendar``,
    marks on days the school was shut are left out (and counted as ignored)."""
    possible = attended = ignored = 0
    codes: Counter[str] = Counter()
    unknown: set[str] = set()
    for mark in marks:
        if not since <= mark.day <= until:
            continue
        if calendar is not None and not calendar.is_school_day(mark.day):
            ignored += 1
            continue
        meaning = mark.meaning
        codes[mark.code] += 1
        if meaning is CodeMeaning.UNKNOWN:
            unknown.add(mark.code)
        if meaning.possible:
            possible += 1
            attended += meaning.attended
    return Tally(
        since=since,
        until=until,
        possible_sessions=possible,
        attended_sessions=attended,
        codes=dict(sorted(codes.items())),
        unknown_codes=tuple(sorted(unknown)),
        ignored_non_school_days=ignored,
    )


def _below(attended: int, possible: int, percent: float) -> bool:
    """``attended / possible < percent %``, exactly (no float rounding)."""
    return possible > 0 and attended * 100 < Decimal(str(percent)) * possible


def _missed_at_least(missed: int, possible: int, percent: float) -> bool:
    return possible > 0 and missed * 100 >= Decimal(str(percent)) * possible


def _missed_codes(codes: dict[str, int]) -> dict[str, int]:
    return {
        code: count
        for code, count in codes.items()
        if (meaning := meaning_of(code)).possible and not meaning.attended
    }


def pack_referral(
    pack: PolicyPack, pupil_id: str, counted: Tally | AttendanceSummary
) -> AttendanceFinding | None:
    """The pack's rule over a tally (or an MIS summary) of the pack's window."""
    rule = pack.attendance
    possible, attended = counted.possible_sessions, counted.attended_sessions
    if not rule.enabled or not _below(attended, possible, rule.below_percent):
        return None
    percent = 100.0 * attended / possible
    months = f"{rule.window_months} month" + ("s" if rule.window_months != 1 else "")
    codes = _missed_codes(counted.codes) if isinstance(counted, Tally) else {}
    return AttendanceFinding(
        code=f"attendance.{Measure.PACK_REFERRAL.value}",
        measure=Measure.PACK_REFERRAL,
        pupil_id=pupil_id,
        summary=(
            f"attendance {percent:.1f}% is below {rule.below_percent:g}% over {months}: "
            "the school's policy asks for a referral to the local authority to be considered"
        ),
        severity=Severity.HIGH,
        since=counted.since,
        until=counted.until,
        possible_sessions=possible,
        attended_sessions=attended,
        counted_sessions=possible - attended,
        percent=percent,
        threshold=f"below {rule.below_percent:g}% over {months}",
        codes=codes,
        from_summary=isinstance(counted, AttendanceSummary),
        notify=tuple(rule.notify),
    )


def absence_measure(
    pack: PolicyPack,
    pupil_id: str,
    counted: Tally | AttendanceSummary,
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen model, never mutated
) -> AttendanceFinding | None:
    """Severe absence, else persistent absence, else None."""
    possible, attended = counted.possible_sessions, counted.attended_sessions
    missed = possible - attended
    if _missed_at_least(missed, possible, thresholds.severe_percent):
        measure, limit, severity = Measure.SEVERE_ABSENCE, thresholds.severe_percent, Severity.HIGH
    elif _missed_at_least(missed, possible, thresholds.persistent_percent):
        measure, limit = Measure.PERSISTENT_ABSENCE, thresholds.persistent_percent
        severity = Severity.MEDIUM
    else:
        return None
    words = measure.value.replace("_", " ")
    return AttendanceFinding(
        code=f"attendance.{measure.value}",
        measure=measure,
        pupil_id=pupil_id,
        summary=(
            f"{words}: {missed} of {possible} possible sessions missed "
            f"({100.0 * missed / possible:.1f}%, the line is {limit:g}%)"
        ),
        severity=severity,
        since=counted.since,
        until=counted.until,
        possible_sessions=possible,
        attended_sessions=attended,
        counted_sessions=missed,
        percent=100.0 * attended / possible,
        threshold=f"{limit:g}% or more of possible sessions missed",
        codes=_missed_codes(counted.codes) if isinstance(counted, Tally) else {},
        from_summary=isinstance(counted, AttendanceSummary),
        notify=tuple(pack.attendance.notify),
    )


def penalty_notice(
    pack: PolicyPack,
    pupil_id: str,
    marks: Iterable[SessionMark],
    on: date,
    calendar: TermCalendar,
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen model, never mutated
) -> AttendanceFinding | None:
    """10 or more unauthorised sessions (G/N/O/U) in the rolling 10 school weeks to ``on``."""
    weeks = thresholds.penalty_school_weeks
    since = calendar.school_weeks_back(on, weeks)
    counted = tally(marks, since, on, calendar)
    codes = {c: n for c, n in counted.codes.items() if c in thresholds.penalty_codes}
    unauthorised = sum(codes.values())
    if unauthorised < thresholds.penalty_sessions:
        return None
    return AttendanceFinding(
        code=f"attendance.{Measure.PENALTY_NOTICE.value}",
        measure=Measure.PENALTY_NOTICE,
        pupil_id=pupil_id,
        summary=(
            f"{unauthorised} sessions of unauthorised absence in the last {weeks} school weeks: "
            "a penalty notice must be considered (support first; a person decides)"
        ),
        severity=Severity.HIGH,
        since=since,
        until=on,
        possible_sessions=counted.possible_sessions,
        attended_sessions=counted.attended_sessions,
        counted_sessions=unauthorised,
        percent=counted.percent,
        threshold=(
            f"{thresholds.penalty_sessions} or more sessions coded "
            f"{'/'.join(sorted(thresholds.penalty_codes))} in {weeks} school weeks"
        ),
        codes=codes,
        school_weeks=weeks,
        notify=tuple(pack.attendance.notify),
    )


def evaluate(
    pack: PolicyPack,
    pupil_id: str,
    on: date,
    *,
    marks: Iterable[SessionMark] = (),
    summary: AttendanceSummary | None = None,
    calendar: TermCalendar | None = None,
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen model, never mutated
) -> list[AttendanceFinding]:
    """Every attendance finding for one pupil on day ``on``.

    With session marks, all four measures are worked out from them: the pack's rule over
    its window, persistent/severe absence over every mark up to ``on`` (sessions to
    date), and the penalty-notice threshold; percentages only over at least
    ``thresholds.min_sessions`` possible sessions. Without a calendar the school days are
    taken from the register. With only an MIS ``summary``, the pack's rule and the
    absence measures are worked out from it, and the penalty-notice threshold cannot be.
    """
    own = sorted((m for m in marks if m.pupil_id == pupil_id), key=lambda m: (m.day, m.session))
    found: list[AttendanceFinding | None] = []
    school_days = [m.day for m in own if m.meaning.possible]
    if school_days:
        if calendar is None:
            calendar = TermCalendar.inferred(school_days)
        since, until = attendance_window(on, pack.attendance.window_months)
        window = tally(own, since, until, calendar)
        to_date = tally(own, own[0].day, on, calendar)
        if window.possible_sessions >= thresholds.min_sessions:
            found.append(pack_referral(pack, pupil_id, window))
        if to_date.possible_sessions >= thresholds.min_sessions:
            found.append(absence_measure(pack, pupil_id, to_date, thresholds))
        found.append(penalty_notice(pack, pupil_id, own, on, calendar, thresholds))
    elif (
        summary is not None
        and summary.pupil_id == pupil_id
        and summary.possible_sessions >= thresholds.min_sessions
    ):
        found.append(pack_referral(pack, pupil_id, summary))
        found.append(absence_measure(pack, pupil_id, summary, thresholds))
    return [finding for finding in found if finding is not None]
