"""The office board, acknowledging a rung and the police pack."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from hub.engine.records import Board
from hub.models import CheckInKind, VisitState
from hub.store.requests import RequestStore
from tests.factories import SCHOOL, T0, check_in, pupil, staff
from tests.hub.web.conftest import WebHub, csrf_of, sign_in

BOARD = f"/web/schools/{SCHOOL}/board"


def _out_and_overdue(web: WebHub, visit_id: str = "v-out", *, duress: bool = False) -> None:
    """A visit that departed and whose planned end passed long ago: overdue."""
    hub = web.hub
    hub.add_visit(
        visit_id,
        VisitState.DEPARTED,
        planned_start=T0 - timedelta(hours=3),
        planned_end=T0 - timedelta(hours=2),
        authorised_by="s-dsl",
        authorised_at=T0 - timedelta(days=1),
    )
    hub.store.save_check_in(
        SCHOOL,
        check_in(
            CheckInKind.DEPARTED,
            T0 - timedelta(hours=3),
            visit_id=visit_id,
            duress=duress,
        ),
    )


async def test_the_board_shows_an_overdue_visit_in_red_with_its_rung(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    _out_and_overdue(web)
    web.hub.add_visit("v-later", VisitState.SCHEDULED, flagged=False)
    await sign_in(browser, "office")
    board = await browser.get(BOARD)
    assert board.status_code == 200
    assert 'class="line red"' in board.text
    assert "OVERDUE: rung" in board.text
    assert 'data-loud="true"' in board.text
    assert "Acknowledge rung" in board.text
    assert 'id="mute"' in board.text
    assert 'aria-pressed="false"' in board.text
    assert board.text.count("data-visit=") == 2
    assert board.text.index('data-visit="v-out"') < board.text.index('data-visit="v-later"')


async def test_the_rows_refresh_alone(web: WebHub, browser: httpx.AsyncClient) -> None:
    _out_and_overdue(web)
    await sign_in(browser, "office")
    rows = await browser.get(f"{BOARD}/rows")
    assert rows.status_code == 200
    assert "<html" not in rows.text
    assert 'data-visit="v-out"' in rows.text


async def test_acknowledging_stops_the_alarm(web: WebHub, browser: httpx.AsyncClient) -> None:
    _out_and_overdue(web)
    await sign_in(browser, "office")
    board = await browser.get(BOARD)
    rung = int(board.text.split('name="rung" value="')[1].split('"')[0])
    response = await browser.post(
        f"/web/schools/{SCHOOL}/visits/v-out/acknowledge",
        data={"csrf_token": csrf_of(board.text), "rung": str(rung)},
    )
    assert response.status_code == 303
    [ack] = web.hub.store.acknowledgements(SCHOOL, "v-out")
    assert (ack.rung, ack.by) == (rung, "s-office")
    after = await browser.get(BOARD)
    assert 'data-loud="true"' not in after.text


async def test_acknowledging_needs_the_csrf_token(web: WebHub, browser: httpx.AsyncClient) -> None:
    _out_and_overdue(web)
    await sign_in(browser, "office")
    response = await browser.post(
        f"/web/schools/{SCHOOL}/visits/v-out/acknowledge", data={"rung": "1"}
    )
    assert response.status_code == 403
    assert web.hub.store.acknowledgements(SCHOOL, "v-out") == []


async def test_the_board_shows_duress_to_the_office(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    _out_and_overdue(web, duress=True)
    await sign_in(browser, "office")
    board = await browser.get(BOARD)
    assert "DURESS" in board.text


async def test_staff_do_not_get_the_board(web: WebHub, browser: httpx.AsyncClient) -> None:
    _out_and_overdue(web)
    await sign_in(browser, "staff")
    board = await browser.get(BOARD)
    assert board.status_code == 403
    assert "v-out" not in board.text


async def test_the_police_pack_shows_what_the_police_ask_for_and_is_audited(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    _out_and_overdue(web)
    await sign_in(browser, "office")
    response = await browser.get(f"/web/schools/{SCHOOL}/visits/v-out/police-pack")
    assert response.status_code == 200
    home = pupil("p-1").address
    lead = staff("s-1")
    assert home is not None
    assert lead.vehicle is not None
    assert lead.mobile is not None
    for value in (home.line1, home.postcode, lead.name, lead.mobile, lead.vehicle.registration):
        assert value in response.text
    assert "departed at" in response.text
    reads = RequestStore(web.hub.store.engine).reads(SCHOOL, "v-out")
    assert [(r.user_id, r.roles) for r in reads] == [("office", "police-pack:office")]


async def test_the_police_pack_is_not_shown_to_staff_or_admins(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    _out_and_overdue(web)
    await sign_in(browser, "staff")
    own = await browser.get(f"/web/schools/{SCHOOL}/visits/v-out/police-pack")
    assert own.status_code == 403
    browser.cookies.clear()
    await sign_in(browser, "admin")
    admin = await browser.get(f"/web/schools/{SCHOOL}/visits/v-out/police-pack")
    assert admin.status_code == 404
    assert RequestStore(web.hub.store.engine).reads(SCHOOL, "v-out") == []


async def test_names_are_escaped(web: WebHub, browser: httpx.AsyncClient) -> None:
    web.hub.store.save_staff(staff("s-2").model_copy(update={"name": "<script>alert(1)</script>"}))
    _out_and_overdue(web)
    await sign_in(browser, "office")
    board = await browser.get(BOARD)
    assert "<script>alert(1)</script>" not in board.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in board.text


@pytest.mark.parametrize(
    ("alarm", "duress", "label"),
    [
        (None, True, "duress"),
        (Board.DURESS, True, "duress"),
        (Board.EXHAUSTED, True, "duress, exhausted"),
        (Board.ACKNOWLEDGED, True, "acknowledged"),
        (Board.EXHAUSTED, False, "exhausted"),
        (None, False, "overdue"),
    ],
)
def test_a_duress_alarm_stays_named_until_acknowledged(alarm, duress, label):
    from datetime import UTC, datetime

    from hub.web.board import BoardLine

    at = datetime(2026, 11, 23, 13, tzinfo=UTC)
    line = BoardLine(
        visit_id="v-1",
        state=VisitState.ON_SITE,
        staff=("s-1",),
        place="",
        planned_start=at,
        planned_end=at,
        next_deadline=None,
        next_deadline_kind="",
        alarm=alarm,
        rung=None,
        rung_name="",
        overdue=False,
        duress=duress,
    )
    assert line.alarm_label == label
