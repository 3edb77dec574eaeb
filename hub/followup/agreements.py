"""Agreements made on a visit: pushed to the MIS once, then tracked until kept or broken.

**Pushing.** An agreement goes to the MIS through ``Hooks.push_agreement`` with the
engine's deterministic delivery key, and the push is recorded in the engine's outbox as
delivered. A second call (tomorrow's evaluation, a restart, the engine's own delivery
of the same note) finds it delivered and pushes nothing (seed 000 8.2.2: agreements go
in the attendance record; seed 004 5.2).

**Tracking** (seed 000 8.2.2, seed 004 5.2-5.4), decided by ``next_step`` (pure):

1. Once the agreement is due (its ``due_by``, else ``DEFAULT_DUE_DAYS`` after it was
   made), attendance since it was made is compared with the pack's line
   (``pack.attendance.below_percent``). At or above the line: **kept**. Below: a note
   is made and a **reminder letter** produced (breach 1).
2. At least ``RECHECK_DAYS`` after the reminder, attendance since the reminder is
   checked again. At or above the line: kept. Below: **broken**, a note is made and a
   **follow-up visit** is proposed (breach 2). Nothing more is raised for it after that.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from hub.engine.records import Delivery, DeliveryPurpose, DeliveryStatus, delivery_key
from hub.followup.records import AgreementStatus, TrackedAgreement
from hub.followup.register import SessionMark
from hub.hooks.manager import Hooks
from hub.models import Agreement, Visit
from hub.plugins.attendance import tally
from hub.policy import PolicyPack
from hub.store import Store

DEFAULT_DUE_DAYS = 14
"""When an agreement has no date, it is first checked this many days after it was made."""

RECHECK_DAYS = 14
"""Days after a reminder before attendance is checked again."""


def agreement_key(school_id: str, pack: PolicyPack, agreement: Agreement, version: int = 1) -> str:
    """The agreement's delivery key: the same one the engine's outbox uses."""
    return delivery_key(
        school_id,
        agreement.visit_id,
        DeliveryPurpose.AGREEMENT,
        agreement.id,
        version,
        pack.records.agreements_to,
    )


async def push_agreement_once(
    store: Store,
    hooks: Hooks,
    *,
    visit: Visit,
    agreement: Agreement,
    now: datetime,
    version: int = 1,
) -> bool:
    """Push the agreement to the MIS unless its delivery is already done; True if pushed."""
    school_id = hooks.school.id
    key = agreement_key(school_id, hooks.pack, agreement, version)
    existing = store.get_delivery(school_id, key)
    if existing is not None and existing.status in (
        DeliveryStatus.DELIVERED,
        DeliveryStatus.DISCARDED,
    ):
        return False
    receipt = await hooks.push_agreement(visit=visit, agreement=agreement, idempotency_key=key)
    store.save_delivery(
        Delivery(
            school_id=school_id,
            key=key,
            visit_id=visit.id,
            purpose=DeliveryPurpose.AGREEMENT,
            object_id=agreement.id,
            object_version=version,
            destination=hooks.pack.records.agreements_to,
            status=DeliveryStatus.DELIVERED,
            attempts=(existing.attempts if existing else 0) + 1,
            round=existing.round if existing else 0,
            external_id=receipt.external_id,
            created_at=existing.created_at if existing else now,
            updated_at=now,
        )
    )
    return True


class Step(StrEnum):
    """What tracking decided today for one agreement."""

    WAIT = "wait"
    KEPT = "kept"
    REMIND = "remind"
    PROPOSE_VISIT = "propose_visit"


def _attendance_ok(
    pack: PolicyPack, marks: list[SessionMark], since: date, on: date
) -> bool | None:
    counted = tally(marks, since, on)
    if counted.possible_sessions == 0:
        return None
    return bool(
        counted.attended_sessions * 100 >= pack.attendance.below_percent * counted.possible_sessions
    )


def next_step(
    tracked: TrackedAgreement,
    agreement: Agreement,
    pack: PolicyPack,
    marks: list[SessionMark],
    on: date,
) -> Step:
    """Today's step for one agreement, from the pupil's register (pure)."""
    if tracked.status is not AgreementStatus.OPEN:
        return Step.WAIT
    made = agreement.made_at.date()
    if tracked.breaches == 0:
        due = agreement.due_by or made + timedelta(days=DEFAULT_DUE_DAYS)
        if on < due:
            return Step.WAIT
        ok = _attendance_ok(pack, marks, made, on)
        if ok is None:
            return Step.WAIT
        return Step.KEPT if ok else Step.REMIND
    reminded = tracked.checked_at.date() if tracked.checked_at else made
    if on < reminded + timedelta(days=RECHECK_DAYS):
        return Step.WAIT
    ok = _attendance_ok(pack, marks, reminded, on)
    if ok is None:
        return Step.WAIT
    return Step.KEPT if ok else Step.PROPOSE_VISIT
