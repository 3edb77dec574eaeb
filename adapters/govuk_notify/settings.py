"""The govuk_notify adapter's settings: ``[adapters.govuk_notify]`` or per school."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr, field_validator

from hub.adapters.govuk_notify.models import parse_api_key
from hub.http import HttpSettings
from hub.models.base import Slug
from hub.notify import Directory, MessageSettings, message_field

NotifyType = Literal["email", "sms", "letter"]

_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class NotifyTemplates(BaseModel):
    """The Notify template used for each kind of message (ids from the Templates page)."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    email: str | None = Field(
        default=None,
        pattern=_UUID,
        description="E-mail template id: ((subject)), ((body)), ((link)).",
    )
    sms: str | None = Field(
        default=None, pattern=_UUID, description="Text message template id: ((body)) ((link))."
    )
    letter: str | None = Field(
        default=None,
        pattern=_UUID,
        description="Letter template id: ((subject)), ((body)), ((link)).",
    )


class NotifySettings(HttpSettings):
    """The service's API key, its templates, who each channel reaches, and what is said."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    base_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://api.notifications.service.gov.uk/"),
        description="Notify's API root; change it only to point at a fake.",
    )
    api_key: SecretStr = Field(
        description=(
            "The API key from Notify's 'API integration' page: '<key name>-<service id>-"
            "<secret>'. A live key for real messages; a team key reaches the team only."
        ),
    )
    templates: NotifyTemplates = Field(
        default_factory=NotifyTemplates, description="Template ids per message kind."
    )
    channels: dict[Slug, NotifyType] = Field(
        default_factory=lambda: dict[str, NotifyType](sms="sms"),
        min_length=1,
        description=(
            "Pack channel name → the kind of Notify message sent for it, e.g. "
            "{ sms = 'sms', letter = 'letter' }. Leave 'email' to smtp if the school uses it."
        ),
    )
    email: Directory = Field(
        default_factory=Directory, description="Roles and staff ids → e-mail addresses."
    )
    sms: Directory = Field(
        default_factory=Directory, description="Roles and staff ids → mobile numbers."
    )
    letter: Directory = Field(
        default_factory=Directory,
        description="Roles and staff ids → postal addresses, lines separated by new lines.",
    )
    message: MessageSettings = message_field()

    @field_validator("api_key")
    @classmethod
    def _parses(cls, key: SecretStr) -> SecretStr:
        parse_api_key(key.get_secret_value())
        return key

    def directory(self, kind: NotifyType) -> Directory:
        """The directory for ``kind``."""
        return {"email": self.email, "sms": self.sms, "letter": self.letter}[kind]
