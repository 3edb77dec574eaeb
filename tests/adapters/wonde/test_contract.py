"""The hub's adapter contract, run against the Wonde adapter and its fake."""

from hub.adapters.wonde import WondeAdapter, fake
from hub.adapters.wonde.settings import WondeSettings
from hub.testing import SuiteConfig, adapter_contract


def settings(base_url: str) -> WondeSettings:
    """The fake's token and school, with the kit's base URL and Wonde's version path."""
    return WondeSettings.model_validate(
        {"token": fake.TOKEN, "school_id": fake.SCHOOL_ID, "base_url": f"{base_url}v1.0/"}
    )


TestWondeContract = adapter_contract(
    WondeAdapter,
    fake=fake,
    settings=settings,
    suite=SuiteConfig(
        skip={
            "pull_follows_every_page[hub_pull_contacts]": (
                "Wonde sends a pupil's contacts inside the student record "
                "(include=contacts): one request, no pages to follow"
            )
        }
    ),
)
