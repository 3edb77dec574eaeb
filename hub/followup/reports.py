"""The monthly visits report for leaders: ``doorstep report visits``.

For one school and one calendar month (UTC; a visit belongs to the month its planned
start falls in): visits by reason and by outcome, the no-access rate, cancellations by
reason, overdue and duress alarms (from the visits' events), time to acknowledge each
ladder rung (p50 and p95, from the escalation and acknowledgement events) and delivery
failures (from the engine's outbox). Counts and durations only: no pupil, no place.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field

from hub.engine.records import DeliveryStatus
from hub.errors import UserError
from hub.followup.files import write_private
from hub.models import OutcomeKind, VisitEvent, VisitEventKind, VisitState
from hub.models.base import DomainModel
from hub.store import Store

CANCELLED = frozenset(
    {
        OutcomeKind.PARENT_ABSENT,
        OutcomeKind.PARENT_LATE,
        OutcomeKind.UNSAFE,
        OutcomeKind.ANIMALS,
        OutcomeKind.WITHDRAWN,
    }
)
ALARMS = frozenset({"overdue", "duress"})
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
"""A calendar month, ``YYYY-MM``: ASCII digits only (``\\d`` would let ``٢٠٢٦`` through)."""
_MONTH = re.compile(MONTH_PATTERN)


class RungTiming(DomainModel):
    """How long people took to acknowledge one ladder rung."""

    rung: int
    acknowledged: int
    unacknowledged: int
    p50_seconds: float | None
    p95_seconds: float | None


class VisitsReport(DomainModel):
    """One school's month of visits, as counts."""

    school_id: str
    month: str = Field(pattern=MONTH_PATTERN)
    visits: int
    by_reason: dict[str, int]
    by_outcome: dict[str, int]
    no_access_rate: float | None = Field(description="No-access outcomes over all outcomes.")
    cancellations: dict[str, int]
    overdue_alarms: int
    duress_alarms: int
    acknowledgement: tuple[RungTiming, ...]
    deliveries: int
    delivery_failures: int


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of ``YYYY-MM`` (ASCII digits only) and of the month after, in UTC."""
    try:
        if not _MONTH.fullmatch(month):
            raise ValueError(month)
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise UserError(f"month must look like 2026-11, not '{month[:20]}'") from None
    following = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, following


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` percentile (0-1) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _timings(events_by_visit: list[list[VisitEvent]]) -> tuple[RungTiming, ...]:
    waits: dict[int, list[float]] = defaultdict(list)
    missed: Counter[int] = Counter()
    for events in events_by_visit:
        for raised in events:
            if raised.kind is not VisitEventKind.ESCALATED:
                continue
            if raised.data.get("reason") not in ALARMS:
                continue
            rung = raised.data.get("rung")
            if not isinstance(rung, int):
                continue
            acks = [
                e.at
                for e in events
                if e.kind is VisitEventKind.ACKNOWLEDGED
                and e.data.get("rung") == rung
                and e.at >= raised.at
            ]
            if acks:
                waits[rung].append((min(acks) - raised.at).total_seconds())
            else:
                missed[rung] += 1
    return tuple(
        RungTiming(
            rung=rung,
            acknowledged=len(waits[rung]),
            unacknowledged=missed[rung],
            p50_seconds=percentile(waits[rung], 0.50),
            p95_seconds=percentile(waits[rung], 0.95),
        )
        for rung in sorted(set(waits) | set(missed))
    )


def visits_report(store: Store, school_id: str, month: str) -> VisitsReport:
    """Work out the report from the store."""
    start, end = month_bounds(month)
    visits = [v for v in store.list_visits(school_id) if start <= v.planned_start < end]
    outcomes = {v.id: store.outcome_for(school_id, v.id) for v in visits}
    events = [store.events(school_id, v.id) for v in visits]
    by_outcome = Counter(o.kind.value for o in outcomes.values() if o is not None)
    recorded = sum(by_outcome.values())
    cancellations = Counter(
        o.kind.value for o in outcomes.values() if o is not None and o.kind in CANCELLED
    )
    cancellations.update(
        "withdrawn" for v in visits if v.state is VisitState.WITHDRAWN and outcomes[v.id] is None
    )
    escalated = [e for history in events for e in history if e.kind is VisitEventKind.ESCALATED]
    deliveries = [d for d in store.deliveries(school_id) if start <= d.created_at < end]
    return VisitsReport(
        school_id=school_id,
        month=month,
        visits=len(visits),
        by_reason=dict(sorted(Counter(v.reason.value for v in visits).items())),
        by_outcome=dict(sorted(by_outcome.items())),
        no_access_rate=by_outcome[OutcomeKind.NO_ACCESS.value] / recorded if recorded else None,
        cancellations=dict(sorted(cancellations.items())),
        overdue_alarms=sum(
            1 for e in escalated if e.data.get("reason") == "overdue" and e.data.get("rung") == 1
        ),
        duress_alarms=sum(
            1
            for history in events
            for e in history
            if e.kind is VisitEventKind.CHECK_IN and e.data.get("duress") is True
        ),
        acknowledgement=_timings(events),
        deliveries=len(deliveries),
        delivery_failures=sum(1 for d in deliveries if d.status is DeliveryStatus.DEAD),
    )


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def rows(report: VisitsReport) -> list[tuple[str, str, str]]:
    """The report as ``(section, item, value)`` rows, for the terminal and CSV."""
    out: list[tuple[str, str, str]] = [("visits", "total", str(report.visits))]
    out += [("by reason", reason, str(n)) for reason, n in report.by_reason.items()]
    out += [("by outcome", kind, str(n)) for kind, n in report.by_outcome.items()]
    rate = report.no_access_rate
    out.append(("no access", "rate", "-" if rate is None else f"{100 * rate:.1f}%"))
    out += [("cancellations", reason, str(n)) for reason, n in report.cancellations.items()]
    out.append(("alarms", "overdue", str(report.overdue_alarms)))
    out.append(("alarms", "duress", str(report.duress_alarms)))
    for timing in report.acknowledgement:
        rung = f"rung {timing.rung}"
        out.append(("time to acknowledge", f"{rung} p50", _minutes(timing.p50_seconds)))
        out.append(("time to acknowledge", f"{rung} p95", _minutes(timing.p95_seconds)))
        out.append(("time to acknowledge", f"{rung} unacknowledged", str(timing.unacknowledged)))
    out.append(("deliveries", "total", str(report.deliveries)))
    out.append(("deliveries", "failed", str(report.delivery_failures)))
    return out


def as_table(report: VisitsReport) -> str:
    """The report as aligned text for a terminal."""
    table = rows(report)
    widths = [max(len(row[i]) for row in table) for i in range(2)]
    title = f"Visits for {report.school_id}, {report.month}"
    lines = [title, "=" * len(title)]
    lines += [f"{s:<{widths[0]}}  {i:<{widths[1]}}  {v}" for s, i, v in table]
    return "\n".join(lines)


def write_csv(report: VisitsReport, path: Path) -> Path:
    """Write the rows as CSV (mode 0600)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["school", "month", "section", "item", "value"])
    for row in rows(report):
        writer.writerow([report.school_id, report.month, *row])
    return write_private(path, buffer.getvalue())
