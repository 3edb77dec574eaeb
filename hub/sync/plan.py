"""Pure planning for the roll sync: what the MIS sent against what the store holds.

No I/O and no clock: the runner hands in the cached pupils, the pulled ones and
``today``. A plan sorts the pulled pupils into added, changed and unchanged, lists
the pupils that left the roll (a full sync only: an incremental pull cannot tell a
pupil who left from one who did not change) and rejects rows it cannot take, each
with a reason that names ids only. The **mass-change hold** stops a sync that would
remove or rewrite more than a set share of the roll before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from hub.models import Contact, Pupil

DEFAULT_HOLD_SHARE = 0.10
"""A sync that would remove or rewrite more than this share of the roll is held."""


@dataclass(frozen=True)
class Rejection:
    """A row the sync refused: which pupil, what kind of row, and why (never a value)."""

    pupil_id: str
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind} of pupil {self.pupil_id}: {self.reason}"


@dataclass(frozen=True)
class PupilPlan:
    """What one sync would do to a school's cached pupils."""

    added: tuple[Pupil, ...] = ()
    changed: tuple[Pupil, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    rejected: tuple[Rejection, ...] = ()

    @property
    def accepted(self) -> tuple[Pupil, ...]:
        """Every pupil the plan keeps from the pull: added and changed."""
        return self.added + self.changed


@dataclass(frozen=True)
class Hold:
    """Why a sync stopped for confirmation: it would touch too much of the roll."""

    removed: int
    changed: int
    roll: int
    limit: float

    @property
    def share(self) -> float:
        """The share of the roll the sync would remove or rewrite."""
        return (self.removed + self.changed) / self.roll

    def explain(self) -> str:
        """One line for the administrator, with counts only."""
        return (
            f"held: this sync would remove {self.removed} and rewrite {self.changed} of "
            f"{self.roll} pupils ({self.share:.0%}), more than the {self.limit:.0%} allowed; "
            "check the MIS, then run again with --confirm to apply it"
        )


def plan_pupils(
    school_id: str,
    cached: Mapping[str, Pupil],
    pulled: Iterable[Pupil],
    *,
    full: bool,
) -> PupilPlan:
    """Compare ``pulled`` with ``cached`` (the store's pupils of ``school_id``).

    ``full`` says the pull was the whole roll, so a cached pupil missing from it has
    left; otherwise nothing is removed. A pupil of another school, or an id sent
    twice, is rejected.
    """
    added: list[Pupil] = []
    changed: list[Pupil] = []
    rejected: list[Rejection] = []
    seen: set[str] = set()
    unchanged = 0
    for pupil in pulled:
        if pupil.id in seen:
            rejected.append(Rejection(pupil.id, "pupil", "sent twice in one pull; kept the first"))
            continue
        seen.add(pupil.id)
        if pupil.school_id != school_id:
            rejected.append(Rejection(pupil.id, "pupil", "belongs to another school"))
            continue
        before = cached.get(pupil.id)
        if before is None:
            added.append(pupil)
        elif before != pupil:
            changed.append(pupil)
        else:
            unchanged += 1
    removed = tuple(sorted(set(cached) - seen)) if full else ()
    return PupilPlan(
        added=tuple(added),
        changed=tuple(changed),
        removed=removed,
        unchanged=unchanged,
        rejected=tuple(rejected),
    )


def mass_change_hold(plan: PupilPlan, *, roll: int, limit: float) -> Hold | None:
    """A ``Hold`` when ``plan`` removes or rewrites more than ``limit`` of ``roll`` pupils.

    ``roll`` is how many pupils the store held before the sync. A first sync (an
    empty roll) only adds, so it is never held.
    """
    if roll <= 0:
        return None
    hold = Hold(removed=len(plan.removed), changed=len(plan.changed), roll=roll, limit=limit)
    return hold if hold.share > limit else None


def check_contacts(
    pupil_id: str, contacts: Iterable[Contact]
) -> tuple[list[Contact], list[Rejection]]:
    """The contacts to keep for ``pupil_id``, and those refused (another pupil's, or twice)."""
    kept: list[Contact] = []
    rejected: list[Rejection] = []
    seen: set[str] = set()
    for contact in contacts:
        if contact.pupil_id != pupil_id:
            rejected.append(Rejection(pupil_id, "contact", f"{contact.id} is another pupil's"))
        elif contact.id in seen:
            rejected.append(Rejection(pupil_id, "contact", f"{contact.id} sent twice"))
        else:
            seen.add(contact.id)
            kept.append(contact)
    return kept, rejected


def attendance_window(today: date, months: int) -> tuple[date, date]:
    """The first and last day of the ``months`` calendar months up to ``today``."""
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(today.day, _days_in(year, month))
    return date(year, month, day), today


def _days_in(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - date(year, month, 1)).days
