"""The example adapter's settings: ``[adapters.example]`` / ``[schools.<s>.adapters.example]``."""

from __future__ import annotations

from hub.http import HttpSettings
from pydantic import ConfigDict, Field, SecretStr


class ExampleSettings(HttpSettings):
    """Where the Example MIS lives and the school's token; HTTP settings are inherited."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    token: SecretStr = Field(
        description="The school's API token, from the Example MIS admin page (Integrations)."
    )
    school_ref: str = Field(
        default="main",
        min_length=1,
        description="The Example MIS's reference for the school (shown on its admin page).",
    )
