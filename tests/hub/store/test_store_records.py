"""Round trips: every domain model the store keeps comes back equal, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.models import CheckInKind, OutcomeKind, StaffRole
from hub.store import Store, UnknownRecordError
from tests import factories
from tests.factories import T0
from tests.hub.store import records
from tests.hub.store.records import SCHOOL_A, SCHOOL_B


@pytest.fixture
def with_visit(store: Store) -> Store:
    store.save_visit(factories.visit())
    return store


def test_school_round_trip(store: Store) -> None:
    school = records.school("harrogate").model_copy(update={"timezone": "Europe/Jersey"})
    store.save_school(school)
    assert store.get_school("harrogate") == school
    assert [s.id for s in store.list_schools()] == sorted(["harrogate", SCHOOL_A, SCHOOL_B])
    assert store.get_school("nowhere") is None


def test_staff_round_trip_with_and_without_vehicle(store: Store) -> None:
    driver = factories.staff("s-1", roles=(StaffRole.DSL, StaffRole.DEPUTY_HEAD))
    walker = factories.staff("s-2").model_copy(update={"vehicle": None, "mobile": None})
    store.save_staff(driver)
    store.save_staff(walker)
    assert store.get_staff(SCHOOL_A, "s-1") == driver
    assert store.get_staff(SCHOOL_A, "s-2") == walker
    assert store.list_staff(SCHOOL_A) == [driver, walker]


def test_saving_staff_again_updates_them(store: Store) -> None:
    member = factories.staff("s-1")
    store.save_staff(member)
    promoted = member.model_copy(update={"roles": frozenset({StaffRole.SENIOR_LEADER})})
    store.save_staff(promoted)
    assert store.list_staff(SCHOOL_A) == [promoted]


def test_pupils_cache_round_trip_and_upsert(store: Store) -> None:
    with_address = factories.pupil("p-1")
    without = factories.pupil("p-2").model_copy(update={"address": None, "date_of_birth": None})
    assert store.upsert_pupils([with_address, without]) == 2
    assert store.get_pupil(SCHOOL_A, "p-1") == with_address
    assert store.get_pupil(SCHOOL_A, "p-2") == without
    moved = with_address.model_copy(update={"year_group": "10"})
    store.upsert_pupils([moved])
    assert store.get_pupil(SCHOOL_A, "p-1") == moved


def test_rows_need_their_school_saved_first(store: Store) -> None:
    with pytest.raises(UnknownRecordError, match="no school nowhere"):
        store.upsert_pupils([factories.pupil("p-9", school_id="nowhere")])
    with pytest.raises(UnknownRecordError):
        store.save_visit(factories.visit(school_id="nowhere"))


def test_visit_round_trip(store: Store) -> None:
    visit = factories.visit(
        staff_ids=("s-1",),
        announced=False,
        solo_reason="parent asked for one familiar face",
        solo_reason_accepted=True,
        authorised_by="s-9",
        authorised_at=T0 + timedelta(minutes=20),
    )
    store.save_visit(visit)
    assert store.get_visit(SCHOOL_A, "v-1") == visit


def test_risk_assessment_round_trip_and_latest_wins(with_visit: Store) -> None:
    first = records.risk_assessment()
    later = records.risk_assessment(assessment_id="ra-2").model_copy(
        update={"completed_at": first.completed_at + timedelta(days=1)}
    )
    with_visit.save_risk_assessment(SCHOOL_A, first)
    assert with_visit.risk_assessment_for(SCHOOL_A, "v-1") == first
    with_visit.save_risk_assessment(SCHOOL_A, later)
    assert with_visit.risk_assessment_for(SCHOOL_A, "v-1") == later
    assert with_visit.risk_assessment_for(SCHOOL_A, "v-2") is None


def test_check_ins_round_trip_in_time_order(with_visit: Store) -> None:
    arrived = factories.check_in(CheckInKind.ARRIVED, T0 + timedelta(minutes=65), duress=True)
    departed = factories.check_in(CheckInKind.DEPARTED, T0 + timedelta(minutes=40))
    with_visit.save_check_in(SCHOOL_A, arrived)
    with_visit.save_check_in(SCHOOL_A, departed)
    with_visit.save_check_in(SCHOOL_A, departed)
    assert with_visit.check_ins(SCHOOL_A, "v-1") == [departed, arrived]


def test_acknowledgements_keep_the_first_per_person_and_rung(with_visit: Store) -> None:
    first = records.acknowledgement(1)
    with_visit.save_acknowledgement(SCHOOL_A, first)
    with_visit.save_acknowledgement(SCHOOL_A, records.acknowledgement(1, minutes=95))
    second_rung = records.acknowledgement(2, minutes=100)
    with_visit.save_acknowledgement(SCHOOL_A, second_rung)
    assert with_visit.acknowledgements(SCHOOL_A, "v-1") == [first, second_rung]


def test_doorstep_report_round_trip(with_visit: Store) -> None:
    report = records.doorstep_report()
    with_visit.save_doorstep_report(SCHOOL_A, report)
    with_visit.save_doorstep_report(SCHOOL_A, report)
    assert with_visit.doorstep_reports(SCHOOL_A, "v-1") == [report]


def test_outcome_round_trip_latest_counts(with_visit: Store) -> None:
    assert with_visit.outcome_for(SCHOOL_A, "v-1") is None
    unsafe = records.outcome(OutcomeKind.UNSAFE)
    with_visit.save_outcome(SCHOOL_A, "v-1", unsafe)
    assert with_visit.outcome_for(SCHOOL_A, "v-1") == unsafe
    no_access = records.outcome(OutcomeKind.NO_ACCESS, minutes=80)
    with_visit.save_outcome(SCHOOL_A, "v-1", no_access)
    assert with_visit.outcome_for(SCHOOL_A, "v-1") == no_access


def test_note_round_trip_with_agreements_and_signatures(with_visit: Store) -> None:
    note = records.note()
    with_visit.save_note(SCHOOL_A, note)
    assert with_visit.notes(SCHOOL_A, "v-1") == [note]
    assert with_visit.agreements(SCHOOL_A, "v-1") == list(note.agreements)


def test_saving_a_note_again_replaces_it(with_visit: Store) -> None:
    with_visit.save_note(SCHOOL_A, records.note())
    revised = records.note(version=2).model_copy(update={"concerns": None})
    with_visit.save_note(SCHOOL_A, revised)
    assert with_visit.notes(SCHOOL_A, "v-1") == [revised]


def test_records_need_a_visit_of_the_same_school(with_visit: Store) -> None:
    check_in = factories.check_in(CheckInKind.DEPARTED, T0)
    with pytest.raises(UnknownRecordError, match=f"school {SCHOOL_B} holds no visit v-1"):
        with_visit.save_check_in(SCHOOL_B, check_in)
    with pytest.raises(UnknownRecordError):
        with_visit.save_outcome(SCHOOL_B, "v-1", records.outcome())
    with pytest.raises(UnknownRecordError):
        with_visit.save_note(SCHOOL_A, records.note(visit_id="v-404"))
    assert with_visit.check_ins(SCHOOL_B, "v-1") == []
    assert with_visit.notes(SCHOOL_A, "v-404") == []
