"""The hub's adapter contract, run against the Microsoft Graph calendar adapter and its fake."""

from hub.adapters.msgraph_calendar import MsGraphCalendarAdapter, fake
from hub.adapters.msgraph_calendar.settings import MsGraphCalendarSettings
from hub.testing import SuiteConfig, adapter_contract

TestMsGraphCalendarContract = adapter_contract(
    MsGraphCalendarAdapter,
    fake=fake,
    settings=lambda base_url: MsGraphCalendarSettings(
        base_url=base_url,
        authority_url=base_url,
        tenant_id=fake.TENANT,
        client_id=fake.CLIENT_ID,
        client_secret=fake.CLIENT_SECRET,
        mailboxes={"kit-staff-1": fake.MAILBOXES[0], "kit-staff-2": fake.MAILBOXES[1]},
    ),
    # A 401 is believed only after one new token: Graph 401, token, Graph 401.
    suite=SuiteConfig(pupil_id="kit-pupil", auth_failure_requests=3),
)
