"""The naive baseline for ``bench/sync.py``: one sequential httpx loop over the roll.

What a script written in an afternoon would do: one blocking request after another,
each page parsed as JSON, no concurrency, no retries, nothing stored. It reads the
same pages the adapters read (Wonde: cursor pages with the same includes; OneRoster:
a token, then limit/offset pages until a short page) and prints one JSON line:
pupils, wall_s, requests, peak_rss_mb.

    .venv/bin/python bench/naive_sync.py wonde --url http://127.0.0.1:8001 \\
        --token T --school-id A1000000001
    .venv/bin/python bench/naive_sync.py oneroster --url http://127.0.0.1:8002 \\
        --client-id C --client-secret S --org org-school-1
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from typing import Any

import httpx

WONDE_INCLUDES = "contacts,contacts.contact_details,contact_details,extended_details,year"
ONEROSTER_PREFIX = "/ims/oneroster/rostering/v1p2"


def wonde(client: httpx.Client, args: argparse.Namespace) -> tuple[int, int]:
    """Follow Wonde's cursor pages to the end; (pupils, requests)."""
    headers = {"Authorization": f"Bearer {args.token}"}
    url: str | None = f"/v1.0/schools/{args.school_id}/students"
    params: dict[str, Any] | None = {
        "include": WONDE_INCLUDES,
        "cursor": "true",
        "per_page": args.page_size,
    }
    pupils = requests = 0
    while url:
        body = client.get(url, params=params, headers=headers).raise_for_status().json()
        requests += 1
        pupils += len(body["data"])
        url, params = body["meta"]["pagination"].get("next"), None
    return pupils, requests


def oneroster(client: httpx.Client, args: argparse.Namespace) -> tuple[int, int]:
    """Fetch a token, then limit/offset pages until a short one; (pupils, requests)."""
    token = (
        client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(args.client_id, args.client_secret),
        )
        .raise_for_status()
        .json()["access_token"]
    )
    headers = {"Authorization": f"Bearer {token}"}
    pupils, requests, offset = 0, 1, 0
    while True:
        body = (
            client.get(
                f"{ONEROSTER_PREFIX}/schools/{args.org}/students",
                params={"limit": args.page_size, "offset": offset},
                headers=headers,
            )
            .raise_for_status()
            .json()
        )
        requests += 1
        page = body["users"]
        pupils += sum(1 for user in page if user.get("status") == "active")
        if len(page) < args.page_size:
            return pupils, requests
        offset += args.page_size


def run() -> None:
    """Run the naive loop once and print its figures as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("adapter", choices=("wonde", "oneroster"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--token", default="")
    parser.add_argument("--school-id", default="")
    parser.add_argument("--client-id", default="")
    parser.add_argument("--client-secret", default="")
    parser.add_argument("--org", default="")
    args = parser.parse_args()
    began = time.perf_counter()
    with httpx.Client(base_url=args.url, timeout=30) as client:
        pupils, requests = (wonde if args.adapter == "wonde" else oneroster)(client, args)
    wall = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"pupils": pupils, "wall_s": wall, "requests": requests, "peak_rss_mb": peak}
    print(json.dumps(figures))


if __name__ == "__main__":  # a helper of bench/sync.py: no main(), so make bench skips it
    run()
