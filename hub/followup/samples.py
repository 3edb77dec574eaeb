"""Fake families for letter previews (Faker, en_GB, fixed seed): never a real pupil."""

from __future__ import annotations

from datetime import datetime, timedelta

from faker import Faker

from hub.followup.letters import LetterFacts
from hub.followup.records import LetterKind
from hub.models import (
    Address,
    Agreement,
    Contact,
    Pupil,
    School,
    Visit,
    VisitReason,
)
from hub.policy import PolicyPack

SAMPLE_PUPIL_ID = "sample-pupil"


def sample_facts(
    kind: LetterKind, school: School, pack: PolicyPack, now: datetime, *, seed: int = 7
) -> LetterFacts:
    """A letter of ``kind`` for an invented family, dated ``now``."""
    faker = Faker("en_GB")
    faker.seed_instance(seed)
    address = Address(line1=faker.street_address(), town=faker.city(), postcode=faker.postcode())
    pupil = Pupil(
        id=SAMPLE_PUPIL_ID,
        school_id=school.id,
        first_name=faker.first_name(),
        last_name=faker.last_name(),
        address=address,
    )
    contact = Contact(
        id="sample-contact",
        pupil_id=pupil.id,
        name=faker.name(),
        parental_responsibility=True,
        address=address,
    )
    start = (now + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    visit = Visit(
        id="sample-visit",
        school_id=school.id,
        pupil_id=pupil.id,
        reason=VisitReason.ATTENDANCE_CONCERN,
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        staff_ids=("sample-staff",),
        requested_by="sample-staff",
        requested_at=now,
    )
    agreement = Agreement(
        id="sample-agreement",
        visit_id=visit.id,
        pupil_id=pupil.id,
        action="Make sure the pupil arrives by 8:40 every morning",
        owner="parent",
        due_by=(now + timedelta(days=14)).date(),
        made_at=now - timedelta(days=21),
    )
    return LetterFacts(
        kind=kind,
        school=school,
        pack=pack,
        pupil=pupil,
        contact=contact,
        on=now.date(),
        visit=visit,
        agreement=agreement,
    )
