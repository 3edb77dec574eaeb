"""The adapter contract kit: one line per adapter runs the hub's shared checks.

``adapter_contract(AdapterClass, fake=..., settings=..., suite=SuiteConfig(...))``
builds a pytest class (see ``hub.testing.contract``). ``hub.testing.fixtures`` is an
opt-in pytest plugin (``pytest_plugins = ["hub.testing.fixtures"]``) with
``hooks_for`` and friends. Shipped in the wheel; imports pytest, so use it in tests.
"""

from hub.testing.config import SuiteConfig
from hub.testing.contract import adapter_contract
from hub.testing.fakes import Fake, FakeBackend, FakeBackendState
from hub.testing.harness import CountingTransport, RecordingSleep

__all__ = [
    "CountingTransport",
    "Fake",
    "FakeBackend",
    "FakeBackendState",
    "RecordingSleep",
    "SuiteConfig",
    "adapter_contract",
]
