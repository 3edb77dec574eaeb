"""``HttpSettings``: how one adapter instance talks HTTP.

An adapter's settings model either subclasses it (its fields then sit beside the
adapter's own, ``[adapters.wonde] timeout_s = 5``) or holds one as a field.
"""

from __future__ import annotations

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator

from hub.http import defaults
from hub.http.addresses import (
    IPNetwork,
    check_allowed_network,
    host_literal,
    never_allowed_reason,
)


class HttpSettings(BaseModel):
    """Where an outside system lives and how patiently the hub talks to it."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    base_url: AnyHttpUrl = Field(
        description="Root URL of the system's API; every request path is joined to it.",
        examples=["https://api.wonde.com/v1.0/"],
    )
    timeout_s: float = Field(
        default=defaults.TIMEOUT_S,
        gt=0,
        description="Seconds to wait for each read or write chunk and for a free connection.",
    )
    connect_timeout_s: float = Field(
        default=defaults.CONNECT_TIMEOUT_S,
        gt=0,
        description="Seconds to resolve the host and open the connection (TLS included).",
    )
    deadline_s: float = Field(
        default=defaults.DEADLINE_S,
        gt=0,
        description=(
            "Overall seconds for one request, every retry and wait included; a slow "
            "trickle of data cannot outlast it."
        ),
    )
    verify_tls: bool = Field(
        default=True,
        description="Check the server's TLS certificate and host name. Leave on.",
    )
    max_connections: int = Field(
        default=defaults.MAX_CONNECTIONS,
        ge=1,
        le=100,
        description="Connections this adapter may hold open at once, per school.",
    )
    allow_private_cidrs: list[IPNetwork] = Field(
        default_factory=list,
        description=(
            "Private or loopback networks this adapter may reach, e.g. an on-prem MIS "
            "server's subnet. Link-local and cloud metadata addresses are never reachable."
        ),
        examples=[["10.20.0.0/24"]],
    )
    max_attempts: int = Field(
        default=defaults.MAX_ATTEMPTS,
        ge=1,
        le=10,
        description="Attempts of one idempotent request before giving up, the first included.",
    )
    retry_after_cap_s: float = Field(
        default=defaults.RETRY_AFTER_CAP_S,
        ge=0,
        description=(
            "Longest Retry-After the hub waits in-process; a longer one fails the request "
            "at once as transient, carrying the server's hint for the engine to reschedule."
        ),
    )
    follow_redirects: bool = Field(
        default=False,
        description=(
            "Follow 3xx redirects. Each hop still passes the egress guard; off unless the "
            "system needs it."
        ),
    )

    @field_validator("base_url")
    @classmethod
    def _not_a_never_reachable_address(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        literal = host_literal(url.host or "")
        reason = never_allowed_reason(literal) if literal is not None else None
        if reason is not None:
            raise ValueError(f"base_url points at an address never reachable ({reason})")
        return url

    @field_validator("allow_private_cidrs")
    @classmethod
    def _reachable_cidrs(cls, networks: list[IPNetwork]) -> list[IPNetwork]:
        return [check_allowed_network(network) for network in networks]
