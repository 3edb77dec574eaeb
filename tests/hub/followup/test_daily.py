"""One school's day: the register pulled from the MIS, kept, then evaluated at ``now``;
and what the settings give the evaluation (folder, calendar, thresholds)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import structlog

from hub import hookimpl
from hub.errors import ConfigError, TransientError, UserError
from hub.followup.configured import (
    calendar_for,
    daily_options,
    followup_dir,
    thresholds_for,
)
from hub.followup.daily import academic_year_start, register_since, run_daily
from hub.followup.decisions import decide
from hub.followup.records import Decision
from hub.followup.register import SessionMark
from hub.followup.repository import FollowUpStore
from hub.followup.triggers import DailyOptions
from hub.hooks.manager import Hooks, build_hooks
from hub.hooks.types import DeliveryReceipt, Notification
from hub.models import StaffRole
from hub.settings import HubSettings, load_settings
from hub.store import Store
from tests.factories import SCHOOL, pack, pupil, staff
from tests.hub.followup.conftest import SCHOOL_MODEL, day_marks
from tests.hub.followup.terms import AUTUMN

NOW = datetime(2026, 11, 23, 6, tzinfo=UTC)


class Register:
    """An MIS holding p-1's register: away every Monday and Tuesday."""

    def __init__(self) -> None:
        self.asked: list[tuple[date, date]] = []

    @hookimpl
    def hub_pull_session_marks(self, since: date, until: date) -> list[SessionMark]:
        self.asked.append((since, until))
        days = (since + timedelta(days=n) for n in range((until - since).days + 1))
        return [
            mark
            for day in days
            if AUTUMN.is_school_day(day)
            for mark in day_marks("p-1", day, absent=day.weekday() < 2)
        ]


