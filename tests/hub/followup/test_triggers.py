"""The daily evaluation over a simulated term: prompts, suggested visits, and an
agreement that is broken, reminded once, then proposed for a follow-up visit once."""

from __future__ import annotations

import stat
from datetime import date, timedelta
from pathlib import Path

import structlog

from hub.followup.agreements import push_agreement_once
from hub.followup.records import (
    AgreementStatus,
    Decision,
    LetterKind,
    ProposalCause,
)
from hub.followup.repository import FollowUpStore
from hub.followup.triggers import DailyOptions, evaluate_school
from hub.hooks.manager import build_hooks
from hub.models import Agreement
from hub.store import Store
from tests.factories import SCHOOL, pack, pupil
from tests.hub.followup.conftest import (
    SCHOOL_MODEL,
    MisDouble,
    at_four,
    day_marks,
)
from tests.hub.followup.terms import AUTUMN


def absent_day(day: date) -> bool:
    """Away every Monday and Tuesday: 60 % attendance."""
    return day.weekday() in (0, 1)


async def run_term(
    store: Store,
    followups: FollowUpStore,
    agreement: Agreement,
    mis: MisDouble,
    letters: Path | None,
    *,
    until: date = date(2026, 12, 18),
) -> None:
    hooks = build_hooks(SCHOOL_MODEL, pack=pack(), entry_points=False, extra=[("mis", mis)])
    visit = store.get_visit(SCHOOL, agreement.visit_id)
    assert visit is not None
    options = DailyOptions(calendar=AUTUMN, letters_dir=letters, pdf=False)
    for day in AUTUMN.school_days(date(2026, 9, 2), until):
        followups.save_marks(SCHOOL, day_marks("p-1", day, absent=absent_day(day)))
        now = at_four(day)
        if day >= agreement.made_at.date():
            await push_agreement_once(store, hooks, visit=visit, agreement=agreement, now=now)
        evaluate_school(store, followups, SCHOOL_MODEL, pack(), now=now, options=options)


async def test_a_broken_agreement_gets_one_reminder_then_one_follow_up_visit_and_one_push(
    store: Store, followups: FollowUpStore, agreement: Agreement, tmp_path: Path
) -> None:
    mis = MisDouble()
    await run_term(store, followups, agreement, mis, tmp_path / "letters")

    assert len(mis.pushes) == 1
    letters = followups.letters(SCHOOL, pupil_id="p-1")
    assert [(letter.kind, letter.agreement_id) for letter in letters] == [
        (LetterKind.REMINDER, "a-1")
    ]
    assert letters[0].created_at.date() == date(2026, 9, 28)  # the day it fell due
    follow_ups = [
        p for p in followups.proposals(SCHOOL) if p.cause is ProposalCause.AGREEMENT_BROKEN
    ]
    assert [p.agreement_id for p in follow_ups] == ["a-1"]
    assert follow_ups[0].raised_at.date() == date(2026, 10, 12)  # 14 days after the reminder
    [tracked] = followups.tracking(SCHOOL)
    assert tracked.status is AgreementStatus.BROKEN
    assert tracked.breaches == 2
    notes = followups.notes(SCHOOL, "p-1")
    assert [n.kind for n in notes] == ["agreement_not_kept", "agreement_broken"]
    html = Path(str(letters[0].html_path))
    assert html.parent == tmp_path / "letters" / SCHOOL
    assert stat.S_IMODE(html.stat().st_mode) == 0o600
    assert "Bring the pupil to the gate by 8:40 each morning" in html.read_text(encoding="utf-8")
    delivery = store.deliveries(SCHOOL)[0]
    assert (delivery.status.value, delivery.external_id) == ("delivered", "mis-a-1")


async def test_a_kept_agreement_is_marked_kept_and_nothing_is_sent(
    store: Store, followups: FollowUpStore, agreement: Agreement
) -> None:
    hooks = build_hooks(SCHOOL_MODEL, pack=pack(), entry_points=False, extra=[("mis", MisDouble())])
    options = DailyOptions(calendar=AUTUMN)
    for day in AUTUMN.school_days(date(2026, 9, 2), date(2026, 10, 9)):
        followups.save_marks(SCHOOL, day_marks("p-1", day, absent=False))
        outcome = evaluate_school(
            store, followups, SCHOOL_MODEL, pack(), now=at_four(day), options=options
        )
    assert followups.letters(SCHOOL) == []
    assert [t.status for t in followups.tracking(SCHOOL)] == [AgreementStatus.KEPT]
    assert outcome.prompts == []
    assert hooks.school.id == SCHOOL


async def test_attendance_raises_one_prompt_and_one_suggestion_and_a_person_decides(
    store: Store, followups: FollowUpStore
) -> None:
    options = DailyOptions(calendar=AUTUMN)
    days = AUTUMN.school_days(date(2026, 9, 2), date(2026, 9, 30))
    for day in days:
        followups.save_marks(SCHOOL, day_marks("p-1", day, absent=absent_day(day)))
    first = evaluate_school(
        store, followups, SCHOOL_MODEL, pack(), now=at_four(days[-1]), options=options
    )
    again = evaluate_school(
        store,
        followups,
        SCHOOL_MODEL,
        pack(),
        now=at_four(days[-1]) + timedelta(days=1),
        options=options,
    )

    assert sorted(p.measure for p in first.prompts) == ["pack_referral", "penalty_notice"]
    assert [p.cause for p in first.proposals] == [ProposalCause.ATTENDANCE]
    assert first.proposals[0].reason.value == "attendance_concern"
    assert (again.prompts, again.proposals) == ([], [])
    prompt = next(p for p in first.prompts if p.measure == "penalty_notice")
    assert prompt.evidence["counted_sessions"] >= 10
    assert prompt.evidence["codes"]["N"] >= 10
    assert [r.value for r in prompt.notify] == ["deputy_head"]

    decided = followups.decide(
        SCHOOL,
        prompt.id,
        decision=Decision.SUPPORT_FIRST,
        by="s-9",
        at=at_four(days[-1]) + timedelta(days=2),
        reason="Family engaging with early help; review in four weeks.",
    )
    assert (decided.decision, decided.decided_by) == (Decision.SUPPORT_FIRST, "s-9")
    stored = followups.prompts(SCHOOL, pupil_id="p-1")
    assert any(p.reason and "early help" in p.reason for p in stored)
    later = evaluate_school(
        store,
        followups,
        SCHOOL_MODEL,
        pack(),
        now=at_four(days[-1]) + timedelta(days=3),
        options=options,
    )
    assert later.prompts == []  # decided recently: quiet


async def test_the_daily_log_holds_counts_only(
    store: Store, followups: FollowUpStore, agreement: Agreement, tmp_path: Path
) -> None:
    named = pupil("p-1")
    with structlog.testing.capture_logs() as logs:
        await run_term(store, followups, agreement, MisDouble(), tmp_path, until=date(2026, 10, 16))
    text = repr(logs)
    assert logs
    for secret in (named.first_name, named.last_name, "8:40", "%"):
        assert secret not in text
    assert {entry["event"] for entry in logs} >= {"followup.daily"}
