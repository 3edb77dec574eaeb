"""Outbound deliveries: the outbox rows, one attempt, and the dead letters.

Saving a note puts its deliveries in the outbox in the same transaction
(``Store.save_note_with_deliveries``); the engine drains the outbox by starting one
``deliver:{key}:{round}`` workflow per row. Each attempt calls the push hook with the
delivery's deterministic idempotency key, so however often it is retried (a crash
between the push and its checkpoint, an administrator's retry) the receiver creates
the record once.

Two retry layers: the adapter's HTTP client retries seconds-long faults inside one
attempt (tenacity, ``hub.http``); the workflow pauses durably between attempts for
long outages (``EngineConfig.delivery_backoff_s``), then the delivery is **dead**
with a reason, listed by ``doorstep deliveries list``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

from pydantic import Field

from hub.engine.records import (
    Delivery,
    DeliveryPurpose,
    DeliveryStatus,
    delivery_key,
)
from hub.engine.runtime import Runtime
from hub.errors import AuthError, HookCardinalityError, NotFoundError, RejectedError
from hub.models import DomainModel, VisitNote
from hub.policy import PolicyPack

T = TypeVar("T")

PERMANENT = (AuthError, RejectedError, NotFoundError, HookCardinalityError)
"""Failures that retrying will not cure: the delivery goes to the dead letters at once."""

FINISHED = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.DEAD, DeliveryStatus.DISCARDED})


class Attempt(DomainModel):
    """What one attempt came to."""

    status: DeliveryStatus
    reason: str = Field(default="", description="The failure, as a type and status only.")

    @property
    def finished(self) -> bool:
        """Whether the delivery needs no further attempt."""
        return self.status in FINISHED


def deliveries_for(
    school_id: str, note: VisitNote, pack: PolicyPack, now: datetime
) -> tuple[Delivery, ...]:
    """The deliveries a saved note needs: the note to the pack's records destination,
    and each agreement to where the pack records agreements."""
    out = [
        _delivery(
            school_id,
            note.visit_id,
            DeliveryPurpose.VISIT_NOTE,
            note.id,
            note.version,
            pack.records.destination,
            now,
        )
    ]
    out += [
        _delivery(
            school_id,
            note.visit_id,
            DeliveryPurpose.AGREEMENT,
            agreement.id,
            note.version,
            pack.records.agreements_to,
            now,
        )
        for agreement in note.agreements
    ]
    return tuple(out)


def _delivery(
    school_id: str,
    visit_id: str,
    purpose: DeliveryPurpose,
    object_id: str,
    version: int,
    destination: str,
    now: datetime,
) -> Delivery:
    return Delivery(
        school_id=school_id,
        key=delivery_key(school_id, visit_id, purpose, object_id, version, destination),
        visit_id=visit_id,
        purpose=purpose,
        object_id=object_id,
        object_version=version,
        destination=destination,
        created_at=now,
        updated_at=now,
    )


async def attempt(runtime: Runtime, school_id: str, key: str) -> Attempt:
    """Push one delivery once and record what happened."""
    store = runtime.store
    delivery = await runtime.io(store.get_delivery, school_id, key)
    if delivery is None:
        return Attempt(status=DeliveryStatus.DISCARDED, reason="not in the outbox")
    if delivery.status in FINISHED:
        return Attempt(status=delivery.status, reason=delivery.reason)
    status, reason, external_id = DeliveryStatus.DELIVERED, "", None
    try:
        external_id = await _push(runtime, delivery)
    except PERMANENT as exc:
        status, reason = DeliveryStatus.DEAD, _reason(exc)
    except Exception as exc:  # transient or unknown: try again after a durable pause
        status, reason = DeliveryStatus.STARTED, _reason(exc)
    updated = delivery.model_copy(
        update={
            "status": status,
            "attempts": delivery.attempts + 1,
            "reason": reason,
            "external_id": external_id or delivery.external_id,
            "updated_at": runtime.clock(),
        }
    )
    await runtime.io(store.save_delivery, updated)
    return Attempt(status=status, reason=reason)


async def _push(runtime: Runtime, delivery: Delivery) -> str:
    store = runtime.store
    hooks = runtime.hooks(delivery.school_id)
    visit = await runtime.visit(delivery.school_id, delivery.visit_id)
    if delivery.purpose is DeliveryPurpose.VISIT_NOTE:
        notes = await runtime.io(store.notes, delivery.school_id, delivery.visit_id)
        note = _one(n for n in notes if n.id == delivery.object_id)
        receipt = await hooks.push_visit_note(visit=visit, note=note, idempotency_key=delivery.key)
    else:
        agreements = await runtime.io(store.agreements, delivery.school_id, delivery.visit_id)
        agreement = _one(a for a in agreements if a.id == delivery.object_id)
        receipt = await hooks.push_agreement(
            visit=visit, agreement=agreement, idempotency_key=delivery.key
        )
    return receipt.external_id


def _one(found: Iterable[T]) -> T:
    for item in found:
        return item
    raise NotFoundError("the record to deliver is no longer in the store")


def _reason(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    return f"{type(exc).__name__}" + (f" (status {status})" if status else "")


async def give_up(runtime: Runtime, school_id: str, key: str, reason: str) -> None:
    """Dead-letter a delivery after its last attempt."""
    delivery = await runtime.io(runtime.store.get_delivery, school_id, key)
    if delivery is None or delivery.status in FINISHED:
        return
    attempts = delivery.attempts
    dead = delivery.model_copy(
        update={
            "status": DeliveryStatus.DEAD,
            "reason": f"gave up after {attempts} attempts: {reason or 'no answer'}",
            "updated_at": runtime.clock(),
        }
    )
    await runtime.io(runtime.store.save_delivery, dead)


def retried(delivery: Delivery, now: datetime) -> Delivery:
    """A dead (or stuck) delivery sent again by an administrator: a new round, same key."""
    return delivery.model_copy(
        update={
            "status": DeliveryStatus.PENDING,
            "round": delivery.round + 1,
            "attempts": 0,
            "reason": "",
            "updated_at": now,
        }
    )


def discarded(delivery: Delivery, now: datetime, reason: str) -> Delivery:
    """A delivery an administrator decided must not be sent."""
    return delivery.model_copy(
        update={"status": DeliveryStatus.DISCARDED, "reason": reason, "updated_at": now}
    )
