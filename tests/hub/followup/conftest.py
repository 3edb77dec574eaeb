"""A store with one school, one pupil and one visit whose note holds an agreement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hub import hookimpl
from hub.followup.register import SessionMark
from hub.followup.repository import FollowUpStore
from hub.hooks.types import PushReceipt
from hub.models import Agreement, School, VisitNote, VisitState
from hub.store import Store
from tests.factories import SCHOOL, pupil, visit

SCHOOL_MODEL = School(
    id=SCHOOL, name="St Michael's Church of England High School", policy_pack=SCHOOL
)
AGREED_AT = datetime(2026, 9, 14, 15, 0, tzinfo=UTC)


def at_four(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)


def day_marks(pupil_id: str, day: date, *, absent: bool) -> list[SessionMark]:
    code = "N" if absent else "/"
    return [SessionMark(pupil_id=pupil_id, day=day, session=s, code=code) for s in ("am", "pm")]


class MisDouble:
    """A test MIS that records every agreement push and dedupes by key."""

    def __init__(self) -> None:
        self.pushes: list[str] = []

    @hookimpl
    async def hub_push_agreement(self, agreement: Agreement, idempotency_key: str) -> PushReceipt:
        created = idempotency_key not in self.pushes
        self.pushes.append(idempotency_key)
        return PushReceipt(
            system="mis",
            external_id=f"mis-{agreement.id}",
            idempotency_key=idempotency_key,
            created=created,
        )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'doorstep.db'}")
    try:
        opened.save_school(SCHOOL_MODEL)
        opened.upsert_pupils([pupil("p-1")])
        yield opened
    finally:
        opened.close()


@pytest.fixture
def followups(store: Store) -> FollowUpStore:
    return FollowUpStore(store.engine)


@pytest.fixture
def agreement(store: Store) -> Agreement:
    start = AGREED_AT - timedelta(hours=2)
    store.save_visit(
        visit(
            state=VisitState.CLOSED,
            planned_start=start,
            planned_end=start + timedelta(hours=1),
            requested_at=start - timedelta(days=2),
        )
    )
    made = Agreement(
        id="a-1",
        visit_id="v-1",
        pupil_id="p-1",
        action="Bring the pupil to the gate by 8:40 each morning",
        owner="parent",
        due_by=date(2026, 9, 28),
        made_at=AGREED_AT,
    )
    note = VisitNote(
        id="n-1",
        visit_id="v-1",
        pupil_id="p-1",
        written_by="s-1",
        written_at=AGREED_AT,
        discussion="Talked about mornings.",
        agreements=(made,),
    )
    store.save_note(SCHOOL, note)
    return made
