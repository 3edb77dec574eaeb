"""The real transport adapters get when they pass ``transport=None``."""

from __future__ import annotations

import ssl

import httpcore
import httpx

from hub.http.defaults import KEEPALIVE_EXPIRY_S
from hub.http.egress import EgressGuard, Resolver
from hub.http.settings import HttpSettings


class GuardedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose every connection is dialled by an ``EgressGuard``.

    No proxy and no environment settings (``trust_env=False``): a proxy would resolve
    names itself and sidestep the guard.
    """

    def __init__(
        self, guard: EgressGuard, *, verify: ssl.SSLContext | bool, limits: httpx.Limits
    ) -> None:
        super().__init__(verify=verify, limits=limits, trust_env=False)
        self.guard = guard
        # httpx does not take a network backend, so the pool it built is replaced by
        # the same pool dialling through the guard (tests/hub/http checks this holds).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=guard,
        )


def limits_for(settings: HttpSettings) -> httpx.Limits:
    """Connection limits from the settings: the adapter's bulkhead."""
    return httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_connections,
        keepalive_expiry=KEEPALIVE_EXPIRY_S,
    )


def build_transport(
    adapter_id: str,
    settings: HttpSettings,
    *,
    ssl_context: ssl.SSLContext | None = None,
    resolver: Resolver | None = None,
    backend: httpcore.AsyncNetworkBackend | None = None,
) -> GuardedTransport:
    """The guarded transport for one adapter instance.

    ``ssl_context`` trusts a private CA (an on-prem server); without it, TLS is verified
    against the system bundle unless ``settings.verify_tls`` is off. ``resolver`` and
    ``backend`` are seams for tests.
    """
    guard = EgressGuard(
        adapter_id, settings.allow_private_cidrs, backend=backend, resolver=resolver
    )
    verify: ssl.SSLContext | bool = ssl_context if ssl_context is not None else settings.verify_tls
    return GuardedTransport(guard, verify=verify, limits=limits_for(settings))
