"""``GET /api/v1/schools/{school}/reports/visits``: the month's visits as counts."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from hub.followup.reports import visits_report
from hub.models import Outcome, OutcomeKind, VisitReason, VisitState
from tests.factories import SCHOOL, T0
from tests.hub.api.conftest import Hub

REPORTS = f"/api/v1/schools/{SCHOOL}/reports/visits"


def _two_visits(hub: Hub) -> None:
    for n, reason in enumerate((VisitReason.ATTENDANCE_CONCERN, VisitReason.WELFARE_CONCERN)):
        start = T0 - timedelta(days=30 + n)
        hub.add_visit(
            f"v-{n}",
            VisitState.CLOSED,
            reason=reason,
            planned_start=start,
            planned_end=start + timedelta(hours=1),
        )
    hub.store.save_outcome(
        SCHOOL, "v-0", Outcome(kind=OutcomeKind.NO_ACCESS, recorded_at=T0, recorded_by="s-1")
    )


@pytest.mark.parametrize("user", ["dsl", "senior_leader", "admin"])
async def test_leaders_read_the_report_as_the_cli_works_it_out(
    hub: Hub, client: httpx.AsyncClient, user: str
) -> None:
    _two_visits(hub)
    answer = await client.post(REPORTS, json={"month": "2026-10"}, headers=hub.headers(user))
    assert answer.status_code == 200, answer.text
    expected = visits_report(hub.store, SCHOOL, "2026-10")
    assert answer.json() == expected.model_dump(mode="json")
    assert answer.json()["by_reason"] == {"attendance_concern": 1, "welfare_concern": 1}
    assert answer.json()["no_access_rate"] == 1.0


async def test_without_a_month_it_is_this_month(hub: Hub, client: httpx.AsyncClient) -> None:
    _two_visits(hub)
    answer = await client.post(REPORTS, json={}, headers=hub.headers("dsl"))
    assert answer.status_code == 200
    assert (answer.json()["month"], answer.json()["visits"]) == ("2026-11", 0)


@pytest.mark.parametrize("user", ["staff", "office"])
async def test_staff_and_office_are_refused(hub: Hub, client: httpx.AsyncClient, user: str) -> None:
    answer = await client.post(REPORTS, json={}, headers=hub.headers(user))
    assert answer.status_code == 403
    assert answer.json()["detail"] == "Reports are for senior leaders, DSLs and admins."


@pytest.mark.parametrize(
    "month", ["2026-13", "26-10", "November", "0000-01", "9999-12", "\u0662\u0660\u0662\u0666-11"]
)
async def test_a_bad_month_is_a_problem_that_does_not_echo_it(
    hub: Hub, client: httpx.AsyncClient, month: str
) -> None:
    answer = await client.post(REPORTS, json={"month": month}, headers=hub.headers("dsl"))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert month not in answer.text
