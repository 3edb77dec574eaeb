"""The hub's adapter contract, run against the govuk_notify adapter and its fake Notify."""

from hub.adapters.govuk_notify import NotifyAdapter, fake
from hub.adapters.govuk_notify.settings import NotifySettings
from hub.testing import SuiteConfig, adapter_contract

STAFF = fake.seeded_staff()


def settings(base_url: str) -> NotifySettings:
    return NotifySettings.model_validate(
        {
            "base_url": base_url,
            "api_key": fake.API_KEY,
            "templates": fake.TEMPLATES,
            "sms": {"staff": {"kit-staff-1": [STAFF["staff-1"]["phone"]]}},
        }
    )


TestNotifyContract = adapter_contract(
    NotifyAdapter,
    fake=fake,
    settings=settings,
    suite=SuiteConfig(notification_channel="sms", pupil_id="kit-pupil"),
)
