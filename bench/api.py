"""Check-in latency through the API at 50 concurrent clients, on SQLite.

Starts the API (``create_app`` over a SQLite store in a temporary folder) under
uvicorn on 127.0.0.1 in its own process, then 50 clients (each its own httpx client
and connection, like 50 phones; connected and warmed up before the clock starts)
each check in on their own visit as fast as they can, with no pause between
check-ins, until ``--requests`` check-ins are done in all. This is a saturation test:
with no think time, latency is roughly clients / throughput.

Prints p50/p99 and writes ``bench/results/api.json`` (``clients``, ``requests``,
``p50_ms``, ``p99_ms``, plus throughput, the server's CPU time per check-in and the
machine's load average before and after). Target: p99 <= 50 ms.

``--engine`` attaches the durable engine (its SQLite system database next to the
store): each check-in is then stored by the engine and wakes the visit's timer.

    .venv/bin/python bench/api.py [--clients 50] [--requests 2000] [--engine] [--out DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
            await uvicorn.Server(config(create_app(settings=settings, store=store))).serve()
            return
        async with Engine(engine_config(settings), store=store, hooks_for=hooks_for) as engine:
            app = create_app(settings=settings, store=store, engine=engine)
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
        for _ in range(200):
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("the API did not start")


async def load(base: str, token: str, clients: int, total: int, warm_up: int) -> list[float]:
    """Latencies (ms) of ``total`` check-ins by ``clients`` clients checking in back to back."""
    latencies: list[float] = []
    remaining = [total]
    headers = {"Authorization": f"Bearer {token}"}
    ready = asyncio.Barrier(clients)

    async def one_client(n: int) -> None:
        path = f"/api/v1/schools/{SCHOOL}/visits/v-{n}/check-ins"
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:

            async def check_in() -> float:
                start = time.perf_counter()
                response = await http.post(path, json={"kind": "interval"})
                if response.status_code != 201:
                    raise SystemExit(f"check-in failed: {response.status_code} {response.text}")
                return (time.perf_counter() - start) * 1000

            for _ in range(warm_up):
                await check_in()
            await ready.wait()
            while remaining[0] > 0:
                remaining[0] -= 1
                latencies.append(await check_in())

    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages."""
    return [float(part) for part in Path("/proc/loadavg").read_text().split()[:3]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--engine", action="store_true", help="attach the durable engine")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--serve", nargs=2, metavar=("FOLDER", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), with_engine=args.engine)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        token = prepare(folder, args.clients)
        port = free_port()
        env = {**os.environ, "DOORSTEP_LOG_LEVEL": "warning"}
        command = [sys.executable, __file__, "--serve", str(folder), str(port)]
        server = subprocess.Popen(command + (["--engine"] if args.engine else []), env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(base))
            load_before = load_average()
            cpu_before = cpu_seconds(server.pid)
            started = time.perf_counter()
            latencies = asyncio.run(load(base, token, args.clients, args.requests, warm_up=2))
            wall = time.perf_counter() - started
            server_cpu = cpu_seconds(server.pid) - cpu_before
            load_after = load_average()
        finally:
            server.terminate()
            server.wait(timeout=30)
    result = {
        "clients": args.clients,
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "throughput_per_s": round(len(latencies) / wall, 1),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / len(latencies), 2),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "database": "sqlite",
        "engine": args.engine,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
    }
    print(
        f"check-in at {result['clients']} clients{' with the engine' if args.engine else ''}: "
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms, "
        f"{result['throughput_per_s']}/s over {result['requests']} requests, server CPU "
        f"{result['server_cpu_ms_per_request']} ms a check-in, load {load_before[0]} -> "
        f"{load_after[0]} (target p99 <= 50 ms)"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    name = "api-engine.json" if args.engine else "api.json"
    (args.out / name).write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
