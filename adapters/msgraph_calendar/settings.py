"""Settings of the ``msgraph_calendar`` adapter: the app registration and the staff directory.

Beside its own fields it takes every ``HttpSettings`` field (timeouts, deadline,
attempts...) for Microsoft Graph; ``base_url`` defaults to Graph v1.0. The token
endpoint (``authority_url``) is reached with the same timeouts but one attempt per
Graph attempt, so failures are not retried twice over.
"""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator

from hub.http import HttpSettings

GRAPH_URL = "https://graph.microsoft.com/v1.0/"
AUTHORITY_URL = "https://login.microsoftonline.com/"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class MsGraphCalendarSettings(HttpSettings):
    """One school's Microsoft 365 tenant: who Doorstep signs in as, and whose calendars."""

    base_url: AnyHttpUrl = Field(
        default=AnyHttpUrl(GRAPH_URL),
        description="Microsoft Graph's root; change only for a national cloud.",
        examples=[GRAPH_URL],
    )
    tenant_id: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9.-]+$",
        description=(
            "The school's Microsoft Entra tenant: its Directory (tenant) ID or its "
            "primary domain (Entra admin centre → Overview)."
        ),
    )
    client_id: str = Field(
        min_length=1,
        max_length=100,
        description="The Application (client) ID of the app registration made for Doorstep.",
    )
    client_secret: SecretStr = Field(
        description=(
            "A client secret of that app registration (Certificates & secrets). Give it "
            "through an env var or a secrets file; it expires, so note the date."
        ),
    )
    authority_url: AnyHttpUrl = Field(
        default=AnyHttpUrl(AUTHORITY_URL),
        description="Where tokens are issued; change only for a national cloud.",
    )
    scope: str = Field(
        default=GRAPH_SCOPE,
        min_length=1,
        description="The token scope: Graph's '.default', i.e. the app's consented permissions.",
    )
    mailboxes: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Staff id → the mailbox whose calendar they use (user principal name or "
            "Entra object id), e.g. { 'T0042' = 'j.smith@school.example' }. Staff not "
            "listed are left out of bookings."
        ),
    )
    organiser_mailbox: str | None = Field(
        default=None,
        description=(
            "A shared or resource mailbox that organises every visit booking, with the "
            "staff invited. Empty: the visit's lead member of staff organises it."
        ),
    )
    cancel_comment: str = Field(
        default="This home visit has been withdrawn.",
        min_length=1,
        max_length=200,
        description="What staff read when a booking is cancelled. Never put names here.",
    )
    token_refresh_margin_s: float = Field(
        default=300.0,
        ge=0,
        le=1800,
        description="A token is renewed this many seconds before it expires.",
    )

    @field_validator("authority_url")
    @classmethod
    def _reachable_authority(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        try:
            HttpSettings(base_url=url)  # the same never-reachable address check as base_url
        except ValueError:
            raise ValueError("authority_url points at an address never reachable") from None
        return url

    def authority_http(self) -> HttpSettings:
        """HTTP settings for the token endpoint: these timeouts, one attempt each time."""
        values = {name: getattr(self, name) for name in HttpSettings.model_fields}
        return HttpSettings.model_validate(
            {**values, "base_url": self.authority_url, "max_attempts": 1}
        )
