"""The Doorstep adapter contract, run against the Example MIS fake."""

from hub.testing import adapter_contract

from doorstep_example import ExampleAdapter, fake
from doorstep_example.settings import ExampleSettings

TestExampleContract = adapter_contract(
    ExampleAdapter,
    fake=fake,
    settings=lambda base_url: ExampleSettings(base_url=base_url, token=fake.TOKEN),
)
