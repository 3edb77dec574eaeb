"""The webhook adapter's settings: ``[adapters.webhook]`` / ``[schools.<s>.adapters.webhook]``."""

from __future__ import annotations

import base64
import binascii

from pydantic import ConfigDict, Field, SecretStr, field_validator

from hub.http import HttpSettings
from hub.models.base import Slug
from hub.notify import MessageSettings, channels_field, message_field

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret


class WebhookSettings(HttpSettings):
    """Where events go, the signing secrets and which channels this adapter serves.

    ``base_url`` (inherited) is the receiver's address; HTTP settings are inherited.
    """

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    path: str = Field(
        default="/",
        pattern=r"^/[^\s?#]*$",
        description="Path of the receiving endpoint under base_url, e.g. /doorstep/events.",
    )
    signing_secret: SecretStr = Field(
        description=(
            "Standard Webhooks secret events are signed with: 'whsec_' and 24 to 64 random "
            "bytes in base64. Give the same value to the receiver."
        ),
    )
    incoming_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Secret that webhooks sent *to* the hub are verified with (whsec_...); "
            "unset: the signing secret."
        ),
    )
    tolerance_s: int = Field(
        default=300,
        ge=30,
        le=300,
        description="Oldest (or most future) webhook-timestamp accepted on incoming webhooks.",
    )
    channels: list[Slug] = channels_field("webhook")
    message: MessageSettings = message_field()

    @field_validator("signing_secret", "incoming_secret")
    @classmethod
    def _standard_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None:
            secret_bytes(secret)
        return secret


def secret_bytes(secret: SecretStr) -> bytes:
    """The key inside a ``whsec_`` secret; ValueError (without the value) if malformed."""
    text = secret.get_secret_value()
    if not text.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with 'whsec_'")
    try:
        key = base64.b64decode(text[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is 'whsec_' and base64") from None
    if not 24 <= len(key) <= 64:
        raise ValueError("a webhook secret holds 24 to 64 bytes")
    return key
