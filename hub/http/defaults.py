"""Every default of outbound HTTP in one place: timeouts, caps, retries, user agent.

Adapters take these through ``HttpSettings``; nothing else in the hub hard-codes a
timeout or a retry count.
"""

from __future__ import annotations

from hub import __version__

TIMEOUT_S = 10.0
"""Longest wait for one read or write chunk, and for a free pooled connection."""

CONNECT_TIMEOUT_S = 5.0
"""Longest wait to resolve the host and open a TCP (and TLS) connection."""

DEADLINE_S = 30.0
"""Overall budget of one ``HttpClient.request()`` call: every attempt and every wait."""

MAX_CONNECTIONS = 10
"""Connections one adapter instance may hold open: the bulkhead between adapters."""

KEEPALIVE_EXPIRY_S = 5.0
"""How long an idle pooled connection is kept."""

MAX_ATTEMPTS = 4
"""Attempts of one idempotent request, the first one included."""

RETRY_AFTER_CAP_S = 30.0
"""Longest ``Retry-After`` honoured in-process; a longer one fails at once."""

BACKOFF_MULTIPLIER_S = 0.5
"""Scale of the random exponential backoff used when no ``Retry-After`` is given."""

BACKOFF_MAX_S = 8.0
"""Longest random backoff between two attempts."""

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Statuses worth another attempt."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods retried without being told; any other needs ``idempotent=True``."""

REQUEST_ID_HEADERS = (
    "x-request-id",
    "request-id",
    "x-ms-request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-correlation-id",
    "correlation-id",
)
"""Response headers that may carry the upstream request id, first match wins."""


def user_agent(adapter_id: str) -> str:
    """The ``User-Agent`` an adapter sends: ``doorstep/<version> (<adapter id>)``."""
    return f"doorstep/{__version__} ({adapter_id})"
