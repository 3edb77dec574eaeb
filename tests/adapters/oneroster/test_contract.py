"""The hub's adapter contract suite, run against the OneRoster adapter and its fake."""

from hub.adapters.oneroster import OneRosterAdapter, fake
from hub.adapters.oneroster.settings import OneRosterSettings
from hub.testing import SuiteConfig, adapter_contract


def settings(base_url: str) -> OneRosterSettings:
    """Settings for the fake at ``base_url``, with the credentials it accepts."""
    root = base_url.rstrip("/")
    return OneRosterSettings(
        base_url=f"{root}/ims/oneroster/rostering/v1p2",
        token_url=f"{root}/oauth/token",
        client_id=fake.FakeState.client_id,
        client_secret=fake.FakeState.client_secret,
    )


TestOneRosterContract = adapter_contract(
    OneRosterAdapter,
    fake=fake,
    settings=settings,
    suite=SuiteConfig(auth_failure_requests=3),  # a refused token is replaced once
)
