"""The hub's adapter contract, run against the CPOMS adapter and its fake."""

from hub.adapters.cpoms import CpomsAdapter, fake
from hub.adapters.cpoms.settings import CpomsSettings
from hub.testing import adapter_contract

TestCpomsContract = adapter_contract(
    CpomsAdapter,
    fake=fake,
    settings=lambda base_url: CpomsSettings(base_url=base_url, api_key=fake.API_KEY),
)
