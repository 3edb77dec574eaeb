"""Check-in latency through the API at 50 concurrent clients, on SQLite.

The server is the API (``create_app`` over a SQLite store in a temporary folder,
``--engine`` attaching the durable engine with its SQLite system database beside it)
under uvicorn on 127.0.0.1, **in its own process**; this process is only the load
generator, so the two do not share an interpreter (on a 2-core machine each gets a
core, less whatever else the machine runs). Each of the 50 clients is its own httpx
client with its own connection, like 50 phones, connected and warmed up (two
check-ins each) before the clock starts; each checks in on its own visit.

Two modes, each on a fresh server and store:

- **open loop** (the default, what the target means): every client checks in on a
  schedule, once every ``--interval`` seconds with +/-20 % jitter, starting at a random
  offset, so ~50 check-ins a second arrive in all (a school's real load is a pair
  checking in every couple of hours). Latency runs from the **scheduled** send time to
  the answer, so a server that falls behind shows it (no coordinated omission: a client
  whose last answer is late sends late, and the lateness is counted).
- **saturation** (``--saturate`` alone, and run after the open loop by default): every
  client checks in again the moment it has its answer, with no pause. This measures
  throughput; its latency is roughly clients / throughput (Little's law).

``--keys`` sends an ``Idempotency-Key`` with every check-in, as a phone retrying over
mobile data should (one more write: the key is claimed before the check-in is handled).

Prints both and writes ``bench/results/api.json`` (``api-engine.json`` with
``--engine``; ``-keys`` before ``.json`` with ``--keys``): ``clients``, ``requests``,
``p50_ms``, ``p99_ms``, ``max_ms``, ``interval_s``, ``mode``, ``throughput_per_s``, the
server's CPU time per check-in, the load generator's, how far behind schedule the
clients sent (``send_lag_p99_ms``: waiting for their last answer, or for the load
generator itself), the machine's load average before and after, and a
``saturation`` object with the same figures for the saturation run. Target: p99 <= 50
ms in the open loop.

    .venv/bin/python bench/api.py [--clients 50] [--requests 2000] [--interval 1]
                                  [--saturate] [--engine] [--keys] [--out DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCHOOL = "st-michaels"


def prepare(folder: Path, clients: int) -> str:
    """A store with the school, staff, one user and one scheduled visit per client.

    The visits are planned from now for two hours, so no safety timer falls due
    while the bench runs with the engine.
    """
    from hub.auth.roles import Membership, Role
    from hub.auth.secrets import new_token, token_hash
    from hub.models import School, VisitState
    from hub.store import Store
    from hub.store.users import UserStore
    from tests.factories import T0, pupil, staff, visit

    start = datetime.now(UTC)

    with Store.open(f"sqlite:///{folder / 'hub.db'}") as store:
        store.save_school(School(id=SCHOOL, name="Bench School", policy_pack=SCHOOL))
        store.upsert_pupils([pupil("p-1")])
        store.save_staff(staff("s-1"))
        for n in range(clients):
            store.save_visit(
                visit(
                    id=f"v-{n}",
                    state=VisitState.SCHEDULED,
                    planned_start=start,
                    planned_end=start + timedelta(hours=2),
                    requested_at=start - timedelta(days=1),
                )
            )
        users = UserStore(store.engine)
        users.add_user("bench", T0)
        users.grant(
            Membership(
                user_id="bench", school_id=SCHOOL, staff_id="s-1", roles=frozenset({Role.STAFF})
            )
        )
        token_id, token = new_token()
        users.add_token("bench", token_id, token_hash(token), "bench", T0)
    return token


def serve(folder: Path, port: int, *, with_engine: bool) -> None:
    """Run the API, with the durable engine when asked (the server process)."""
    import uvicorn
    from fastapi import FastAPI

    from hub.api.app import create_app
    from hub.engine.config import engine_config
    from hub.engine.service import Engine
    from hub.heap import settle_heap
    from hub.hooks.manager import Hooks
    from hub.logging import configure_logging
    from hub.schools import hooks_for_school
    from hub.settings import HubSettings, SchoolSettings
    from hub.store import Store

    settings = HubSettings(
        database_url=f"sqlite:///{folder / 'hub.db'}",
        data_dir=folder,
        load_plugins=frozenset({"risk_rules", "ladder", "authoriser", "audit"}),
        schools={SCHOOL: SchoolSettings(name="Bench School", policy_pack=SCHOOL)},
    )
    configure_logging("json", "warning")
    store = Store.open(settings.database_url)

    def hooks_for(school_id: str) -> Hooks:
        return hooks_for_school(settings, school_id, recorder=store)

    async def run() -> None:
        if not with_engine:
            app = create_app(settings=settings, store=store)
            settle_heap()
            await uvicorn.Server(config(app)).serve()
            return
        async with Engine(engine_config(settings), store=store, hooks_for=hooks_for) as engine:
            app = create_app(settings=settings, store=store, engine=engine)
            settle_heap()  # as doorstep serve does once it is up
            await uvicorn.Server(config(app)).serve()

    def config(app: FastAPI) -> uvicorn.Config:
        return uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False
        )

    asyncio.run(run())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_ready(base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(600):
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("the API did not start")


JITTER = 0.2
"""An open-loop client's gap between check-ins varies by up to this share of the interval."""

WARM_UP = 2
"""Check-ins per client before the clock starts (connection made, code paths warm)."""

CheckIn = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Plan:
    """How the clients check in: ``interval`` seconds apart, or back to back when None."""

    clients: int
    per_client: int
    interval: float | None
    keys: bool = False


