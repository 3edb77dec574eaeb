"""How fast the pure deadline calculator answers, for the engine's sizing.

The engine asks ``next_deadline`` after every check-in and ``rungs_due`` on every
timer wake-up, for every visit out at once. This measures both over many visits
with realistic check-in histories, prints the figures and writes JSON beside them.

    .venv/bin/python bench/bench_deadlines.py [--visits 2000] [--out bench/results]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.models import CheckIn, CheckInChannel, CheckInKind, Visit, VisitReason, VisitState
from hub.policy import PolicyPack, load_bundled_pack
from hub.workflow import OnTheDay, next_deadline, rungs_due

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _visit_and_day(n: int, rng: random.Random) -> tuple[Visit, OnTheDay]:
    start = T0 + timedelta(minutes=rng.randrange(0, 8 * 60))
    visit = Visit(
        id=f"v-{n}",
        school_id="st-michaels",
        pupil_id=f"p-{n}",
        reason=VisitReason.ATTENDANCE_CONCERN,
        state=VisitState.ON_SITE,
        planned_start=start,
        planned_end=start + timedelta(minutes=rng.choice((30, 60, 90, 180))),
        staff_ids=("s-1", "s-2"),
        requested_by="s-1",
        requested_at=T0 - timedelta(days=1),
    )
    kinds = [CheckInKind.DEPARTED, CheckInKind.ARRIVED]
    kinds += [CheckInKind.INTERVAL] * rng.randrange(0, 4)
    at = start - timedelta(minutes=15)
    check_ins = []
    for i, kind in enumerate(kinds):
        check_ins.append(
            CheckIn(
                id=f"{visit.id}-{i}",
                visit_id=visit.id,
                staff_id="s-1",
                kind=kind,
                at=at,
                channel=CheckInChannel.WEB,
            )
        )
        at += timedelta(minutes=rng.randrange(10, 100))
    return visit, OnTheDay(check_ins=tuple(check_ins))


Calculator = Callable[[Visit, PolicyPack, OnTheDay, datetime], object]


def _time_per_call(
    fn: Calculator, items: list[tuple[Visit, OnTheDay]], now: datetime
) -> list[float]:
    out = []
    for visit, day in items:
        began = time.perf_counter()
        fn(visit, PACK, day, now)
        out.append((time.perf_counter() - began) * 1e6)
    return out


PACK = load_bundled_pack("st-michaels")


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the pure deadline calculator.")
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    rng = random.Random(7)
    items = [_visit_and_day(n, rng) for n in range(args.visits)]
    now = T0 + timedelta(hours=12)
    figures: dict[str, dict[str, float]] = {}
    calculators: tuple[tuple[str, Calculator], ...] = (
        ("next_deadline", next_deadline),
        ("rungs_due", rungs_due),
    )
    for name, fn in calculators:
        micros = sorted(_time_per_call(fn, items, now))
        figures[name] = {
            "calls": len(micros),
            "p50_us": round(statistics.median(micros), 1),
            "p99_us": round(micros[int(len(micros) * 0.99) - 1], 1),
            "max_us": round(micros[-1], 1),
            "calls_per_s": round(len(micros) / (sum(micros) / 1e6)),
        }
        f = figures[name]
        print(
            f"{name:<14} {f['calls']} visits: p50 {f['p50_us']} µs, p99 {f['p99_us']} µs, "
            f"max {f['max_us']} µs, {f['calls_per_s']} calls/s"
        )
    ratio = figures["rungs_due"]["p50_us"] / figures["next_deadline"]["p50_us"]
    print(f"rungs_due / next_deadline p50 ratio: {ratio:.2f}")
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "deadlines",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "figures": figures,
        "ratio_rungs_due_to_next_deadline_p50": round(ratio, 3),
    }
    target = args.out / "deadlines.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
