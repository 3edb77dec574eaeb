"""The smtp adapter's settings: ``[adapters.smtp]`` / ``[schools.<s>.adapters.smtp]``."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from hub.http.addresses import host_literal, never_allowed_reason
from hub.models.base import Slug
from hub.notify import Directory, MessageSettings, channels_field, message_field

Security = Literal["starttls", "tls", "none"]


class SmtpSettings(BaseModel):
    """The school's mail server (relay), the sender, who each role reaches, what is said."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    host: str = Field(
        min_length=1,
        description="The mail server (relay) host name, e.g. smtp.office365.com.",
    )
    port: int = Field(
        default=587, ge=1, le=65535, description="Its port: 587 for STARTTLS, 465 for TLS."
    )
    security: Security = Field(
        default="starttls",
        description=(
            "'starttls' (upgrade a plain connection; refused if the server cannot), 'tls' "
            "(TLS from the start, port 465) or 'none' (only for a relay on this machine)."
        ),
    )
    verify_tls: bool = Field(
        default=True, description="Check the server's certificate and host name. Leave on."
    )
    ca_file: Path | None = Field(
        default=None,
        description="A CA bundle (PEM) to trust instead of the system's, for a private CA.",
    )
    username: str | None = Field(
        default=None, description="User name to log in with; unset for a relay that needs none."
    )
    password: SecretStr | None = Field(
        default=None, description="Its password (or app password): a secret."
    )
    sender: str = Field(
        pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$",
        description="The From address, e.g. doorstep@school.sch.uk (the relay must allow it).",
    )
    sender_name: str = Field(default="Doorstep", description="The name shown beside From.")
    timeout_s: float = Field(
        default=10.0, gt=0, description="Seconds for connecting and for each server answer."
    )
    directory: Directory = Field(
        default_factory=Directory, description="Staff roles and staff ids → e-mail addresses."
    )
    channels: list[Slug] = channels_field("email")
    message: MessageSettings = message_field()

    @model_validator(mode="after")
    def _safe_connection(self) -> Self:
        literal = host_literal(self.host)
        reason = never_allowed_reason(literal) if literal is not None else None
        if reason is not None:
            raise ValueError(f"host points at an address never reachable ({reason})")
        if self.security == "none" and not _is_loopback(self.host):
            raise ValueError("security 'none' is only allowed for a relay on this machine")
        if self.password is not None and self.username is None:
            raise ValueError("a password needs a username")
        return self


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
