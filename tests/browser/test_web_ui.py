"""The acceptance walk through the web UI in a real browser.

- a member of staff checks in from a 360×740 phone screen;
- the visit goes overdue and the office board shows it red with the rung within 5 s;
- an office user acknowledges the rung;
- the DSL authorises a visit from the queue;
- a duress PIN check-in shows exactly the screen a normal one does, while the board
  shows duress.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from hub.engine.records import Board
from hub.models import VisitState
from hub.workflow import OnTheDay, rungs_due
from tests.browser.live import DURESS_PIN, PASSWORD, PIN, LiveHub
from tests.hub.engine.harness import SCHOOL_ID, short_pack, wall_time

BASE = f"/web/schools/{SCHOOL_ID}"
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
TIMES = re.compile(r"\d\d:\d\d")


def _page(chromium: Any, live: LiveHub, user: str, viewport: dict[str, int]) -> Any:
    context = chromium.new_context(viewport=viewport, base_url=live.url)
    page = context.new_page()
    page.goto("/web/sign-in")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/web/schools/"))
    return page


def _check_in(page: Any, visit_id: str, pin: str, button: str = "Departed") -> str:
    page.goto(f"{BASE}/visits/{visit_id}/check-in")
    page.get_by_label("Your PIN").fill(pin)
    page.get_by_role("button", name=button, exact=True).click()
    page.get_by_role("heading", name="Checked in").wait_for()
    return str(page.locator("main").inner_text())


def test_staff_check_in_on_a_phone_then_overdue_on_the_board_and_acknowledged(
    chromium: Any, live: LiveHub, artifacts: Path
) -> None:
    live.add_visit("v-phone", VisitState.SCHEDULED, ends_in=timedelta(minutes=2))
    phone = _page(chromium, live, "staff", PHONE)
    phone.goto(f"{BASE}/mine")
    phone.get_by_role("link", name="Check in").first.click()
    phone.screenshot(path=artifacts / "phone-check-in.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    text = _check_in(phone, "v-phone", PIN)
    phone.screenshot(path=artifacts / "phone-checked-in.png", full_page=True)
    assert "Departed: received at" in text
    [made] = live.store.check_ins(SCHOOL_ID, "v-phone")
    assert (made.kind.value, made.channel.value, made.duress) == ("departed", "web", False)

    board = _page(chromium, live, "office", DESK)
    assert board.url.endswith(f"{BASE}/board")
    line = board.locator('li[data-visit="v-phone"]')
    visit = live.store.get_visit(SCHOOL_ID, "v-phone")
    assert visit is not None
    day = OnTheDay(check_ins=(made,))
    overdue_at = wall_time(
        live.engine.config,
        visit.planned_end + timedelta(minutes=short_pack().overdue.grace_minutes),
    )
    assert rungs_due(visit, short_pack(), day, visit.planned_end) == ()
    line.and_(board.locator(".red")).wait_for(timeout=15_000)
    shown_after = time.time() - overdue_at
    assert shown_after <= 5.0, f"red {shown_after:.1f} s after the visit went overdue"
    assert "rung 1" in line.inner_text()
    board.screenshot(path=artifacts / "board-overdue.png", full_page=True)

    board.get_by_role("button", name="Acknowledge rung 1").click()
    board.wait_for_url(re.compile(r"/board$"))
    line.and_(board.locator(".acked")).wait_for(timeout=10_000)
    assert [a.rung for a in live.store.acknowledgements(SCHOOL_ID, "v-phone")] == [1]
    state = live.store.board_state(SCHOOL_ID, "v-phone")
    assert state is not None
    assert state.state is Board.ACKNOWLEDGED
    board.screenshot(path=artifacts / "board-acknowledged.png", full_page=True)


def test_the_dsl_authorises_from_the_queue(chromium: Any, live: LiveHub, artifacts: Path) -> None:
    live.add_visit("v-queue", VisitState.AWAITING_AUTHORISATION, ends_in=timedelta(hours=3))
    queue = _page(chromium, live, "dsl", DESK)
    queue.goto(f"{BASE}/queue")
    card = queue.locator("#visit-v-queue")
    assert "dangerous animal" in card.inner_text()
    queue.screenshot(path=artifacts / "queue.png", full_page=True)
    card.get_by_role("button", name="Authorise").click()
    queue.get_by_text("Visit authorised.").wait_for()
    visit = live.store.get_visit(SCHOOL_ID, "v-queue")
    assert visit is not None
    assert (visit.state, visit.authorised_by) == (VisitState.AUTHORISED, "s-dsl")
    assert queue.locator("#visit-v-queue").count() == 0


def test_a_duress_pin_looks_normal_to_staff_while_the_board_shows_duress(
    chromium: Any, live: LiveHub, artifacts: Path
) -> None:
    live.add_visit("v-normal", VisitState.SCHEDULED, ends_in=timedelta(hours=3))
    live.add_visit("v-duress", VisitState.SCHEDULED, ends_in=timedelta(hours=3))
    phone = _page(chromium, live, "staff", PHONE)
    normal = _check_in(phone, "v-normal", PIN)
    phone.screenshot(path=artifacts / "normal-pin.png", full_page=True)
    duress = _check_in(phone, "v-duress", DURESS_PIN)
    phone.screenshot(path=artifacts / "duress-pin.png", full_page=True)
    assert TIMES.sub("hh:mm", normal) == TIMES.sub("hh:mm", duress)
    assert "duress" not in duress.lower()

    board = _page(chromium, live, "office", DESK)
    line = board.locator('li[data-visit="v-duress"]')
    # The 5-second promise is for overdue (tested above); duress only has to show.
    line.get_by_text("DURESS").wait_for(timeout=15_000)
    assert "red" in (line.get_attribute("class") or "")
    assert "red" not in (board.locator('li[data-visit="v-normal"]').get_attribute("class") or "")
    board.screenshot(path=artifacts / "board-duress.png", full_page=True)
    [made] = live.store.check_ins(SCHOOL_ID, "v-duress")
    assert made.duress
