"""The hub's adapter contract, run against the webhook adapter and its fake receiver."""

from hub.adapters.webhook import WebhookAdapter, fake
from hub.adapters.webhook.settings import WebhookSettings
from hub.testing import SuiteConfig, adapter_contract

TestWebhookContract = adapter_contract(
    WebhookAdapter,
    fake=fake,
    settings=lambda base_url: WebhookSettings(base_url=base_url, signing_secret=fake.SECRET),
    suite=SuiteConfig(notification_channel="webhook", pupil_id="kit-pupil"),
)
