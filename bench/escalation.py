"""Overdue → first escalation accepted by a channel, for many live visits on SQLite.

Starts a real hub process (``tests/reliability/hub_process.py``: the engine, a short
pack on the fast clock, a ledger channel), checks ``--visits`` visits out with
deadlines spread over ``--spread`` seconds, and measures, per visit, the time from
its rung-1 deadline to the channel accepting the message. Then the same again with
the hub killed (``kill -9``) after the check-ins and restarted at once, measured from
max(deadline, restart). Prints the figures and writes ``bench/results/escalation.json``:
``visits``, ``p50_s``, ``p95_s``, ``p99_s``, ``max_s``, ``not_escalated`` (visits with no
escalation three minutes after the last deadline) and ``after_kill`` (same keys).
Target: p99 ≤ 2 s, max ≤ 5 s.

    .venv/bin/python bench/escalation.py [--visits 1000] [--spread 10] [--out bench/results]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hub.engine.harness import config_for, wall_time  # noqa: E402
from tests.hub.engine.ledger import read_ledger  # noqa: E402
from tests.reliability.harness import Hub, start_hub  # noqa: E402

GRACE = timedelta(minutes=1)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99/max of ``values`` in seconds, rounded to milliseconds."""
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_s": round(cuts[49], 3),
        "p95_s": round(cuts[94], 3),
        "p99_s": round(cuts[98], 3),
        "max_s": round(ordered[-1], 3),
    }


SWEEP = ("--sweep-interval", "10")
"""The hub's default sweep interval (the engine tests run a 1 s sweeper)."""


def depart(directory: Path, anchor: datetime, visits: int, spread: float, lead: float) -> Hub:
    hub = start_hub(
        directory,
        anchor,
        *SWEEP,
        "--depart",
        str(visits),
        "--first-end",
        str(lead),
        "--spacing",
        str(spread / visits),
        "--ack-minutes",
        "30",
    )
    hub.wait_ready(timeout=600)
    return hub


def lateness(
    directory: Path, hub: Hub, anchor: datetime, since: float, wait: float
) -> tuple[list[float], int]:
    """Seconds from max(deadline, ``since``) to the channel's acceptance, per visit, and
    how many visits had no escalation ``wait`` seconds after the last deadline."""
    config = config_for(directory, clock_anchor=anchor)
    dues = {v: wall_time(config, end + GRACE) for v, end in hub.planned_ends.items()}
    deadline = max(dues.values()) + wait
    first: dict[str, float] = {}
    while time.time() < deadline:
        first = {
            row.visit_id: row.accepted_at
            for row in reversed(read_ledger(directory / "ledger.db"))
            if row.visit_id and ":overdue:" in row.key and row.key.split(":")[-2] == "1"
        }
        if len(first) >= len(dues):
            break
        time.sleep(0.5)
    missing = len(set(dues) - set(first))
    return [first[v] - max(due, since) for v, due in dues.items() if v in first], missing


def steady(visits: int, spread: float, lead: float) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as scratch:
        directory = Path(scratch)
        anchor = datetime.now(UTC).replace(microsecond=0)
        hub = depart(directory, anchor, visits, spread, lead)
        try:
            late, missing = lateness(directory, hub, anchor, 0.0, wait=180)
        finally:
            hub.terminate(timeout=120)
    return {"visits": visits, **percentiles(late), "not_escalated": missing}


def after_kill(visits: int, spread: float, lead: float) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as scratch:
        directory = Path(scratch)
        anchor = datetime.now(UTC).replace(microsecond=0)
        first = depart(directory, anchor, visits, spread, lead)
        first.kill()
        second = start_hub(directory, anchor, *SWEEP, "--ack-minutes", "30")
        second.planned_ends = first.planned_ends
        second.wait_ready(timeout=120)
        try:
            late, missing = lateness(directory, second, anchor, second.started_at, wait=180)
        finally:
            second.terminate(timeout=120)
    return {"visits": visits, **percentiles(late), "not_escalated": missing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=10.0, help="deadlines over this many s")
    parser.add_argument(
        "--lead", type=float, default=90.0, help="first planned end, s after the hub started"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    result: dict[str, object] = dict(steady(args.visits, args.spread, args.lead))
    result["after_kill"] = after_kill(args.visits, args.spread, args.lead)
    result["machine"] = (
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )
    result["database"] = "sqlite"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "escalation.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
