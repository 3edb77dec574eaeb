"""The hub's adapter contract, run against the csv adapter over generated export files.

The exports are files, not an HTTP API, so the checks about HTTP (pages, status codes,
Retry-After, timeouts, TLS, the egress guard, closing a client) do not apply; each
opt-out says why. The fake writes its exports into one folder the settings point at,
and its ``fail_next`` takes them away, so the health and recovery checks run for real.
Agreements are written to ``agreements.csv`` in the same folder, and the fake counts
its rows, so the push checks (receipt, idempotency, no duplicate on retry) run too.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from hub.adapters.csv import CsvAdapter
from hub.adapters.csv.fake import FakeState, create_app
from hub.adapters.csv.settings import CsvSettings
from hub.testing import Fake, SuiteConfig, adapter_contract

NO_HTTP = "the csv adapter reads files on local disk: no HTTP"


@cache
def exports_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="doorstep-csv-contract-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def settings(base_url: str) -> CsvSettings:
    return CsvSettings(folder=exports_folder())


TestCsvContract = adapter_contract(
    CsvAdapter,
    fake=Fake(create_app, lambda: FakeState(folder=exports_folder())),
    settings=settings,
    suite=SuiteConfig(
        skip={
            "pull_follows_every_page": "an export is one whole file: there are no pages",
            "retry_after_is_honoured": f"{NO_HTTP}, so no 429 or Retry-After",
            "retry_after_above_cap_raises": f"{NO_HTTP}, so no Retry-After",
            "server_errors_are_bounded": f"{NO_HTTP}, so no 5xx to retry",
            "auth_failure_is_not_retried": f"{NO_HTTP}, so no credentials or 401",
            "rejection_is_not_retried": f"{NO_HTTP}: the agreements outbox answers no 4xx",
            "timeout_is_transient": f"{NO_HTTP}, so no request timeout",
            "tls_verification_on": f"{NO_HTTP}, so no TLS",
            "link_local_base_url_refused": f"{NO_HTTP}, so no base URL",
            "stop_closes_client": f"{NO_HTTP} client to close; stop() drops what was read",
        }
    ),
)
