"""Settings of the ``wonde`` adapter: the token, the school and the region.

Beside its own fields it takes every ``HttpSettings`` field (timeouts, deadline,
attempts...). ``base_url`` follows the ``region`` unless it is given, for example to
point at the fake during ``doorstep demo``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator

from hub.http import HttpSettings

Region = Literal["uk", "anz"]

REGION_BASE_URLS: dict[str, str] = {
    "uk": "https://api.wonde.com/v1.0/",
    "anz": "https://api-ap-southeast-2.wonde.com/v1.0/",
}
"""Wonde's regional domains; the wrong one returns no data at all."""


class WondeSettings(HttpSettings):
    """One school's connection to Wonde."""

    token: SecretStr = Field(
        description=(
            "The Wonde API token of Doorstep's app (from the Wonde developer portal). "
            "Give it through an env var or a secrets file, never in the TOML file."
        ),
    )
    school_id: str = Field(
        pattern=r"^[A-Za-z0-9]{1,32}$",
        description="Wonde's id for the school, e.g. 'A1930499544' (not the DfE number).",
        examples=["A1930499544"],
    )
    region: Region = Field(
        default="uk",
        description=(
            "Where the school's data is held: 'uk' (UK and rest of the world, api.wonde.com) "
            "or 'anz' (Australia and New Zealand). Sets base_url unless base_url is given."
        ),
    )
    page_size: int = Field(
        default=100,
        ge=1,
        le=200,
        description="Records asked for per page; Wonde sends at most this many.",
    )

    @model_validator(mode="before")
    @classmethod
    def _base_url_from_region(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("base_url") in (None, ""):
            region = data.get("region", "uk")
            if region in REGION_BASE_URLS:
                return {**data, "base_url": REGION_BASE_URLS[region]}
        return data