@dataclass
class Timings:
    """What the load generator saw: latencies and send lag (ms); wall and CPU time (s)
    from the start signal to the last answer, of the server and of the load generator."""

    latencies: list[float]
    lags: list[float]
    wall: float
    server_cpu: float
    own_cpu: float


async def load(base: str, token: str, plan: Plan, server_pid: int) -> Timings:
    """Run ``plan`` with one client (and connection) per visit against the server."""
    latencies: list[float] = []
    lags: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    ready = asyncio.Barrier(plan.clients + 1)
    go = asyncio.Event()
    started = [0.0]
    loop = asyncio.get_running_loop()

    async def one_client(n: int) -> None:
        path = f"/api/v1/schools/{SCHOOL}/visits/v-{n}/check-ins"
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:

            async def check_in() -> None:
                key = {"Idempotency-Key": uuid.uuid4().hex} if plan.keys else None
                response = await http.post(path, json={"kind": "interval"}, headers=key)
                if response.status_code != 201:
                    raise SystemExit(f"check-in failed: {response.status_code} {response.text}")

            for _ in range(WARM_UP):
                await check_in()
            await ready.wait()
            await go.wait()
            if plan.interval is None:
                await back_to_back(check_in)
            else:
                await on_schedule(check_in, plan.interval, random.Random(n))

    async def back_to_back(check_in: CheckIn) -> None:
        for _ in range(plan.per_client):
            sent = loop.time()
            await check_in()
            latencies.append((loop.time() - sent) * 1000)

    async def on_schedule(check_in: CheckIn, interval: float, rng: random.Random) -> None:
        due = started[0] + rng.uniform(0, interval)
        for _ in range(plan.per_client):
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            lags.append((loop.time() - due) * 1000)
            await check_in()
            latencies.append((loop.time() - due) * 1000)
            due += interval * rng.uniform(1 - JITTER, 1 + JITTER)

    tasks = [asyncio.create_task(one_client(n)) for n in range(plan.clients)]
    await ready.wait()
    server_before, own_before = cpu_seconds(server_pid), own_cpu_seconds()
    started[0] = loop.time()
    go.set()
    await asyncio.gather(*tasks)
    return Timings(
        latencies=latencies,
        lags=lags,
        wall=loop.time() - started[0],
        server_cpu=cpu_seconds(server_pid) - server_before,
        own_cpu=own_cpu_seconds() - own_before,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages."""
    return [float(part) for part in Path("/proc/loadavg").read_text().split()[:3]]


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def own_cpu_seconds() -> float:
    """User + system CPU time of this process (the load generator) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_phase(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    """Start a fresh store and server, run ``plan`` against it, and return the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        token = prepare(folder, plan.clients)
        port = free_port()
        env = {**os.environ, "DOORSTEP_LOG_LEVEL": "warning"}
        command = [sys.executable, __file__, "--serve", str(folder), str(port)]
        server = subprocess.Popen(command + (["--engine"] if args.engine else []), env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(base))
            load_before = load_average()
            timings = asyncio.run(load(base, token, plan, server.pid))
            load_after = load_average()
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies, count = timings.latencies, len(timings.latencies)
    return {
        "mode": "saturate" if plan.interval is None else "open",
        "interval_s": plan.interval,
        "requests": count,
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "send_lag_p99_ms": round(percentile(timings.lags, 0.99), 1) if timings.lags else None,
        "throughput_per_s": round(count / timings.wall, 1),
        "server_cpu_ms_per_request": round(timings.server_cpu * 1000 / count, 2),
        "load_generator_cpu_ms_per_request": round(timings.own_cpu * 1000 / count, 2),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


def describe(figures: dict[str, Any]) -> str:
    """One line of figures."""
    if figures["mode"] == "open":
        how = f"open loop, one check-in per client every {figures['interval_s']} s"
    else:
        how = "saturation, back to back"
    return (
        f"  {how}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"max {figures['max_ms']} ms, {figures['throughput_per_s']}/s over "
        f"{figures['requests']} check-ins; CPU a check-in: server "
        f"{figures['server_cpu_ms_per_request']} ms, load generator "
        f"{figures['load_generator_cpu_ms_per_request']} ms; load "
        f"{figures['load_average_before'][0]} -> {figures['load_average_after'][0]}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="check-ins in each mode")
    parser.add_argument("--interval", type=float, default=1.0, help="open loop: seconds apart")
    parser.add_argument("--saturate", action="store_true", help="only the saturation run")
    parser.add_argument("--engine", action="store_true", help="attach the durable engine")
    parser.add_argument(
        "--keys", action="store_true", help="send an Idempotency-Key with every check-in"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--serve", nargs=2, metavar=("FOLDER", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), with_engine=args.engine)
        return
    per_client = max(1, args.requests // args.clients)
    if args.saturate:
        result = saturation = run_phase(args, Plan(args.clients, per_client, None, args.keys))
    else:
        result = run_phase(args, Plan(args.clients, per_client, args.interval, args.keys))
        saturation = run_phase(args, Plan(args.clients, per_client, None, args.keys))
        result["saturation"] = saturation
    result |= {
        "clients": args.clients,
        "database": "sqlite",
        "engine": args.engine,
        "idempotency_keys": args.keys,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
    }
    extra = (" with the engine" if args.engine else "") + (", keyed" if args.keys else "")
    print(f"check-in at {args.clients} clients{extra} (target: open-loop p99 <= 50 ms)")
    print(describe(result))
    if not args.saturate:
        print(describe(saturation))
    args.out.mkdir(parents=True, exist_ok=True)
    name = "api" + ("-engine" if args.engine else "") + ("-keys" if args.keys else "") + ".json"
    (args.out / name).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
