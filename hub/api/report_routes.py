"""Reports for leaders: the school's month of visits as counts (``doorstep report visits``).

Senior leaders, DSLs and admins only: the report holds counts and durations, never a
pupil or a place, so admins (who see no visit) may read it too. The month travels in
the body (a POST, as the pupil search does): the API keeps query strings to ``status``.
The web UI's reports page calls ``visits_report_for`` too, so both answer the same
figures under the same rule.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import Field

from hub.api.idempotency import IdempotentRoute
from hub.api.problems import ApiProblemError, forbidden
from hub.api.schemas import Body
from hub.api.security import Caller, CallerDep
from hub.auth.roles import Role
from hub.errors import UserError
from hub.followup.reports import MONTH_PATTERN, VisitsReport, month_bounds, visits_report

router = APIRouter(prefix="/api/v1/schools/{school_id}", route_class=IdempotentRoute)

READS_REPORTS = frozenset({Role.SENIOR_LEADER, Role.DSL, Role.ADMIN})
"""Roles that may read the school's reports."""

BAD_MONTH = "The month must be a calendar month written like 2026-11."
NOT_FOR_YOU = "Reports are for senior leaders, DSLs and admins."


def require_reports(caller: Caller) -> None:
    """403 unless the caller is a senior leader, DSL or admin at the school."""
    if not caller.membership.roles & READS_REPORTS:
        raise forbidden(NOT_FOR_YOU)


def month_of(value: str | None, now: datetime) -> str:
    """``value`` checked as ``YYYY-MM`` (422 otherwise); no value: the month of ``now`` (UTC)."""
    if not value:
        return now.astimezone(UTC).strftime("%Y-%m")
    try:
        month_bounds(value)
    except (UserError, ValueError, OverflowError):  # year 0000, or 9999-12's next month
        raise ApiProblemError(422, "invalid-month", BAD_MONTH) from None
    return value


class ReportMonth(Body):
    """Which month to report on."""

    month: str | None = Field(
        default=None,
        pattern=MONTH_PATTERN,
        description="The calendar month (UTC), YYYY-MM; none: this month.",
    )


@router.post("/reports/visits", operation_id="visits_report")
async def visits_report_of(body: ReportMonth, caller: CallerDep) -> VisitsReport:
    """The month's visits by reason and outcome, no-access rate, cancellations by reason,
    overdue and duress alarms, time to acknowledge each rung (p50/p95, seconds) and
    delivery failures. Senior leaders, DSLs and admins."""
    return await visits_report_for(caller, body.month)


async def visits_report_for(caller: Caller, month: str | None) -> VisitsReport:
    """The caller's school's report for ``month`` (default: this month), if they may read it."""
    require_reports(caller)
    ctx = caller.ctx
    wanted = month_of(month, ctx.now())
    return await ctx.io(visits_report, ctx.store, caller.school_id, wanted)
