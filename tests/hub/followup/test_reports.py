"""The monthly visits report: counts by reason and outcome, no access, cancellations,
alarms, time to acknowledge per rung, delivery failures; CSV and a chart."""

from __future__ import annotations

import csv
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from hub.engine.records import Delivery, DeliveryPurpose, DeliveryStatus
from hub.errors import UserError
from hub.followup.chart import write_chart
from hub.followup.reports import as_table, month_bounds, percentile, visits_report, write_csv
from hub.models import (
    Outcome,
    OutcomeKind,
    VisitEvent,
    VisitEventKind,
    VisitReason,
    VisitState,
)
from hub.store import Store
from tests.factories import SCHOOL, visit
from tests.hub.followup.pictures import ink

NOV = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def add_visit(
    store: Store, visit_id: str, start: datetime, reason: VisitReason, **extra: object
) -> None:
    store.save_visit(
        visit(
            id=visit_id,
            reason=reason,
            planned_start=start,
            planned_end=start + timedelta(hours=1),
            requested_at=start - timedelta(days=1),
            **extra,
        )
    )


def outcome(store: Store, visit_id: str, kind: OutcomeKind, at: datetime) -> None:
    store.save_outcome(SCHOOL, visit_id, Outcome(kind=kind, recorded_at=at, recorded_by="s-1"))


def event(store: Store, visit_id: str, what: VisitEventKind, at: datetime, **data: object) -> None:
    store.append_event(VisitEvent(school_id=SCHOOL, visit_id=visit_id, kind=what, at=at, data=data))


@pytest.fixture
def month(store: Store) -> Store:
    attendance, welfare = VisitReason.ATTENDANCE_CONCERN, VisitReason.WELFARE_CONCERN
    add_visit(store, "v-1", NOV, attendance, state=VisitState.CLOSED)
    add_visit(store, "v-2", NOV + timedelta(days=1), attendance, state=VisitState.CLOSED)
    add_visit(store, "v-3", NOV + timedelta(days=2), welfare, state=VisitState.CLOSED)
    add_visit(store, "v-4", NOV + timedelta(days=3), attendance, state=VisitState.WITHDRAWN)
    add_visit(store, "v-old", NOV - timedelta(days=10), welfare, state=VisitState.CLOSED)
    outcome(store, "v-1", OutcomeKind.COMPLETED, NOV + timedelta(minutes=50))
    outcome(store, "v-2", OutcomeKind.NO_ACCESS, NOV + timedelta(days=1, minutes=20))
    outcome(store, "v-3", OutcomeKind.PARENT_LATE, NOV + timedelta(days=2, minutes=35))
    outcome(store, "v-old", OutcomeKind.NO_ACCESS, NOV - timedelta(days=10))
    late = NOV + timedelta(hours=1, minutes=30)
    event(store, "v-1", VisitEventKind.ESCALATED, late, reason="overdue", rung=1)
    event(store, "v-1", VisitEventKind.ACKNOWLEDGED, late + timedelta(minutes=3), rung=1)
    later = late + timedelta(days=1)
    event(store, "v-2", VisitEventKind.ESCALATED, later, reason="overdue", rung=1)
    event(
        store,
        "v-2",
        VisitEventKind.ESCALATED,
        later + timedelta(minutes=10),
        reason="overdue",
        rung=2,
    )
    event(store, "v-2", VisitEventKind.ACKNOWLEDGED, later + timedelta(minutes=7), rung=1)
    event(
        store,
        "v-3",
        VisitEventKind.CHECK_IN,
        NOV + timedelta(days=2, minutes=5),
        kind="arrived",
        duress=True,
    )
    for n, status in enumerate((DeliveryStatus.DELIVERED, DeliveryStatus.DEAD)):
        store.save_delivery(
            Delivery(
                school_id=SCHOOL,
                key=f"k-{n}",
                visit_id="v-1",
                purpose=DeliveryPurpose.VISIT_NOTE,
                object_id="n-1",
                object_version=1,
                destination="cpoms",
                status=status,
                created_at=NOV + timedelta(hours=2),
                updated_at=NOV + timedelta(hours=2),
            )
        )
    return store


def test_the_month_in_counts(month: Store) -> None:
    report = visits_report(month, SCHOOL, "2026-11")

    assert report.visits == 4
    assert report.by_reason == {"attendance_concern": 3, "welfare_concern": 1}
    assert report.by_outcome == {"completed": 1, "no_access": 1, "parent_late": 1}
    assert report.no_access_rate == pytest.approx(1 / 3)
    assert report.cancellations == {"parent_late": 1, "withdrawn": 1}
    assert (report.overdue_alarms, report.duress_alarms) == (2, 1)
    [rung_1, rung_2] = report.acknowledgement
    assert (rung_1.rung, rung_1.acknowledged, rung_1.unacknowledged) == (1, 2, 0)
    assert rung_1.p50_seconds == pytest.approx(300.0)  # 3 and 7 minutes
    assert rung_1.p95_seconds == pytest.approx(3 * 60 + 0.95 * 240)
    assert (rung_2.acknowledged, rung_2.unacknowledged, rung_2.p50_seconds) == (0, 1, None)
    assert (report.deliveries, report.delivery_failures) == (2, 1)


def test_table_csv_and_chart(month: Store, tmp_path: Path) -> None:
    report = visits_report(month, SCHOOL, "2026-11")
    table = as_table(report)
    assert "no access" in table
    assert "33.3%" in table
    assert "rung 1 p50" in table
    assert "5.0 min" in table

    path = write_csv(report, tmp_path / "out" / "visits.csv")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {
        "school": SCHOOL,
        "month": "2026-11",
        "section": "alarms",
        "item": "duress",
        "value": "1",
    } in rows

    png = write_chart(report, tmp_path / "visits.png")
    assert stat.S_IMODE(png.stat().st_mode) == 0o600
    with Image.open(png) as image:
        picture = image.convert("RGB")
    assert picture.size == (1000, 400)
    assert ink(picture, (0.1, 0.15, 0.5, 0.9)) > 0.02  # the bars by reason
    assert ink(picture, (0.6, 0.15, 0.98, 0.9)) > 0.02  # the bars by outcome


def test_month_and_percentile_helpers() -> None:
    assert month_bounds("2026-12") == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(UserError, match="2026-11"):
        month_bounds("November")
    with pytest.raises(UserError):
        month_bounds("\u0662\u0660\u0662\u0666-11")  # strptime reads Arabic-Indic digits
    assert percentile([], 0.5) is None
    assert percentile([10.0], 0.95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
