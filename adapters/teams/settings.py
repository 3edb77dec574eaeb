"""The teams adapter's settings: ``[adapters.teams]`` / ``[schools.<s>.adapters.teams]``."""

from __future__ import annotations

from typing import Self

import httpx
from pydantic import ConfigDict, Field, SecretStr, model_validator

from hub.http import HttpSettings
from hub.models.base import Slug
from hub.notify import (
    Directory,
    MessageSettings,
    channels_field,
    message_field,
)


class TeamsSettings(HttpSettings):
    """The school's Teams Workflows webhooks, who each reaches, and what cards say.

    ``base_url`` (inherited) is the Workflows host every webhook URL is on, e.g.
    ``https://prod-12.uksouth.logic.azure.com/``; HTTP settings are inherited.
    """

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    webhooks: dict[Slug, SecretStr] = Field(
        default_factory=dict,
        description=(
            "Webhook name → the full URL Teams gave for its 'When a Teams webhook request "
            "is received' workflow. The URL (its sig= part) is the credential: a secret."
        ),
    )
    directory: Directory = Field(
        default_factory=Directory,
        description="Staff roles and staff ids → the names of the webhooks that reach them.",
    )
    channels: list[Slug] = channels_field("teams")
    message: MessageSettings = message_field()

    @model_validator(mode="after")
    def _webhooks_on_base_url(self) -> Self:
        base = httpx.URL(str(self.base_url))
        for name, secret in self.webhooks.items():
            try:
                url = httpx.URL(secret.get_secret_value())
            except (httpx.InvalidURL, TypeError):
                raise ValueError(f"webhook '{name}' is not a URL") from None
            if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
                raise ValueError(f"webhook '{name}' is not on base_url's scheme, host and port")
        unknown = sorted(set(self.directory.addresses()) - set(self.webhooks))
        if unknown:
            raise ValueError(f"the directory names webhooks not configured: {', '.join(unknown)}")
        return self
