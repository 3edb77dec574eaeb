"""The hub's adapter contract, run against the ics adapter.

The feed is kept and served by the hub itself: there is no outside system whose
records the kit could count or whose failures it could inject, and no HTTP client.
Those checks are opted out with the reason; ``test_adapter.py`` covers the same
ground (one booking per key, SEQUENCE, cancellation) against the adapter's own store.
"""

from hub.adapters.ics import IcsAdapter, fake
from hub.adapters.ics.settings import IcsSettings
from hub.testing import SuiteConfig, adapter_contract

NO_OUTSIDE_SYSTEM = (
    "the ics feed is kept by the hub, not by an outside system the kit can count; "
    "tests/adapters/ics/test_adapter.py checks one booking per key"
)
NO_HTTP = "the ics adapter makes no HTTP calls: nothing to retry, throttle or time out"

TestIcsContract = adapter_contract(
    IcsAdapter,
    fake=fake,
    settings=IcsSettings(),
    suite=SuiteConfig(
        pupil_id="kit-pupil",
        skip={
            "push_returns_receipt": NO_OUTSIDE_SYSTEM,
            "push_is_idempotent": NO_OUTSIDE_SYSTEM,
            "push_retry_does_not_duplicate": NO_HTTP,
            "retry_after_is_honoured": NO_HTTP,
            "retry_after_above_cap_raises": NO_HTTP,
            "server_errors_are_bounded": NO_HTTP,
            "auth_failure_is_not_retried": NO_HTTP,
            "rejection_is_not_retried": NO_HTTP,
            "timeout_is_transient": NO_HTTP,
            "tls_verification_on": "no outbound HTTP; the hub's own web server serves the feed",
            "link_local_base_url_refused": "no base_url: the ics adapter reaches no address",
            "stop_closes_client": "no HTTP client to close",
            "health_reports_failure": "nothing remote to fail; health checks feed_dir instead",
            "unavailable_and_recovered_logged_once": "nothing remote to become unavailable",
        },
    ),
)
