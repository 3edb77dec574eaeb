"""``/metrics``: Prometheus text, counted from the store at each scrape.

Only counts, labelled by school, state, rung or adapter: never an id or a name.
Families: ``doorstep_visits`` (by state), ``doorstep_visits_overdue`` (a ladder rung
is due now), ``doorstep_escalations`` (board alarms by rung), ``doorstep_delivery_failures``
(dead deliveries by adapter), ``doorstep_sync_lag_seconds`` (since the last good sync).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.engine.records import Board, DeliveryStatus
from hub.models import VisitState
from hub.schools import school_and_pack
from hub.settings import HubSettings
from hub.store import Store
from hub.workflow import OnTheDay, rungs_due
from hub.workflow.states import OUT

ALARMS = frozenset({Board.ESCALATED, Board.CHANNELS_FAILING, Board.DURESS, Board.EXHAUSTED})


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


def _overdue(store: Store, settings: HubSettings, school_id: str, now: datetime) -> int:
    try:
        _school, pack = school_and_pack(settings, school_id)
    except Exception:  # an unconfigured school in the store: nothing to count against
        return 0
    count = 0
    for visit in store.list_visits(school_id, states=OUT):
        day = OnTheDay(
            check_ins=tuple(store.check_ins(school_id, visit.id)),
            reports=tuple(store.doorstep_reports(school_id, visit.id)),
            acknowledgements=tuple(store.acknowledgements(school_id, visit.id)),
        )
        count += bool(rungs_due(visit, pack, day, now))
    return count


def render(store: Store, settings: HubSettings, school_ids: Iterable[str], now: datetime) -> bytes:
    """The metrics of ``school_ids`` as Prometheus text (blocking: run it in a thread)."""
    visits = GaugeMetricFamily("doorstep_visits", "Visits by state.", labels=["school", "state"])
    overdue = GaugeMetricFamily(
        "doorstep_visits_overdue", "Visits with a ladder rung due now.", labels=["school"]
    )
    escalations = GaugeMetricFamily(
        "doorstep_escalations", "Visits in alarm on the board, by rung.", labels=["school", "rung"]
    )
    failures = GaugeMetricFamily(
        "doorstep_delivery_failures", "Dead deliveries by adapter.", labels=["school", "adapter"]
    )
    lag = GaugeMetricFamily(
        "doorstep_sync_lag_seconds", "Seconds since the last good roll sync.", labels=["school"]
    )
    for school in sorted(school_ids):
        by_state = Counter(v.state for v in store.list_visits(school))
        for state in VisitState:
            visits.add_metric([school, state.value], by_state.get(state, 0))
        overdue.add_metric([school], _overdue(store, settings, school, now))
        rungs = Counter(str(b.rung or 0) for b in store.board_states(school) if b.state in ALARMS)
        for rung, count in sorted(rungs.items()):
            escalations.add_metric([school, rung], count)
        dead = Counter(
            d.destination for d in store.deliveries(school, statuses=[DeliveryStatus.DEAD])
        )
        for adapter, count in sorted(dead.items()):
            failures.add_metric([school, adapter], count)
        last = store.last_sync_run(school)
        if last is not None:
            lag.add_metric([school], max(0.0, (now - last.finished_at).total_seconds()))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families([visits, overdue, escalations, failures, lag]))
    return generate_latest(registry)
