"""The egress guard: an httpcore network backend that checks every address it dials.

``EgressGuard`` wraps the default backend. For each new connection it resolves the
host itself, refuses when ANY resolved address is refused by
``hub.http.addresses.refusal_reason`` (so a name that also resolves to a metadata
address is refused outright), then dials the checked IP, never the name again, so a
DNS answer cannot change between check and connect. TLS is started afterwards by
httpcore with the URL's host name for SNI and certificate checks. Every redirect hop
opens its connection here too.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore

from hub.errors import AdapterConfigError
from hub.http.addresses import IPAddress, IPNetwork, refusal_reason

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""``(host, port) → IP address strings``: the seam tests replace."""


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order, without duplicates."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class EgressGuard(httpcore.AsyncNetworkBackend):
    """Network backend that refuses link-local, metadata and unallowed private addresses.

    ``backend`` does the real dialling (httpcore's default when None). ``resolver``
    replaces DNS resolution (``resolve_host`` when None, looked up at call time).
    A refused address raises ``AdapterConfigError`` before any connection is tried.
    """

    def __init__(
        self,
        adapter_id: str,
        allowed: Iterable[IPNetwork] = (),
        *,
        backend: httpcore.AsyncNetworkBackend | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.adapter_id = adapter_id
        self.allowed: tuple[IPNetwork, ...] = tuple(allowed)
        self._backend = backend or httpcore.AnyIOBackend()
        self._resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, check every address, then dial the checked IPs in order."""
        addresses = await self._resolve(host, port, timeout)
        for address in addresses:
            self._check(address)
        error: Exception = httpcore.ConnectError("no address to connect to")
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Refused: adapters reach their systems over TCP only."""
        raise AdapterConfigError(
            f"{self.adapter_id}: address not allowed (unix socket)", adapter=self.adapter_id
        )

    async def sleep(self, seconds: float) -> None:
        """Delegated to the wrapped backend."""
        await self._backend.sleep(seconds)

    def refusal(self, address: str | IPAddress) -> str | None:
        """Why this guard refuses ``address``, or None."""
        return refusal_reason(address, self.allowed)

    def _check(self, address: str) -> None:
        reason = self.refusal(address)
        if reason is not None:
            raise AdapterConfigError(
                f"{self.adapter_id}: address not allowed by the egress guard "
                f"({reason} {address}); see docs/http.md",
                adapter=self.adapter_id,
            )

    async def _resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        resolver = self._resolver or resolve_host
        try:
            async with asyncio.timeout(timeout):
                found = list(await resolver(host, port))
        except TimeoutError:
            raise httpcore.ConnectTimeout("name resolution timed out") from None
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"name resolution failed ({type(exc).__name__})") from None
        if not found:
            raise httpcore.ConnectError("name resolved to no address")
        return found
