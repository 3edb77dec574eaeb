"""Planning a sync: added, changed, removed, rejected, the mass-change hold, the window."""

from __future__ import annotations

from datetime import date

import pytest

from hub.models import Pupil
from hub.sync.plan import (
    DEFAULT_HOLD_SHARE,
    Hold,
    PupilPlan,
    attendance_window,
    check_contacts,
    mass_change_hold,
    plan_pupils,
)
from tests import factories
from tests.factories import SCHOOL


def roll(count: int) -> dict[str, Pupil]:
    faker = factories.fake(11)
    return {f"p-{n}": factories.pupil(f"p-{n}", faker=faker) for n in range(1, count + 1)}


def test_new_changed_and_unchanged_pupils_are_told_apart() -> None:
    cached = roll(3)
    moved = cached["p-2"].model_copy(update={"year_group": "11"})
    newcomer = factories.pupil("p-9", faker=factories.fake(12))
    plan = plan_pupils(SCHOOL, cached, [cached["p-1"], moved, newcomer], full=False)
    assert plan.added == (newcomer,)
    assert plan.changed == (moved,)
    assert plan.unchanged == 1
    assert plan.removed == ()
    assert plan.accepted == (newcomer, moved)


def test_only_a_full_pull_removes_pupils_missing_from_it() -> None:
    cached = roll(4)
    pulled = [cached["p-1"], cached["p-3"]]
    assert plan_pupils(SCHOOL, cached, pulled, full=True).removed == ("p-2", "p-4")
    assert plan_pupils(SCHOOL, cached, pulled, full=False).removed == ()


def test_another_schools_pupil_and_a_repeated_id_are_rejected_with_ids_only() -> None:
    cached = roll(2)
    stranger = factories.pupil("p-7", school_id="other-school")
    plan = plan_pupils(SCHOOL, cached, [cached["p-1"], cached["p-1"], stranger], full=True)
    reasons = [str(r) for r in plan.rejected]
    assert reasons == [
        "pupil of pupil p-1: sent twice in one pull; kept the first",
        "pupil of pupil p-7: belongs to another school",
    ]
    assert plan.removed == ("p-2",)
    assert plan.unchanged == 1
    for line in reasons:
        assert cached["p-1"].first_name not in line
        assert stranger.last_name not in line


@pytest.mark.parametrize(
    ("removed", "changed", "held"),
    [(3, 0, True), (0, 3, True), (2, 1, True), (2, 0, False), (1, 1, False)],
)
def test_the_hold_trips_above_the_share_of_the_roll(removed: int, changed: int, held: bool) -> None:
    cached = roll(20)
    plan = PupilPlan(
        changed=tuple(list(cached.values())[:changed]),
        removed=tuple(f"p-{n}" for n in range(1, removed + 1)),
    )
    hold = mass_change_hold(plan, roll=20, limit=DEFAULT_HOLD_SHARE)
    assert (hold is not None) is held


def test_twelve_percent_removed_is_held_and_explained_in_counts() -> None:
    plan = PupilPlan(removed=tuple(f"p-{n}" for n in range(12)))
    hold = mass_change_hold(plan, roll=100, limit=0.10)
    assert hold == Hold(removed=12, changed=0, roll=100, limit=0.10)
    assert hold.share == pytest.approx(0.12)
    assert hold.explain() == (
        "held: this sync would remove 12 and rewrite 0 of 100 pupils (12%), more than the "
        "10% allowed; check the MIS, then run again with --confirm to apply it"
    )


def test_a_first_sync_into_an_empty_cache_is_never_held() -> None:
    plan = PupilPlan(added=tuple(roll(50).values()))
    assert mass_change_hold(plan, roll=0, limit=0.10) is None


def test_contacts_of_another_pupil_or_repeated_are_refused() -> None:
    faker = factories.fake(13)
    mine = factories.contact("p-1", faker=faker)
    theirs = factories.contact("p-2", faker=faker)
    kept, refused = check_contacts("p-1", [mine, theirs, mine])
    assert kept == [mine]
    assert [str(r) for r in refused] == [
        "contact of pupil p-1: c-p-2 is another pupil's",
        "contact of pupil p-1: c-p-1 sent twice",
    ]


@pytest.mark.parametrize(
    ("today", "months", "first"),
    [
        (date(2026, 11, 23), 3, date(2026, 8, 23)),
        (date(2026, 2, 10), 3, date(2025, 11, 10)),
        (date(2026, 5, 31), 3, date(2026, 2, 28)),
        (date(2026, 11, 23), 12, date(2025, 11, 23)),
    ],
)
def test_attendance_window_counts_calendar_months_back(today, months, first) -> None:
    assert attendance_window(today, months) == (first, today)