class Mailbox:
    """An e-mail channel that keeps one message per idempotency key."""

    def __init__(self) -> None:
        self.sent: dict[str, Notification] = {}

    @hookimpl
    def hub_send_notification(
        self, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt:
        self.sent.setdefault(idempotency_key, notification)
        return DeliveryReceipt(
            system="mail",
            channel=notification.channel,
            external_id=f"m-{len(self.sent)}",
            idempotency_key=idempotency_key,
            accepted_at=NOW,
        )


def hooks_with(*extra: tuple[str, object]) -> Hooks:
    return build_hooks(SCHOOL_MODEL, pack=pack(), entry_points=False, extra=list(extra))


@pytest.mark.parametrize(
    ("on", "months", "since"),
    [
        (date(2026, 11, 23), 3, date(2026, 8, 23)),  # the pack's window reaches further back
        (date(2026, 10, 15), 1, date(2026, 9, 1)),  # the year to date does
        (date(2027, 3, 1), 3, date(2026, 9, 1)),
    ],
)
def test_the_register_is_pulled_for_the_year_or_the_packs_window(
    on: date, months: int, since: date
) -> None:
    assert register_since(on, months) == since


def test_the_academic_year_starts_on_the_first_of_september() -> None:
    assert academic_year_start(date(2026, 9, 1)) == date(2026, 9, 1)
    assert academic_year_start(date(2026, 8, 31)) == date(2025, 9, 1)


async def test_the_register_is_pulled_kept_and_evaluated_at_now(store: Store) -> None:
    register = Register()

    outcome = await run_daily(
        store, hooks_with(("mis", register)), now=NOW, options=DailyOptions(calendar=AUTUMN)
    )

    assert register.asked == [(date(2026, 8, 23), NOW.date())]
    followups = FollowUpStore(store.engine)
    assert len(followups.marks_of(SCHOOL, "p-1")) == 2 * len(
        AUTUMN.school_days(date(2026, 9, 2), NOW.date())
    )
    assert {p.measure for p in outcome.prompts} == {"pack_referral", "penalty_notice"}
    assert {p.raised_at for p in outcome.prompts} == {NOW}
    assert [p.id for p in outcome.proposals] == [f"attendance:p-1:{NOW.date()}"]


async def test_the_prompted_roles_are_told_once_a_day_without_pupil_details(
    store: Store,
) -> None:
    mailbox = Mailbox()
    hooks = hooks_with(("mis", Register()), ("mail", mailbox))
    options = DailyOptions(calendar=AUTUMN, notify_channel="email")

    await run_daily(store, hooks, now=NOW, options=options)
    await run_daily(store, hooks, now=NOW + timedelta(hours=2), options=options)

    [(key, message)] = mailbox.sent.items()
    assert key == f"followup-prompts:{SCHOOL}:2026-11-23"
    assert (message.channel, message.roles) == ("email", frozenset({StaffRole.DEPUTY_HEAD}))
    assert message.subject == "Attendance: 2 referral prompts to decide"
    assert "p-1" not in message.body
    assert pupil("p-1").last_name not in message.body


async def test_nobody_is_told_without_a_channel_or_new_prompts(store: Store) -> None:
    mailbox = Mailbox()
    hooks = hooks_with(("mis", Register()), ("mail", mailbox))
    await run_daily(store, hooks, now=NOW, options=DailyOptions(calendar=AUTUMN))
    tomorrow = NOW + timedelta(days=1)
    options = DailyOptions(calendar=AUTUMN, notify_channel="email")
    await run_daily(store, hooks, now=tomorrow, options=options)  # the same prompts, still open
    assert mailbox.sent == {}


async def test_without_a_register_the_marks_already_kept_are_used(store: Store) -> None:
    followups = FollowUpStore(store.engine)
    for day in AUTUMN.school_days(date(2026, 9, 2), NOW.date()):
        followups.save_marks(SCHOOL, day_marks("p-1", day, absent=day.weekday() < 2))

    outcome = await run_daily(store, hooks_with(), now=NOW, options=DailyOptions(calendar=AUTUMN))

    assert {p.measure for p in outcome.prompts} == {"pack_referral", "penalty_notice"}


def settings_with(tmp_path: Path, **school: object) -> HubSettings:
    return load_settings(
        data_dir=tmp_path / "data",
        followup={"thresholds": {"persistent_percent": 12.5, "penalty_sessions": 8}},
        schools={
            SCHOOL: {
                "name": "St Michael's",
                "policy_pack": SCHOOL,
                "followup": school,
            }
        },
    )


def test_the_settings_give_the_folder_the_calendar_and_thresholds(tmp_path: Path) -> None:
    calendar = tmp_path / "terms.toml"
    calendar.write_text(
        '[[terms]]\nname = "autumn 2026"\nfirst_day = 2026-09-02\nlast_day = 2026-12-18\n'
        "breaks = [{ first_day = 2026-10-26, last_day = 2026-10-30 }]\n",
        encoding="utf-8",
    )
    settings = settings_with(
        tmp_path,
        term_calendar=str(calendar),
        letter_templates=str(tmp_path / "letters"),
        notify_channel="email",
        thresholds={"penalty_sessions": 6},
    )

    options = daily_options(settings, SCHOOL)

    assert followup_dir(settings) == tmp_path / "data" / "followup"
    assert options.letters_dir == tmp_path / "data" / "followup"
    assert options.templates == tmp_path / "letters"
    assert options.notify_channel == "email"
    assert options.calendar is not None
    assert not options.calendar.is_school_day(date(2026, 10, 27))
    thresholds = options.thresholds
    assert (thresholds.persistent_percent, thresholds.penalty_sessions) == (12.5, 6)
    assert (thresholds.severe_percent, thresholds.penalty_school_weeks) == (50.0, 10)
    other = load_settings(followup={"dir": str(tmp_path / "elsewhere")})
    assert followup_dir(other) == tmp_path / "elsewhere"


def test_a_calendar_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    missing = settings_with(tmp_path, term_calendar=str(tmp_path / "nope.toml"))
    with pytest.raises(UserError, match=r"nope\.toml: cannot be read"):
        calendar_for(missing, SCHOOL)
    assert calendar_for(settings_with(tmp_path), SCHOOL) is None
    assert thresholds_for(settings_with(tmp_path), SCHOOL).penalty_sessions == 8


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("daily_cron", "every morning", "not a cron expression"),
        ("daily_timezone", "Mars/Olympus", "not a known IANA time zone"),
    ],
)
def test_the_daily_settings_are_checked(key: str, value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=f"followup.{key} .*{problem}"):
        load_settings(followup={key: value})


