"""Check-in latency through the API at 50 concurrent clients, on SQLite.

Starts the API (``create_app`` over a SQLite store in a temporary folder, no engine)
under uvicorn on 127.0.0.1 in its own process, then 50 httpx clients each check in
on their own scheduled visit as fast as they can until ``--requests`` check-ins are
done in all. Prints p50/p99 and writes ``bench/results/api.json``
(``clients``, ``requests``, ``p50_ms``, ``p99_ms``). Target: p99 <= 50 ms.

    .venv/bin/python bench/api.py [--clients 50] [--requests 2000] [--out bench/results]
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
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SCHOOL = "st-michaels"


def prepare(folder: Path, clients: int) -> str:
    """A store with the school, staff, one user and one scheduled visit per client."""
    from hub.auth.roles import Membership, Role
    from hub.auth.secrets import new_token, token_hash
    from hub.models import School, VisitState
    from hub.store import Store
    from hub.store.users import UserStore
    from tests.factories import T0, pupil, staff, visit

    with Store.open(f"sqlite:///{folder / 'hub.db'}") as store:
        store.save_school(School(id=SCHOOL, name="Bench School", policy_pack=SCHOOL))
        store.upsert_pupils([pupil("p-1")])
        store.save_staff(staff("s-1"))
        for n in range(clients):
            store.save_visit(
                visit(id=f"v-{n}", state=VisitState.SCHEDULED, planned_start=T0, requested_at=T0)
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


def serve(folder: Path, port: int) -> None:
    """Run the API (the server process)."""
    import uvicorn

    from hub.api.app import create_app
    from hub.logging import configure_logging
    from hub.settings import HubSettings, SchoolSettings
    from hub.store import Store

    settings = HubSettings(
        load_plugins=frozenset({"risk_rules", "ladder", "authoriser", "audit"}),
        schools={SCHOOL: SchoolSettings(name="Bench School", policy_pack=SCHOOL)},
    )
    configure_logging("json", "warning")
    store = Store.open(f"sqlite:///{folder / 'hub.db'}")
    app = create_app(settings=settings, store=store)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


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


async def load(base: str, token: str, clients: int, total: int) -> list[float]:
    latencies: list[float] = []
    remaining = [total]
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as http:

        async def one_client(n: int) -> None:
            path = f"/api/v1/schools/{SCHOOL}/visits/v-{n}/check-ins"
            while remaining[0] > 0:
                remaining[0] -= 1
                start = time.perf_counter()
                response = await http.post(path, json={"kind": "interval"})
                latencies.append((time.perf_counter() - start) * 1000)
                if response.status_code != 201:
                    raise SystemExit(f"check-in failed: {response.status_code} {response.text}")

        await asyncio.gather(*(one_client(n) for n in range(clients)))
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--serve", nargs=2, metavar=("FOLDER", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        token = prepare(folder, args.clients)
        port = free_port()
        env = {**os.environ, "DOORSTEP_LOG_LEVEL": "warning"}
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(folder), str(port)], env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(base))
            asyncio.run(load(base, token, args.clients, min(100, args.requests)))  # warm up
            started = time.perf_counter()
            latencies = asyncio.run(load(base, token, args.clients, args.requests))
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=10)
    result = {
        "clients": args.clients,
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "throughput_per_s": round(len(latencies) / wall, 1),
        "database": "sqlite",
        "engine": False,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
    }
    print(
        f"check-in at {result['clients']} clients: p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms, "
        f"{result['throughput_per_s']}/s over {result['requests']} requests (target p99 <= 50 ms)"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "api.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
