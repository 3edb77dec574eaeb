"""The reports page: the month's visits as tables, the chart (PNG) and the CSV download,
for senior leaders, DSLs and admins only."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import httpx
import pytest
from PIL import Image

from hub.auth.roles import Membership, Role
from hub.engine.records import Delivery, DeliveryPurpose, DeliveryStatus
from hub.followup.reports import VisitsReport, rows, visits_report
from hub.models import Outcome, OutcomeKind, VisitEvent, VisitEventKind, VisitReason, VisitState
from hub.store import Store
from hub.store.users import UserStore
from hub.web.report_view import chart_alt, csv_text, sections, step
from tests.factories import SCHOOL
from tests.hub.api.conftest import OTHER
from tests.hub.web.conftest import WebHub, sign_in

REPORT = f"/web/schools/{SCHOOL}/reports/visits"
OCT = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
LEADERS = ("dsl", "senior_leader", "admin")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROW = re.compile(r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td></tr>')


def _seed_october(web: WebHub) -> Store:
    """Three visits in October (one no access, one cancelled, one withdrawn), one alarm
    acknowledged after 4 minutes, a dead delivery; one visit in November."""
    hub, store = web.hub, web.hub.store
    for n, (reason, state) in enumerate(
        (
            (VisitReason.ATTENDANCE_CONCERN, VisitState.CLOSED),
            (VisitReason.ATTENDANCE_CONCERN, VisitState.CLOSED),
            (VisitReason.WELFARE_CONCERN, VisitState.WITHDRAWN),
        )
    ):
        start = OCT + timedelta(days=n)
        hub.add_visit(
            f"v-{n}",
            state,
            reason=reason,
            planned_start=start,
            planned_end=start + timedelta(hours=1),
        )
    hub.add_visit("v-nov", VisitState.CLOSED, planned_start=OCT + timedelta(days=40))
    for visit_id, ended in (("v-0", OutcomeKind.NO_ACCESS), ("v-1", OutcomeKind.PARENT_ABSENT)):
        store.save_outcome(
            SCHOOL, visit_id, Outcome(kind=ended, recorded_at=OCT, recorded_by="s-1")
        )
    alarm = OCT + timedelta(hours=2)
    for kind, at, data in (
        (VisitEventKind.ESCALATED, alarm, {"reason": "overdue", "rung": 1}),
        (VisitEventKind.ACKNOWLEDGED, alarm + timedelta(minutes=4), {"rung": 1}),
    ):
        store.append_event(
            VisitEvent(school_id=SCHOOL, visit_id="v-0", kind=kind, at=at, data=data)
        )
    store.save_delivery(
        Delivery(
            school_id=SCHOOL,
            key="k-dead",
            visit_id="v-0",
            purpose=DeliveryPurpose.VISIT_NOTE,
            object_id="n-1",
            object_version=1,
            destination="cpoms",
            status=DeliveryStatus.DEAD,
            created_at=alarm,
            updated_at=alarm,
        )
    )
    return store


def _october(web: WebHub) -> VisitsReport:
    return visits_report(web.hub.store, SCHOOL, "2026-10")


@pytest.mark.parametrize("user", LEADERS)
async def test_leaders_see_the_months_figures_as_the_report_works_them_out(
    web: WebHub, browser: httpx.AsyncClient, user: str
) -> None:
    _seed_october(web)
    await sign_in(browser, user)
    shown = await browser.get(REPORT, params={"month": "2026-10"})

    assert shown.status_code == 200, shown.text
    report = _october(web)
    assert (report.visits, report.by_outcome) == (3, {"no_access": 1, "parent_absent": 1})
    expected = [(item, value) for section in sections(report) for item, value in section.rows]
    assert [tuple(map(unescape, found)) for found in ROW.findall(shown.text)] == expected
    assert ("rung 1 p50", "4.0 min") in expected
    assert ("rate", "50.0%") in expected
    assert ("failed", "1") in expected
    page = unescape(shown.text)
    assert f'alt="{chart_alt(report)}"' in page
    assert "attendance concern 2, welfare concern 1" in chart_alt(report)
    assert f'src="{REPORT}.png?month=2026-10"' in page
    assert f'href="{REPORT}.csv?month=2026-10"' in page
    assert f'href="{REPORT}?month=2026-09"' in page
    assert f'href="{REPORT}?month=2026-11"' in page
    assert '<label for="month">Month</label>' in page
    assert 'value="2026-10"' in page
    assert f'<a href="{REPORT}">Reports</a>' in page


async def test_without_a_month_the_page_shows_this_month(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    _seed_october(web)
    await sign_in(browser, "dsl")
    shown = await browser.get(REPORT)
    assert shown.status_code == 200
    assert "<h1>Visits in 2026-11</h1>" in shown.text  # the hub's clock: 23 November 2026
    assert ("total", "1") in ROW.findall(shown.text)
    assert "No visits were planned" not in shown.text

    empty = await browser.get(REPORT, params={"month": "2025-01"})
    assert empty.status_code == 200
    assert "No visits were planned in 2025-01." in empty.text


@pytest.mark.parametrize("user", ["staff", "office"])
@pytest.mark.parametrize("suffix", ["", ".png", ".csv"])
async def test_staff_and_office_are_refused_and_see_no_link(
    web: WebHub, browser: httpx.AsyncClient, user: str, suffix: str
) -> None:
    await sign_in(browser, user)
    refused = await browser.get(f"{REPORT}{suffix}", params={"month": "2026-10"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "Reports are for senior leaders, DSLs and admins." in refused.text
    assert "/reports/visits" not in refused.text


async def test_the_nav_links_reports_for_leaders_only(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    await sign_in(browser, "office")
    board = await browser.get(f"/web/schools/{SCHOOL}/board")
    assert board.status_code == 200
    assert "/reports/visits" not in board.text
    async with web.client() as leader:
        await sign_in(leader, "senior_leader")
        board = await leader.get(f"/web/schools/{SCHOOL}/board")
        assert f'<a href="{REPORT}">Reports</a>' in board.text


@pytest.mark.parametrize("suffix", ["", ".png", ".csv"])
async def test_another_school_is_not_found_and_nobody_signed_in_goes_to_sign_in(
    web: WebHub, browser: httpx.AsyncClient, suffix: str
) -> None:
    anonymous = await browser.get(f"{REPORT}{suffix}")
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/web/sign-in")
    await sign_in(browser, "dsl")
    other = await browser.get(f"/web/schools/{OTHER}/reports/visits{suffix}")
    assert other.status_code == 404
    assert "There is nothing here, or you may not see it." in other.text


BAD_MONTHS = (
    "2026-13",
    "2026-00",
    "2026-1",
    "November",
    "0000-01",
    "9999-12",
    "2026-10x",
    "\u0662\u0660\u0662\u0666-11",  # Arabic-Indic digits: \\d matches them, a filename must not
)


@pytest.mark.parametrize("suffix", ["", ".png", ".csv"])
async def test_a_bad_month_is_a_clear_page_never_a_traceback(
    web: WebHub, browser: httpx.AsyncClient, suffix: str
) -> None:
    await sign_in(browser, "senior_leader")
    for month in BAD_MONTHS:
        bad = await browser.get(f"{REPORT}{suffix}", params={"month": month})
        assert bad.status_code == 422, month
        assert bad.headers["content-type"].startswith("text/html")
        assert "The month must be a calendar month written like 2026-11." in bad.text
        assert "Traceback" not in bad.text


async def test_the_short_address_goes_to_the_users_school(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    short = "/web/reports/visits"
    anonymous = await browser.get(short)
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/web/sign-in")
    await sign_in(browser, "dsl")
    went = await browser.get(short, params={"month": "2026-10"})
    assert (went.status_code, went.headers["location"]) == (303, f"{REPORT}?month=2026-10")
    went = await browser.get(short)
    assert (went.status_code, went.headers["location"]) == (303, REPORT)
    bad = await browser.get(short, params={"month": "2026-13"})
    assert bad.status_code == 422

    UserStore(web.hub.store.engine).grant(
        Membership(user_id="dsl", school_id=OTHER, staff_id="s-dsl", roles=frozenset({Role.DSL}))
    )
    both = await browser.get(short, params={"month": "2026-10"})
    assert both.status_code == 200
    for school in (SCHOOL, OTHER):
        assert f'href="/web/schools/{school}/reports/visits?month=2026-10"' in both.text

    async with web.client() as office:
        await sign_in(office, "office")
        refused = await office.get(short)
        assert refused.status_code == 403


async def test_a_month_is_never_echoed_unescaped(web: WebHub, browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "dsl")
    bad = await browser.get(REPORT, params={"month": "<script>alert(1)</script>"})
    assert bad.status_code == 422
    assert "<script>" not in bad.text
    assert "alert(1)" not in bad.text


async def test_the_chart_is_a_real_png_of_a_sane_size(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    _seed_october(web)
    await sign_in(browser, "admin")
    chart = await browser.get(f"{REPORT}.png", params={"month": "2026-10"})

    assert chart.status_code == 200
    assert chart.headers["content-type"] == "image/png"
    assert chart.headers["cache-control"] == "no-store"
    assert chart.content.startswith(PNG_MAGIC)
    assert 5_000 < len(chart.content) < 500_000
    with Image.open(io.BytesIO(chart.content)) as image:
        assert image.format == "PNG"
        assert image.size == (1000, 400)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 10  # bars and words, not a blank canvas


async def test_the_csv_download_has_the_reports_rows(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    _seed_october(web)
    await sign_in(browser, "senior_leader")
    download = await browser.get(f"{REPORT}.csv", params={"month": "2026-10"})

    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["cache-control"] == "no-store"
    assert download.headers["content-disposition"] == (
        f'attachment; filename="visits-{SCHOOL}-2026-10.csv"'
    )
    report = _october(web)
    assert download.text == csv_text(report)
    found = list(csv.reader(io.StringIO(download.text)))
    assert found[0] == ["school", "month", "section", "item", "value"]
    assert found[1:] == [[SCHOOL, "2026-10", *row] for row in rows(report)]
    assert [SCHOOL, "2026-10", "cancellations", "withdrawn", "1"] in found


async def test_every_report_response_carries_the_security_headers(
    web: WebHub, browser: httpx.AsyncClient
) -> None:
    await sign_in(browser, "dsl")
    for suffix in ("", ".png", ".csv"):
        answer = await browser.get(f"{REPORT}{suffix}", params={"month": "2026-10"})
        assert answer.status_code == 200
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_months_step_across_years_and_stop_at_the_ends() -> None:
    assert step("2026-12", 1) == "2027-01"
    assert step("2026-01", -1) == "2025-12"
    assert step("2026-10", -13) == "2025-09"
    assert step("0001-01", -1) is None
    assert step("9998-12", 1) is None


def test_the_alt_text_says_when_nothing_was_recorded() -> None:
    report = VisitsReport(
        school_id=SCHOOL,
        month="2026-02",
        visits=0,
        by_reason={},
        by_outcome={},
        no_access_rate=None,
        cancellations={},
        overdue_alarms=0,
        duress_alarms=0,
        acknowledgement=(),
        deliveries=0,
        delivery_failures=0,
    )
    assert chart_alt(report) == (
        "Bar charts of 0 visits in 2026-02. By reason: none recorded. By outcome: none recorded."
    )
    shown = {section.title: section.rows for section in sections(report)}
    assert list(shown) == [
        "visits",
        "by reason",
        "by outcome",
        "no access",
        "cancellations",
        "alarms",
        "time to acknowledge",
        "deliveries",
    ]
    assert shown["by reason"] == (("none", "0"),)
    assert shown["no access"] == (("rate", "-"),)
    assert shown["time to acknowledge"] == (("no alarms", "-"),)
