"""Attendance rules over hand-built registers: the pack's rule, persistent and severe
absence, and the penalty-notice threshold across a half-term."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hub.followup.register import CODES, CodeMeaning, SessionMark
from hub.hooks.types import AttendanceSummary
from hub.models import Severity, StaffRole
from hub.plugins.attendance import (
    AttendanceFinding,
    Measure,
    Thresholds,
    evaluate,
    pack_referral,
    penalty_notice,
    tally,
)
from tests.factories import pack
from tests.hub.followup.terms import AUTUMN

PUPIL = "p-1"
FRIDAY = date(2026, 11, 20)
"""Ten school weeks back from here start on Monday 7 September: eleven calendar weeks,
because the half-term week (26-30 October) holds no school day."""


def register(
    until: date, exceptions: dict[tuple[date, str], str] | None = None, *, since: date | None = None
) -> list[SessionMark]:
    """Every session of every autumn school day to ``until`` marked present, except these."""
    exceptions = exceptions or {}
    days = AUTUMN.school_days(since or AUTUMN.first_day, until)
    return [
        SessionMark(pupil_id=PUPIL, day=day, session=s, code=exceptions.get((day, s), "/"))
        for day in days
        for s in ("am", "pm")
    ]


def by_measure(findings: list[AttendanceFinding], measure: Measure) -> list[AttendanceFinding]:
    return [f for f in findings if f.measure is measure]


# --- the pack's rule: below 90 % over three months ---------------------------------------

ON = date(2026, 12, 10)
"""The three months to here (11 September - 10 December) hold 60 school days, 120 sessions."""


def twelve_absences() -> dict[tuple[date, str], str]:
    days = AUTUMN.school_days(date(2026, 9, 14), date(2026, 9, 25))[:6]
    return {(day, s): "I" for day in days for s in ("am", "pm")}


def test_ninety_point_zero_percent_over_three_months_does_not_trigger_the_pack_rule() -> None:
    marks = register(ON, twelve_absences(), since=date(2026, 9, 11))
    counted = tally(marks, date(2026, 9, 10), ON, AUTUMN)
    assert (counted.possible_sessions, counted.attended_sessions) == (120, 108)

    findings = evaluate(pack(), PUPIL, ON, marks=marks, calendar=AUTUMN)

    assert by_measure(findings, Measure.PACK_REFERRAL) == []
    # 10 % missed is persistent absence all the same: the two lines differ by design.
    assert [f.measure for f in findings] == [Measure.PERSISTENT_ABSENCE]


def test_eighty_nine_point_nine_percent_over_three_months_triggers_it_with_evidence() -> None:
    marks = register(ON, twelve_absences(), since=date(2026, 9, 11))[:-1]  # no pm mark yet

    findings = evaluate(pack(), PUPIL, ON, marks=marks, calendar=AUTUMN)

    [finding] = by_measure(findings, Measure.PACK_REFERRAL)
    assert (finding.possible_sessions, finding.attended_sessions) == (119, 107)
    assert finding.counted_sessions == 12
    assert finding.percent == pytest.approx(89.92, abs=0.01)
    assert "89.9% is below 90%" in finding.summary
    assert (finding.since, finding.until) == (date(2026, 9, 10), ON)
    assert finding.codes == {"I": 12}
    assert finding.threshold == "below 90% over 3 months"
    assert finding.notify == (StaffRole.DEPUTY_HEAD,)
    assert finding.severity is Severity.HIGH
    assert not finding.from_summary


@pytest.mark.parametrize(("attended", "fires"), [(899, True), (900, False)])
def test_the_pack_rule_over_an_mis_summary_is_exact_at_the_line(attended: int, fires: bool) -> None:
    summary = AttendanceSummary(
        pupil_id=PUPIL,
        since=date(2026, 8, 23),
        until=date(2026, 11, 23),
        possible_sessions=1000,
        attended_sessions=attended,
    )
    finding = pack_referral(pack(), PUPIL, summary)
    assert (finding is not None) is fires
    if finding is not None:
        assert finding.from_summary
        assert finding.percent == pytest.approx(89.9)
        assert finding.counted_sessions == 101


def test_a_pack_that_disables_the_referral_prompt_never_raises_it() -> None:
    base = pack()
    off = base.model_copy(
        update={"attendance": base.attendance.model_copy(update={"enabled": False})}
    )
    summary = AttendanceSummary(
        pupil_id=PUPIL,
        since=date(2026, 8, 23),
        until=date(2026, 11, 23),
        possible_sessions=100,
        attended_sessions=10,
    )
    assert pack_referral(off, PUPIL, summary) is None


# --- persistent and severe absence ---------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "measure"),
    [
        (91, None),
        (90, Measure.PERSISTENT_ABSENCE),
        (51, Measure.PERSISTENT_ABSENCE),
        (50, Measure.SEVERE_ABSENCE),
        (0, Measure.SEVERE_ABSENCE),
    ],
)
def test_persistent_and_severe_absence_lines(attended: int, measure: Measure | None) -> None:
    summary = AttendanceSummary(
        pupil_id=PUPIL,
        since=date(2026, 9, 2),
        until=FRIDAY,
        possible_sessions=100,
        attended_sessions=attended,
    )
    findings = evaluate(pack(), PUPIL, FRIDAY, summary=summary)
    absence = [f for f in findings if f.measure is not Measure.PACK_REFERRAL]
    assert [f.measure for f in absence] == ([measure] if measure else [])
    if measure:
        assert absence[0].counted_sessions == 100 - attended


def test_thresholds_are_configurable() -> None:
    summary = AttendanceSummary(
        pupil_id=PUPIL, since=FRIDAY, until=FRIDAY, possible_sessions=100, attended_sessions=94
    )
    strict = Thresholds(persistent_percent=5.0)
    [finding] = evaluate(pack(), PUPIL, FRIDAY, summary=summary, thresholds=strict)
    assert finding.measure is Measure.PERSISTENT_ABSENCE
    assert finding.threshold == "5% or more of possible sessions missed"


def test_unknown_codes_are_counted_as_missed_and_named() -> None:
    marks = register(date(2026, 9, 4), {(date(2026, 9, 3), "am"): "Q9"})
    counted = tally(marks, date(2026, 9, 2), date(2026, 9, 4))
    assert counted.unknown_codes == ("Q9",)
    assert (counted.possible_sessions, counted.attended_sessions) == (6, 5)


# --- the penalty-notice threshold ----------------------------------------------------------

TEN_ACROSS_HALF_TERM = {
    (date(2026, 9, 8), "am"): "O",  # week 10 back: inside only because half-term is skipped
    (date(2026, 10, 22), "am"): "G",
    (date(2026, 10, 22), "pm"): "G",
    (date(2026, 10, 23), "am"): "G",
    (date(2026, 11, 3), "am"): "N",
    (date(2026, 11, 4), "pm"): "U",
    (date(2026, 11, 10), "am"): "N",
    (date(2026, 11, 12), "pm"): "O",
    (date(2026, 11, 17), "am"): "N",
    (date(2026, 11, 19), "am"): "N",
}


def test_ten_unauthorised_sessions_in_ten_school_weeks_across_half_term_trigger() -> None:
    assert AUTUMN.school_weeks_back(FRIDAY, 10) == date(2026, 9, 7)
    marks = register(FRIDAY, TEN_ACROSS_HALF_TERM)

    finding = penalty_notice(pack(), PUPIL, marks, FRIDAY, AUTUMN)

    assert finding is not None
    assert finding.counted_sessions == 10
    assert finding.codes == {"G": 3, "N": 4, "O": 2, "U": 1}
    assert (finding.since, finding.until, finding.school_weeks) == (date(2026, 9, 7), FRIDAY, 10)
    assert "must be considered" in finding.summary
    assert finding.threshold == "10 or more sessions coded G/N/O/U in 10 school weeks"
    assert finding in evaluate(pack(), PUPIL, FRIDAY, marks=marks, calendar=AUTUMN)


def test_nine_unauthorised_sessions_do_not() -> None:
    nine = dict(TEN_ACROSS_HALF_TERM)
    del nine[(date(2026, 11, 19), "am")]
    assert penalty_notice(pack(), PUPIL, register(FRIDAY, nine), FRIDAY, AUTUMN) is None


def test_a_session_in_the_eleventh_school_week_back_is_outside_the_window() -> None:
    moved = dict(TEN_ACROSS_HALF_TERM)
    del moved[(date(2026, 9, 8), "am")]
    moved[(date(2026, 9, 4), "am")] = "O"  # week of 31 August: the eleventh school week
    assert penalty_notice(pack(), PUPIL, register(FRIDAY, moved), FRIDAY, AUTUMN) is None


def test_marks_on_half_term_days_are_not_school_sessions() -> None:
    nine = dict(TEN_ACROSS_HALF_TERM)
    del nine[(date(2026, 11, 19), "am")]
    marks = [*register(FRIDAY, nine)]
    marks.append(SessionMark(pupil_id=PUPIL, day=date(2026, 10, 27), session="am", code="N"))
    assert penalty_notice(pack(), PUPIL, marks, FRIDAY, AUTUMN) is None
    assert tally(marks, date(2026, 9, 7), FRIDAY, AUTUMN).ignored_non_school_days == 1


@pytest.mark.parametrize(
    "code", sorted(c for c, m in CODES.items() if m is not CodeMeaning.UNAUTHORISED)
)
def test_authorised_and_other_codes_never_count_towards_a_penalty_notice(code: str) -> None:
    days = AUTUMN.school_days(date(2026, 9, 7), FRIDAY)
    absent = {(day, s): code for day in days[:20] for s in ("am", "pm")}
    assert penalty_notice(pack(), PUPIL, register(FRIDAY, absent), FRIDAY, AUTUMN) is None


def test_without_a_calendar_the_register_gives_the_school_days() -> None:
    marks = register(FRIDAY, TEN_ACROSS_HALF_TERM)
    findings = evaluate(pack(), PUPIL, FRIDAY, marks=marks)
    [finding] = by_measure(findings, Measure.PENALTY_NOTICE)
    assert finding.since == date(2026, 9, 7)


def test_only_the_pupils_own_marks_count() -> None:
    other = [
        m.model_copy(update={"pupil_id": "p-2"}) for m in register(FRIDAY, TEN_ACROSS_HALF_TERM)
    ]
    assert evaluate(pack(), PUPIL, FRIDAY, marks=other, calendar=AUTUMN) == []


def test_school_weeks_back_stops_at_the_calendar_start() -> None:
    assert AUTUMN.school_weeks_back(date(2026, 9, 10), 10) == AUTUMN.first_day
    assert AUTUMN.school_weeks_back(date(2026, 11, 1), 1) == date(2026, 10, 19)
    assert AUTUMN.school_days(date(2026, 10, 24), date(2026, 11, 1)) == []
    assert AUTUMN.is_school_day(date(2026, 11, 2))
    assert not AUTUMN.is_school_day(date(2026, 11, 2) + timedelta(days=5))


def test_percentages_wait_for_ten_school_days_of_register() -> None:
    marks = register(date(2026, 9, 8), {(date(2026, 9, 7), s): "I" for s in ("am", "pm")})
    assert evaluate(pack(), PUPIL, date(2026, 9, 8), marks=marks, calendar=AUTUMN) == []
    summary = AttendanceSummary(
        pupil_id=PUPIL, since=FRIDAY, until=FRIDAY, possible_sessions=19, attended_sessions=0
    )
    assert evaluate(pack(), PUPIL, FRIDAY, summary=summary) == []
