"""What the hub keeps about users and API tokens (never a secret, only hashes)."""

from __future__ import annotations

from pydantic import Field

from hub.models import DomainModel, UtcDateTime


class User(DomainModel):
    """A person who uses the API or the web UI. ``id`` is their sign-in name."""

    id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@-]+$")
    created_at: UtcDateTime
    disabled_at: UtcDateTime | None = None
    has_password: bool = False
    has_pins: bool = False


class ApiToken(DomainModel):
    """One API token as listed: its id and label, never the token."""

    id: str
    user_id: str
    label: str
    created_at: UtcDateTime
    revoked_at: UtcDateTime | None = None

    @property
    def active(self) -> bool:
        """Whether the token still authenticates."""
        return self.revoked_at is None
