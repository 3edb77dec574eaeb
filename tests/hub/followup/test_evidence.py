"""The referral evidence pack for a seeded pupil: every visit, letter and agreement in
date order, as JSON and a PDF whose first page shows the reference and the chronology."""

from __future__ import annotations

import json
import stat
from datetime import date, timedelta
from pathlib import Path

from hub.followup.evidence import assemble, attendance_by_month, write_pack
from hub.followup.records import Decision
from hub.followup.repository import FollowUpStore
from hub.followup.triggers import DailyOptions, evaluate_school
from hub.models import Agreement, Outcome, OutcomeKind, VisitReason, VisitState
from hub.store import Store
from tests.factories import SCHOOL, pack, visit
from tests.hub.followup.conftest import SCHOOL_MODEL, at_four, day_marks
from tests.hub.followup.pictures import ink, page_one, pdf_text
from tests.hub.followup.terms import AUTUMN


def seed(store: Store, followups: FollowUpStore) -> None:
    """A second, no-access visit, a term of poor attendance and the evaluations on it."""
    start = at_four(date(2026, 10, 13)) - timedelta(hours=6)
    store.save_visit(
        visit(
            id="v-2",
            reason=VisitReason.OTHER_CONTACT_FAILED,
            state=VisitState.CLOSED,
            planned_start=start,
            planned_end=start + timedelta(hours=1),
            requested_at=start - timedelta(days=1),
        )
    )
    store.save_outcome(
        SCHOOL,
        "v-2",
        Outcome(
            kind=OutcomeKind.NO_ACCESS,
            recorded_at=start + timedelta(minutes=25),
            recorded_by="s-1",
            calling_card_left=True,
        ),
    )
    options = DailyOptions(calendar=AUTUMN)
    for day in AUTUMN.school_days(date(2026, 9, 2), date(2026, 11, 6)):
        followups.save_marks(SCHOOL, day_marks("p-1", day, absent=day.weekday() in (0, 1)))
        evaluate_school(store, followups, SCHOOL_MODEL, pack(), now=at_four(day), options=options)
    [prompt, *_] = followups.prompts(SCHOOL, pupil_id="p-1")
    followups.decide(
        SCHOOL,
        prompt.id,
        decision=Decision.SUPPORT_FIRST,
        by="s-9",
        at=prompt.raised_at + timedelta(days=1),
        reason="Attendance contract offered first.",
    )


def test_the_pack_holds_every_visit_letter_and_agreement_in_date_order(
    store: Store, followups: FollowUpStore, agreement: Agreement
) -> None:
    seed(store, followups)
    evidence = assemble(store, followups, SCHOOL_MODEL, "p-1", at_four(date(2026, 11, 9)))

    kinds = [(entry.kind, entry.ref) for entry in evidence.chronology]
    assert ("visit", "v-1") in kinds
    assert ("visit", "v-2") in kinds
    assert ("agreement", "a-1") in kinds
    letters = {letter.id for letter in followups.letters(SCHOOL, pupil_id="p-1")}
    assert letters == {"reminder-a-1"}
    assert {ref for kind, ref in kinds if kind == "letter"} == letters
    assert any(kind == "referral_decision" for kind, _ in kinds)
    moments = [entry.at for entry in evidence.chronology]
    assert moments == sorted(moments)
    no_access = next(e for e in evidence.chronology if e.ref == "v-2")
    assert "no access" in no_access.summary
    assert [m.month for m in evidence.attendance_by_month] == [
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    september = evidence.attendance_by_month[0]
    assert september.possible_sessions == 42  # 21 school days
    assert september.unauthorised_sessions == 16  # 8 Mondays and Tuesdays


def test_the_pack_is_written_as_json_and_a_pdf_showing_reference_and_chronology(
    store: Store, followups: FollowUpStore, agreement: Agreement, tmp_path: Path
) -> None:
    seed(store, followups)
    evidence = assemble(store, followups, SCHOOL_MODEL, "p-1", at_four(date(2026, 11, 9)))

    json_path, pdf_path = write_pack(evidence, SCHOOL_MODEL, tmp_path / "packs")

    for path in (json_path, pdf_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["pupil_reference"] == "pupil:p-1"
    assert len(data["chronology"]) == len(evidence.chronology)
    text = pdf_text(pdf_path)
    assert "pupil:p-1" in text
    assert "Chronology" in text
    assert "Date What Details" in " ".join(text.split())
    assert "Attendance by month" in text
    picture = page_one(pdf_path)
    assert ink(picture, (0.1, 0.15, 0.9, 0.6)) > 0.03  # tables with ruled cells
    assert ink(picture, (0.0, 0.0, 1.0, 0.05)) < 0.001


def test_attendance_by_month_counts_possible_attended_and_unauthorised() -> None:
    marks = day_marks("p-1", date(2026, 9, 7), absent=True) + day_marks(
        "p-1", date(2026, 10, 5), absent=False
    )
    [september, october] = attendance_by_month(marks)
    assert (september.possible_sessions, september.attended_sessions) == (2, 0)
    assert september.unauthorised_sessions == 2
    assert october.percent == 100.0
