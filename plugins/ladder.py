"""Built-in plugin: the pack's escalation ladder as data the durable engine runs.

``build_ladder(pack)`` is pure: it turns ``pack.escalation``, ``pack.overdue`` and
``pack.duress`` into numbered rungs with who each reaches, the channels in order and
how long a person has to acknowledge. The engine walks it; this module never sends
anything. ``hub_resolve_channel_order`` is the default channel order (trylast), so a
plugin may answer first for a school that wants another order.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from hub import hookimpl
from hub.models import LadderTarget, School, StaffRole, Visit
from hub.models.base import DomainModel, Slug
from hub.policy import PolicyPack, Rung


class LadderRung(DomainModel):
    """One rung: who it reaches, on which channels, and how long a person has to answer."""

    number: int = Field(ge=1, description="Counted from 1.")
    name: Slug
    reaches: tuple[LadderTarget, ...] = Field(min_length=1)
    channels: tuple[Slug, ...] = Field(min_length=1, description="Tried in this order.")
    ack_window: timedelta = Field(gt=timedelta(0))
    says: str

    @property
    def prompts_police(self) -> bool:
        """Whether this rung asks a person to decide on calling the police."""
        return LadderTarget.POLICE_PROMPT in self.reaches


class Ladder(DomainModel):
    """The whole escalation ladder of one school."""

    pack_id: Slug
    grace: timedelta = Field(description="How far past a deadline before rung 1 runs.")
    rungs: tuple[LadderRung, ...] = Field(min_length=1)
    duress_rung: int = Field(ge=1, description="The rung a duress check-in jumps to.")
    exhausted_alerts: tuple[StaffRole, ...] = Field(min_length=1)

    def rung(self, number: int) -> LadderRung:
        """Rung ``number``, counted from 1."""
        if not 1 <= number <= len(self.rungs):
            raise IndexError(f"the ladder has rungs 1 to {len(self.rungs)}, not {number}")
        return self.rungs[number - 1]

    def after(self, number: int) -> LadderRung | None:
        """The rung after ``number``, or None when the ladder is exhausted."""
        return self.rungs[number] if number < len(self.rungs) else None

    def deadline_of(self, number: int) -> timedelta:
        """How long after the missed deadline rung ``number`` starts, if nobody answers."""
        return self.grace + sum((r.ack_window for r in self.rungs[: number - 1]), timedelta(0))


def build_ladder(pack: PolicyPack) -> Ladder:
    """The pack's ladder as numbered, typed rungs."""
    rungs = tuple(
        LadderRung(
            number=number,
            name=rung.name,
            reaches=tuple(rung.reaches),
            channels=tuple(rung.channels),
            ack_window=timedelta(minutes=rung.ack_window_minutes),
            says=rung.says,
        )
        for number, rung in enumerate(pack.escalation.rungs, start=1)
    )
    return Ladder(
        pack_id=pack.id,
        grace=timedelta(minutes=pack.overdue.grace_minutes),
        rungs=rungs,
        duress_rung=pack.rung_number(pack.duress.rung),
        exhausted_alerts=tuple(pack.escalation.exhausted_alerts),
    )


@hookimpl(trylast=True)
def hub_resolve_channel_order(
    school: School, pack: PolicyPack, visit: Visit, rung: Rung
) -> tuple[str, ...]:
    """Default: the rung's channels in the order the pack lists them."""
    return tuple(rung.channels)
