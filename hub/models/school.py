"""A school served by the hub. One hub serves many schools (a trust, an authority)."""

from pydantic import Field

from hub.models.base import DomainModel, Slug


class School(DomainModel):
    """A school and the policy pack it runs visits under."""

    id: Slug = Field(description="Short identifier used in config, URLs and every stored row.")
    name: str = Field(min_length=1, description="The school's name as letters show it.")
    policy_pack: Slug = Field(description="Identifier of the policy pack this school follows.")
    timezone: str = Field(
        default="Europe/London", description="IANA zone used only to display times."
    )
