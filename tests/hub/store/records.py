"""Builders for what the store tests record about a visit. Personal values are fake."""

from __future__ import annotations

from datetime import date, timedelta

from hub.models import (
    Acknowledgement,
    Agreement,
    Control,
    DoorstepReport,
    Finding,
    Outcome,
    OutcomeKind,
    RiskAssessment,
    RiskFlag,
    RiskQuestionnaire,
    School,
    Severity,
    Signature,
    VisitEvent,
    VisitEventKind,
    VisitNote,
    VisitState,
)
from tests import factories
from tests.factories import T0

SCHOOL_A = factories.SCHOOL
SCHOOL_B = "the-willows"


def school(school_id: str) -> School:
    return School(id=school_id, name=f"School {school_id}", policy_pack=school_id)


def event(
    kind: VisitEventKind = VisitEventKind.REQUESTED,
    *,
    visit_id: str = "v-1",
    school_id: str = SCHOOL_A,
    minutes: int = 0,
) -> VisitEvent:
    return VisitEvent(
        school_id=school_id,
        visit_id=visit_id,
        kind=kind,
        at=T0 + timedelta(minutes=minutes),
        actor="s-1",
        state_from=VisitState.REQUESTED,
        state_to=VisitState.ASSESSED,
        data={"rung": 1, "ratio": 0.5, "flag": True, "label": "interval", "none": None},
    )


def risk_assessment(visit_id: str = "v-1", *, assessment_id: str = "ra-1") -> RiskAssessment:
    faker = factories.fake(7)
    return RiskAssessment(
        id=assessment_id,
        visit_id=visit_id,
        completed_by="s-1",
        completed_at=T0 + timedelta(minutes=5),
        questionnaire=RiskQuestionnaire(
            pets_present=True,
            pets_threatening=False,
            household_smokes=None,
            areas_of_concern=faker.sentence(),
        ),
        flags=(
            RiskFlag(
                id="f-1",
                source="cpoms",
                category="dangerous_animal",
                severity=Severity.MEDIUM,
                applies_to="household",
                household_id="hh-1",
                recorded_on=date(2026, 9, 1),
            ),
        ),
        findings=(
            Finding(
                code="animals.present",
                summary="animals at the address",
                severity=Severity.MEDIUM,
                controls=frozenset({Control.ANIMALS_SECURED, Control.PAIR_VISIT}),
                source="risk_rules",
            ),
        ),
    )


def acknowledgement(rung: int = 1, *, by: str = "s-3", minutes: int = 90) -> Acknowledgement:
    return Acknowledgement(visit_id="v-1", rung=rung, by=by, at=T0 + timedelta(minutes=minutes))


def doorstep_report() -> DoorstepReport:
    return DoorstepReport(
        visit_id="v-1",
        kind="parent_late",
        at=T0 + timedelta(hours=1),
        expected_at=T0 + timedelta(hours=1, minutes=15),
    )


def outcome(kind: OutcomeKind = OutcomeKind.UNSAFE, *, minutes: int = 70) -> Outcome:
    return Outcome(
        kind=kind,
        recorded_at=T0 + timedelta(minutes=minutes),
        recorded_by="s-1",
        calling_card_left=kind is OutcomeKind.NO_ACCESS,
        reason=factories.fake(11).sentence() if kind is OutcomeKind.UNSAFE else None,
    )


def note(visit_id: str = "v-1", *, note_id: str = "n-1", version: int = 1) -> VisitNote:
    faker = factories.fake(21)
    made_at = T0 + timedelta(hours=1, minutes=30)
    agreement = Agreement(
        id=f"{note_id}-ag-1",
        visit_id=visit_id,
        pupil_id="p-1",
        action=faker.sentence(),
        owner="parent",
        due_by=date(2026, 11, 30),
        made_at=made_at,
    )
    return VisitNote(
        id=note_id,
        visit_id=visit_id,
        pupil_id="p-1",
        written_by="s-1",
        written_at=T0 + timedelta(hours=2),
        location=faker.street_address(),
        seen=("parent", "pupil"),
        discussion=faker.paragraph(),
        concerns=faker.sentence(),
        safeguarding_concern=True,
        agreements=(agreement,),
        signatures=(
            Signature(signer="parent", signer_id="c-p-1", signed_at=made_at),
            Signature(signer="staff", signer_id="s-1", signed_at=made_at, method="paper"),
        ),
        version=version,
    )
