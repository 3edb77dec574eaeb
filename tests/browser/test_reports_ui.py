"""The leaders' visits report in a real browser: a DSL opens it from the header on a
360×740 phone screen, picks a month, sees the chart (loaded, with its figures in the alt
text) and the tables without sideways scrolling, and downloads the CSV."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.models import Outcome, OutcomeKind, VisitReason, VisitState
from tests import factories
from tests.browser.live import LiveHub
from tests.browser.test_web_ui import DESK, PHONE, _page
from tests.hub.engine.harness import SCHOOL_ID

OCT = datetime(2026, 10, 6, 10, 0, tzinfo=UTC)
TAB_STOPS = 12
"""The month field is within this many Tab presses of the top of the page."""


def _october(live: LiveHub) -> None:
    """Two closed visits in October 2026: one completed, one no access."""
    for n, kind in enumerate((OutcomeKind.COMPLETED, OutcomeKind.NO_ACCESS)):
        start = OCT + timedelta(days=n)
        live.store.save_visit(
            factories.visit(
                id=f"v-oct-{n}",
                school_id=SCHOOL_ID,
                state=VisitState.CLOSED,
                reason=VisitReason.ATTENDANCE_CONCERN,
                planned_start=start,
                planned_end=start + timedelta(hours=1),
                requested_at=start - timedelta(days=1),
            )
        )
        live.store.save_outcome(
            SCHOOL_ID, f"v-oct-{n}", Outcome(kind=kind, recorded_at=start, recorded_by="s-1")
        )


def test_a_dsl_reads_the_months_report_on_a_phone(
    chromium: Any, live: LiveHub, artifacts: Path
) -> None:
    _october(live)
    page = _page(chromium, live, "dsl", PHONE)
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(re.compile(r"/reports/visits$"))

    for _ in range(TAB_STOPS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "month":
            break
    assert page.evaluate("document.activeElement.id") == "month"
    page.get_by_label("Month", exact=True).fill("2026-10")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"month=2026-10$"))

    chart = page.get_by_role("img", name=re.compile(r"^Bar charts of 2 visits in 2026-10\."))
    chart.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('figure.chart img');"
        " return i.complete && i.naturalWidth === 1000; }"
    )
    assert "By outcome: completed 1, no access 1." in (chart.get_attribute("alt") or "")
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    no_access = page.get_by_role("table", name="No access")
    assert "50.0%" in no_access.inner_text()
    page.screenshot(path=artifacts / "reports-phone.png", full_page=True)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the figures as CSV").click()
    download = downloading.value
    assert download.suggested_filename == f"visits-{SCHOOL_ID}-2026-10.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("school,month,section,item,value\n")
    assert f"{SCHOOL_ID},2026-10,no access,rate,50.0%" in text

    page.set_viewport_size(DESK)
    page.screenshot(path=artifacts / "reports-desk.png", full_page=True)
