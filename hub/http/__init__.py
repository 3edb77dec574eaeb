"""Outbound HTTP for adapters: one client per adapter instance, one retry policy, and
an egress guard that keeps link-local, metadata and unallowed private addresses out
of reach. See docs/http.md.
"""

from hub.http.client import HttpClient
from hub.http.egress import EgressGuard, resolve_host
from hub.http.retry import retry_policy
from hub.http.retry_after import parse_retry_after
from hub.http.settings import HttpSettings
from hub.http.transport import GuardedTransport, build_transport

__all__ = [
    "EgressGuard",
    "GuardedTransport",
    "HttpClient",
    "HttpSettings",
    "build_transport",
    "parse_retry_after",
    "resolve_host",
    "retry_policy",
]
