"""The hub's adapter contract, run against the teams adapter and its fake Workflows host."""

from hub.adapters.teams import TeamsAdapter, fake
from hub.adapters.teams.settings import TeamsSettings
from hub.notify import Directory
from hub.testing import SuiteConfig, adapter_contract


def settings(base_url: str) -> TeamsSettings:
    return TeamsSettings(
        base_url=base_url,
        webhooks=fake.webhook_urls(base_url),
        directory=Directory(staff={"kit-staff-1": ["office"]}),
    )


TestTeamsContract = adapter_contract(
    TeamsAdapter,
    fake=fake,
    settings=settings,
    suite=SuiteConfig(notification_channel="teams", pupil_id="kit-pupil"),
)
