"""Settings of the OneRoster adapter: ``[adapters.oneroster]`` in the hub's config."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, ConfigDict, Field, SecretStr, model_validator

from hub.http.settings import HttpSettings

CORE_SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly"
DEMOGRAPHICS_SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly"


class OneRosterSettings(HttpSettings):
    """How to reach a OneRoster 1.2 rostering service and which school's pupils to read."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    base_url: AnyHttpUrl = Field(
        description=(
            "Root of the provider's OneRoster 1.2 rostering API, ending in "
            "/ims/oneroster/rostering/v1p2."
        ),
        examples=["https://oneroster.example.org/ims/oneroster/rostering/v1p2"],
    )
    token_url: AnyHttpUrl = Field(
        description="The provider's OAuth 2 token endpoint (client credentials grant).",
        examples=["https://oneroster.example.org/oauth/token"],
    )
    client_id: str = Field(min_length=1, description="OAuth 2 client id the provider issued.")
    client_secret: SecretStr = Field(
        description="OAuth 2 client secret; supply it from an env var or a secrets file."
    )
    scope: str = Field(
        default=f"{CORE_SCOPE} {DEMOGRAPHICS_SCOPE}",
        description=(
            "Space-separated OAuth 2 scopes to ask for. Drop the demographics scope (and "
            "set demographics = false) if the provider does not grant it."
        ),
    )
    client_auth: Literal["basic", "body"] = Field(
        default="basic",
        description=(
            "How the client id and secret reach the token endpoint: HTTP Basic "
            "(client_secret_basic) or form fields (client_secret_post)."
        ),
    )
    school_sourced_id: str | None = Field(
        default=None,
        description=(
            "The school org's sourcedId, to read only that school's students when the "
            "service holds a whole trust or authority; unset reads every student."
        ),
    )
    demographics: bool = Field(
        default=True,
        description="Read dates of birth from /demographics (needs the demographics scope).",
    )
    page_size: int = Field(
        default=100,
        ge=1,
        le=1000,
        description="Records asked for per page (limit); servers may serve fewer.",
    )
    concurrency: int = Field(
        default=8,
        ge=1,
        le=32,
        description=(
            "Pages fetched at once when the server gives X-Total-Count; every fetch "
            "pauses while a 429 or 5xx back-off is running."
        ),
    )
    token_refresh_margin_s: float = Field(
        default=60.0,
        ge=0,
        description="Seconds before a token's expiry at which a new one is fetched.",
    )

    @model_validator(mode="after")
    def _connections_for_concurrency(self) -> OneRosterSettings:
        if self.concurrency > self.max_connections:
            raise ValueError("concurrency cannot exceed max_connections; raise max_connections")
        return self
