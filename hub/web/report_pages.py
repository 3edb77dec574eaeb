"""Reports for leaders: the month's visits as tables, a chart and a CSV download.

Senior leaders, DSLs and admins of the school (others: 403; no role there: 404). The
figures come from the API's own handler, so the page, the chart, the CSV, the API and
``doorstep report visits`` all agree. A month that is not ``YYYY-MM`` is a 422 page.
``/web/reports/visits`` goes to the report of the one school where the user may read
it, or lists those schools when there are several.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from hub.api.context import context_of
from hub.api.problems import forbidden
from hub.api.report_routes import NOT_FOR_YOU, READS_REPORTS, month_of, visits_report_for
from hub.followup.chart import chart_png
from hub.followup.reports import VisitsReport
from hub.web.nav import nav_for
from hub.web.render import page
from hub.web.report_view import chart_alt, csv_text, sections, step
from hub.web.routing import WebRoute, web_caller
from hub.web.sessions import keys_of, require_session

router = APIRouter(prefix="/web", route_class=WebRoute, include_in_schema=False)

NO_STORE = {"Cache-Control": "no-store"}

_pyplot = threading.Lock()
"""pyplot keeps global state: one chart is drawn at a time."""


def _draw(report: VisitsReport) -> bytes:
    with _pyplot:
        return chart_png(report)


@router.get("/schools/{school_id}/reports/visits")
async def visits(request: Request, school_id: str, month: str = "") -> Response:
    """The month's visits report: tables, the chart and the CSV link."""
    caller, session = await web_caller(request, school_id)
    report = await visits_report_for(caller, month or None)
    return page(
        request,
        "reports.html",
        nav=nav_for(caller, session, keys_of(request)),
        title=f"Visits report {report.month}",
        report=report,
        sections=sections(report),
        alt=chart_alt(report),
        previous=step(report.month, -1),
        following=step(report.month, 1),
    )


@router.get("/schools/{school_id}/reports/visits.png")
async def visits_chart(request: Request, school_id: str, month: str = "") -> Response:
    """The month's chart: visits by reason and by outcome, as a PNG."""
    caller, _ = await web_caller(request, school_id)
    report = await visits_report_for(caller, month or None)
    png = await caller.ctx.io(_draw, report)
    return Response(png, media_type="image/png", headers=NO_STORE)


@router.get("/schools/{school_id}/reports/visits.csv")
async def visits_csv(request: Request, school_id: str, month: str = "") -> Response:
    """The month's rows as a CSV download."""
    caller, _ = await web_caller(request, school_id)
    report = await visits_report_for(caller, month or None)
    name = f"visits-{report.school_id}-{report.month}.csv"
    return Response(
        csv_text(report),
        media_type="text/csv; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/reports/visits")
async def my_school(request: Request, month: str = "") -> Response:
    """The report of the signed-in user's school (a list when they lead several)."""
    session = await require_session(request)
    schools = [m.school_id for m in session.principal.memberships if m.roles & READS_REPORTS]
    if not schools:
        raise forbidden(NOT_FOR_YOU)
    query = f"?month={month_of(month, context_of(request).now())}" if month else ""
    links = [(school, f"/web/schools/{school}/reports/visits{query}") for school in schools]
    if len(links) == 1:
        return RedirectResponse(links[0][1], status_code=303)
    user_id = session.principal.user_id
    return page(request, "home.html", title="Reports", links=links, user_id=user_id)
