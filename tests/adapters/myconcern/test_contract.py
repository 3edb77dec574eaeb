"""The hub's adapter contract, run against the MyConcern adapter and its fake."""

from hub.adapters.myconcern import MyConcernAdapter, fake
from hub.adapters.myconcern.settings import MyConcernSettings
from hub.testing import adapter_contract

TestMyConcernContract = adapter_contract(
    MyConcernAdapter,
    fake=fake,
    settings=lambda base_url: MyConcernSettings(
        base_url=base_url, api_key=fake.API_KEY, organisation_id=fake.ORGANISATION_ID
    ),
)