async def test_the_day_and_a_decision_log_ids_and_counts_only(store: Store) -> None:
    named = pupil("p-1")
    store.save_staff(staff("s-deputy", roles=(StaffRole.DEPUTY_HEAD,)))
    reason = "Mum is unwell; support first"
    with structlog.testing.capture_logs() as logs:
        outcome = await run_daily(
            store,
            hooks_with(("mis", Register())),
            now=NOW,
            options=DailyOptions(calendar=AUTUMN),
        )
        prompt = outcome.prompts[0]
        decide(
            store,
            SCHOOL,
            prompt.id,
            decision=Decision.SUPPORT_FIRST,
            by="s-deputy",
            reason=reason,
            at=NOW,
        )
    text = repr(logs)
    assert {entry["event"] for entry in logs} >= {
        "followup.daily",
        "followup.register_pulled",
        "followup.decided",
    }
    for secret in (named.first_name, named.last_name, reason, "%", "/", "'N'"):
        assert secret not in text


async def test_a_pack_naming_no_roles_tells_nobody_and_nobody_decides(store: Store) -> None:
    school_pack = pack()
    rolesless = school_pack.model_copy(
        update={"attendance": school_pack.attendance.model_copy(update={"notify": []})}
    )
    mailbox = Mailbox()
    hooks = build_hooks(
        SCHOOL_MODEL,
        pack=rolesless,
        entry_points=False,
        extra=[("mis", Register()), ("mail", mailbox)],
    )
    store.save_staff(staff("s-anyone", roles=(StaffRole.STAFF,)))
    options = DailyOptions(calendar=AUTUMN, notify_channel="email")
    with structlog.testing.capture_logs() as logs:
        outcome = await run_daily(store, hooks, now=NOW, options=options)
    assert mailbox.sent == {}
    [warning] = [entry for entry in logs if entry["event"] == "followup.prompts_no_roles"]
    assert (warning["log_level"], warning["prompts"]) == ("warning", 2)
    with pytest.raises(UserError, match=r"attendance\.notify"):
        decide(
            store,
            SCHOOL,
            outcome.prompts[0].id,
            decision=Decision.NO_REFERRAL,
            by="s-anyone",
            reason="Nobody should be able to decide this.",
            at=NOW,
        )


async def test_the_days_message_is_sent_once_across_processes(store: Store) -> None:
    options = DailyOptions(calendar=AUTUMN, notify_channel="email")
    first, second = Mailbox(), Mailbox()  # each process's channel adapter remembers nothing
    await run_daily(
        store, hooks_with(("mis", Register()), ("mail", first)), now=NOW, options=options
    )
    later = NOW + timedelta(hours=1)
    await run_daily(
        store, hooks_with(("mis", Register()), ("mail", second)), now=later, options=options
    )
    assert len(first.sent) == 1
    assert second.sent == {}


class DownMailbox:
    """An e-mail channel that is down."""

    @hookimpl
    def hub_send_notification(
        self, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt:
        raise TransientError("mail: 503")


async def test_a_message_that_could_not_be_sent_is_sent_by_the_next_run(store: Store) -> None:
    options = DailyOptions(calendar=AUTUMN, notify_channel="email")
    with pytest.raises(TransientError):
        await run_daily(
            store,
            hooks_with(("mis", Register()), ("mail", DownMailbox())),
            now=NOW,
            options=options,
        )
    mailbox = Mailbox()
    await run_daily(
        store, hooks_with(("mis", Register()), ("mail", mailbox)), now=NOW, options=options
    )
    assert list(mailbox.sent) == [f"followup-prompts:{SCHOOL}:2026-11-23"]
