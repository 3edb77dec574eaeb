"""The ics adapter: bookings land in each staff member's feed once per key, move with
SEQUENCE bumped, and are cancelled in place; feeds parse back with ``icalendar``."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest

from hub.adapters.ics import IcsAdapter, create_feed_app
from hub.adapters.ics.client import FeedStore, token_hash
from hub.adapters.ics.settings import IcsSettings
from hub.hooks.types import CalendarEvent
from hub.models import School, VisitState
from tests.factories import T0, fake, pupil, visit

SCHOOL = School(id="st-michaels", name="St Michael's", policy_pack="st-michaels")
ADDRESS = fake(41).street_address()


def booking(hours: int = 1, staff: tuple[str, ...] = ("s-1", "s-2")) -> CalendarEvent:
    return CalendarEvent(
        id="e-1",
        school_id=SCHOOL.id,
        visit_id="v-1",
        starts_at=T0 + timedelta(hours=hours),
        ends_at=T0 + timedelta(hours=hours + 1),
        staff_ids=staff,
        location=ADDRESS,
    )


def adapter(tmp_path: Path | None = None, **changes: Any) -> IcsAdapter:
    settings = IcsSettings.model_validate({"feed_dir": tmp_path, **changes})
    return IcsAdapter(settings, clock=lambda: T0)


async def push(ics: IcsAdapter, key: str, event: CalendarEvent | None = None, **visit_changes: Any):
    return await ics.hub_push_calendar_event(
        school=SCHOOL, visit=visit(**visit_changes), event=event or booking(), idempotency_key=key
    )


async def fetch(
    stores: list[FeedStore], path: str, method: str = "GET", now: datetime = T0
) -> httpx.Response:
    app = create_feed_app(stores, clock=lambda: now)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://hub.test") as client:
        return await client.request(method, path)


async def feed_events(ics: IcsAdapter, staff_id: str) -> list[icalendar.Component]:
    store = ics.store_for(SCHOOL.id)
    response = await fetch([store], f"/ics/{store.issue_token(staff_id)}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    return list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))


async def test_a_booking_appears_in_each_staff_feed_with_a_uid_from_the_visit() -> None:
    ics = adapter()
    receipt = await push(ics, "k-1")
    for staff_id in ("s-1", "s-2"):
        [event] = await feed_events(ics, staff_id)
        assert str(event["uid"]) == receipt.external_id == "visit-v-1.st-michaels@doorstep"
        assert event["sequence"] == 0
        assert str(event["status"]) == "CONFIRMED"
        assert event.decoded("dtstart") == T0 + timedelta(hours=1)
        assert str(event["location"]) == ADDRESS
        assert str(event["class"]) == "PRIVATE"
    assert await feed_events(ics, "s-9") == []


async def test_the_summary_never_carries_the_pupils_name() -> None:
    ics = adapter()
    child = pupil("p-1")
    await push(ics, "k-1")
    [event] = await feed_events(ics, "s-1")
    assert str(event["summary"]) == "Home visit"
    text = event.to_ical().decode()
    assert child.first_name not in text
    assert child.last_name not in text
    assert "p-1" not in text


async def test_the_same_key_twice_changes_nothing_and_gives_the_same_receipt() -> None:
    ics = adapter()
    first, second = await push(ics, "k-1"), await push(ics, "k-1", event=booking(hours=5))
    assert first.created
    assert not second.created
    assert second.external_id == first.external_id
    [event] = await feed_events(ics, "s-1")
    assert event["sequence"] == 0
    assert event.decoded("dtstart") == T0 + timedelta(hours=1)


async def test_a_new_version_moves_the_event_and_bumps_its_sequence() -> None:
    ics = adapter()
    await push(ics, "k-1")
    await push(ics, "k-2", booking(hours=3), version=2)
    [event] = await feed_events(ics, "s-2")
    assert event["sequence"] == 1
    assert event.decoded("dtstart") == T0 + timedelta(hours=3)
    assert len(ics.store_for(SCHOOL.id).events()) == 1


async def test_a_withdrawn_visit_stays_in_the_feed_as_cancelled() -> None:
    ics = adapter()
    await push(ics, "k-1")
    cancelled = await push(ics, "k-2", state=VisitState.WITHDRAWN, version=2)
    again = await push(ics, "k-2", state=VisitState.WITHDRAWN, version=2)
    assert cancelled.external_id == again.external_id
    assert not again.created
    [event] = await feed_events(ics, "s-1")
    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 1
    assert "location" not in event


async def test_staff_taken_off_a_visit_see_it_cancelled_and_lose_the_address() -> None:
    ics = adapter()
    await push(ics, "k-1")
    await push(ics, "k-2", booking(staff=("s-1", "s-3")), staff_ids=("s-1", "s-3"), version=2)
    [removed] = await feed_events(ics, "s-2")
    assert str(removed["status"]) == "CANCELLED"
    assert "location" not in removed
    [added] = await feed_events(ics, "s-3")
    assert str(added["status"]) == "CONFIRMED"


async def test_the_address_is_left_out_when_the_school_says_so() -> None:
    ics = adapter(include_location=False)
    await push(ics, "k-1")
    [event] = await feed_events(ics, "s-1")
    assert "location" not in event


async def test_the_calendar_names_itself_and_asks_to_be_refreshed() -> None:
    ics = adapter(calendar_name="Visits", refresh_minutes=30)
    await push(ics, "k-1")
    store = ics.store_for(SCHOOL.id)
    response = await fetch([store], f"/ics/{store.issue_token('s-1')}.ics")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Visits"
    assert calendar.decoded("refresh-interval") == timedelta(minutes=30)
    assert str(calendar["method"]) == "PUBLISH"


async def test_visits_long_past_leave_the_feed() -> None:
    ics = IcsAdapter(IcsSettings(keep_days=1), clock=lambda: T0)
    await push(ics, "k-1")
    store = ics.store_for(SCHOOL.id)
    token = store.issue_token("s-1")
    response = await fetch([store], f"/ics/{token}.ics", now=T0 + timedelta(days=3))
    assert list(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == []


async def test_unknown_tokens_and_other_paths_are_the_same_404() -> None:
    ics = adapter()
    await push(ics, "k-1")
    store = ics.store_for(SCHOOL.id)
    real = store.issue_token("s-1")
    wrong = "A" * len(real)
    answers = [
        await fetch([store], f"/ics/{wrong}.ics"),
        await fetch([store], "/ics/short.ics"),
        await fetch([store], f"/ics/{real}"),
        await fetch([store], "/"),
    ]
    assert {(a.status_code, a.content) for a in answers} == {(404, b"Not found\n")}
    assert (await fetch([store], f"/ics/{real}.ics", "POST")).status_code == 405
    head = await fetch([store], f"/ics/{real}.ics", "HEAD")
    assert head.status_code == 200
    assert head.headers["cache-control"] == "private, no-store"
    assert head.headers["referrer-policy"] == "no-referrer"


async def test_a_new_token_stops_the_old_link_and_revoking_stops_the_new() -> None:
    store = adapter().store_for(SCHOOL.id)
    old = store.issue_token("s-1")
    new = store.issue_token("s-1")
    assert len(new) >= 43
    assert store.staff_for(old) is None
    assert store.staff_for(new) == "s-1"
    assert store.revoke("s-1")
    assert (await fetch([store], f"/ics/{new}.ics")).status_code == 404
    assert not store.revoke("s-1")


async def test_one_app_serves_every_school_from_its_own_store() -> None:
    first = adapter().store_for("school-a")
    second = adapter().store_for("school-b")
    token = second.issue_token("s-1")
    assert (await fetch([first, second], f"/ics/{token}.ics")).status_code == 200
    assert (await fetch([first], f"/ics/{token}.ics")).status_code == 404


async def test_a_feed_dir_keeps_bookings_and_only_token_hashes_across_restarts(
    tmp_path: Path,
) -> None:
    ics = adapter(tmp_path)
    await push(ics, "k-1")
    token = ics.store_for(SCHOOL.id).issue_token("s-1")
    restarted = adapter(tmp_path)
    assert (await push(restarted, "k-1")).created is False
    served = FeedStore(SCHOOL.id, IcsSettings(feed_dir=tmp_path))
    assert (await fetch([served], f"/ics/{token}.ics")).status_code == 200
    saved = tmp_path / "st-michaels.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    text = saved.read_text()
    assert token not in text
    assert token_hash(token) in text


async def test_health_says_where_feeds_are_kept(tmp_path: Path) -> None:
    memory = await adapter().hub_health(school=SCHOOL, now=T0)
    assert memory.ok
    assert "in memory" in memory.detail
    kept = await adapter(tmp_path).hub_health(school=SCHOOL, now=T0)
    assert kept.ok
    assert "0 staff subscribed" in kept.detail
    missing = await adapter(tmp_path / "nope").hub_health(school=SCHOOL, now=T0)
    assert not missing.ok


def test_settings_refuse_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        IcsSettings.model_validate({"feed_folder": "/tmp"})
