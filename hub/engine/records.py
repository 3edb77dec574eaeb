"""What the durable engine keeps in the store besides the visit's own records.

- ``BoardState``: what the office board shows for a visit on top of its state
  (overdue, duress, channels failing, exhausted, acknowledged). It never holds
  personal data: ids, a rung number and plain words.
- ``Delivery``: one outbound push (a visit note, an agreement) in the outbox, from
  ``pending`` through ``started`` to ``delivered``, or ``dead`` with a reason, or
  ``discarded`` by an administrator.

This module imports nothing from the rest of the engine, so the store can use it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from hub.models.base import DomainModel, Slug, UtcDateTime


class Board(StrEnum):
    """A visit's alarm state on the office board, loudest last."""

    CLEAR = "clear"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    """An overdue rung ran; someone must acknowledge it."""
    CHANNELS_FAILING = "channels_failing"
    """Every channel of a rung failed; the engine keeps trying. Loud."""
    DURESS = "duress"
    EXHAUSTED = "exhausted"
    """Nobody acknowledged the last rung: stays loud until acknowledged or back."""

    @property
    def loud(self) -> bool:
        """Whether the board should sound an alarm for this state."""
        return self in (Board.CHANNELS_FAILING, Board.DURESS, Board.EXHAUSTED)


class BoardState(DomainModel):
    """One visit's line on the office board."""

    school_id: Slug
    visit_id: str
    state: Board
    since: UtcDateTime
    rung: int | None = Field(default=None, ge=1)
    detail: str = Field(default="", description="Plain words; never personal data.")


class DeliveryStatus(StrEnum):
    """Where one outbound delivery is."""

    PENDING = "pending"
    """Saved in the outbox; the engine has not started it yet."""
    STARTED = "started"
    """A durable delivery workflow runs it."""
    DELIVERED = "delivered"
    DEAD = "dead"
    """Given up, with a reason; ``doorstep deliveries retry`` sends it again."""
    DISCARDED = "discarded"
    """An administrator decided it must not be sent."""


class DeliveryPurpose(StrEnum):
    """What a delivery carries."""

    VISIT_NOTE = "visit_note"
    AGREEMENT = "agreement"


class Delivery(DomainModel):
    """One outbound push and its progress. ``key`` is its idempotency key."""

    school_id: Slug
    key: str = Field(min_length=1, max_length=512)
    visit_id: str
    purpose: DeliveryPurpose
    object_id: str = Field(description="The note's or agreement's id.")
    object_version: int = Field(ge=1)
    destination: Slug = Field(description="The pack's records destination (cpoms, mis...).")
    status: DeliveryStatus = DeliveryStatus.PENDING
    round: int = Field(default=0, ge=0, description="Bumped by each administrator retry.")
    attempts: int = Field(default=0, ge=0)
    reason: str = Field(default="", description="Why it is dead; never personal data.")
    external_id: str | None = None
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @property
    def workflow_id(self) -> str:
        """The durable workflow that runs this round of the delivery."""
        return f"deliver:{self.key}:{self.round}"


def delivery_key(
    school_id: str,
    visit_id: str,
    purpose: DeliveryPurpose,
    object_id: str,
    object_version: int,
    destination: str,
) -> str:
    """The deterministic idempotency key of one delivery: every retry, restart and
    replica derives the same key for the same version of the same object."""
    return f"{school_id}:{visit_id}:{purpose.value}:{object_id}:v{object_version}:{destination}"
