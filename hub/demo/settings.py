"""The live demo's school and settings: every adapter pointed at the fake server.

The demo school uses the ``csv`` adapter as its MIS (exports written by the csv fake
into the scratch folder, agreements written back beside them), ``cpoms`` for risk
flags and visit notes, ``msgraph_calendar`` for bookings, and GOV.UK Notify (SMS and
e-mail) and Teams as escalation channels. Each HTTP adapter's ``base_url`` is its
fake's mount on the fake server, and loopback is allowed (``allow_private_cidrs``).

The settings are written as a TOML file in the scratch folder and read back with
``load_settings``, the way a hub reads its own: the file is a worked example of a
school's configuration. The fakes' keys are literal (``dev_mode``): they open nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub.adapters.cpoms import fake as cpoms_fake
from hub.adapters.govuk_notify import fake as notify_fake
from hub.adapters.msgraph_calendar import fake as graph_fake
from hub.adapters.teams import fake as teams_fake
from hub.demo.roster import DemoRoster
from hub.fakes import RunningFakes
from hub.models import StaffRole
from hub.settings import HubSettings, load_settings

DEMO_SCHOOL = "doorstep-demo"
"""The demo school's id, and its pack's."""
DEMO_PACK = Path(__file__).with_name("demo-pack.toml")
"""The short demo pack: seconds, not minutes (package data)."""
DEMO_FAKES = ("cpoms", "csv", "govuk_notify", "msgraph_calendar", "teams")
"""The fakes the live demo needs."""
LOOPBACK = ["127.0.0.0/8"]
HTTP = {"allow_private_cidrs": LOOPBACK, "deadline_s": 10.0, "max_attempts": 2}
"""What every demo HTTP adapter shares: the fake server is on loopback, and quick."""
ROLE_HOLDERS = {
    StaffRole.OFFICE: StaffRole.OFFICE,
    StaffRole.DUTY_SENIOR_LEADER: StaffRole.DEPUTY_HEAD,
    StaffRole.SENIOR_LEADER: StaffRole.SENIOR_LEADER,
    StaffRole.HEADTEACHER: StaffRole.HEADTEACHER,
    StaffRole.DSL: StaffRole.DSL,
}
"""Who answers for each role the ladder reaches (the deputy head is the duty leader)."""


def demo_settings(fakes: RunningFakes, roster: DemoRoster, scratch: Path) -> HubSettings:
    """Write the demo's settings file into ``scratch`` and load it.

    ``DOORSTEP_*`` environment variables still apply on top (a disabled plugin stays
    disabled), except the database, which is always the scratch folder's.
    """
    path = scratch / "doorstep-demo.toml"
    path.write_text(to_toml(settings_data(fakes, roster)), encoding="utf-8")
    return load_settings(
        path, data_dir=scratch, database_url=f"sqlite:///{scratch / 'doorstep.db'}"
    )


def settings_data(fakes: RunningFakes, roster: DemoRoster) -> dict[str, Any]:
    """The demo hub's settings as the TOML file's tables."""
    return {
        "dev_mode": True,
        "schools": {
            DEMO_SCHOOL: {
                "name": "Doorstep Demo Academy (fake)",
                "policy_pack": str(DEMO_PACK),
                "adapters": {
                    "csv": {"folder": str(fakes.folders["csv"])},
                    "cpoms": cpoms_settings(fakes),
                    "msgraph_calendar": calendar_settings(fakes, roster),
                    "govuk_notify": notify_settings(fakes, roster),
                    "teams": teams_settings(fakes),
                },
            }
        },
    }


def cpoms_settings(fakes: RunningFakes) -> dict[str, Any]:
    """The fake CPOMS host and its key; notes filed under 'Home visit', DSL team alerted."""
    return {
        **HTTP,
        "base_url": fakes.url_for("cpoms"),
        "api_key": cpoms_fake.API_KEY,
        "alert_groups": ["Attendance"],
    }


def calendar_settings(fakes: RunningFakes, roster: DemoRoster) -> dict[str, Any]:
    """The fake Graph tenant; the two visiting staff's mailboxes."""
    url = fakes.url_for("msgraph_calendar")
    staff = [member.id for member in roster.staff[:2]]
    return {
        **HTTP,
        "base_url": url,
        "authority_url": url,
        "tenant_id": graph_fake.TENANT,
        "client_id": graph_fake.CLIENT_ID,
        "client_secret": graph_fake.CLIENT_SECRET,
        "mailboxes": dict(zip(staff, graph_fake.MAILBOXES, strict=False)),
    }


def notify_settings(fakes: RunningFakes, roster: DemoRoster) -> dict[str, Any]:
    """The fake Notify service: SMS and e-mail, addressed from the demo's staff."""
    sms: dict[str, Any] = {"roles": {}, "staff": {}}
    email: dict[str, Any] = {"roles": {}, "staff": {}}
    for member in roster.staff:
        sms["staff"][member.id] = [member.mobile] if member.mobile else []
        email["staff"][member.id] = [member.email] if member.email else []
    for role, holder_role in ROLE_HOLDERS.items():
        holder = roster.staff_with(holder_role)
        sms["roles"][role.value] = [holder.mobile] if holder.mobile else []
        email["roles"][role.value] = [holder.email] if holder.email else []
    return {
        **HTTP,
        "base_url": fakes.url_for("govuk_notify"),
        "api_key": notify_fake.API_KEY,
        "templates": {kind: notify_fake.TEMPLATES[kind] for kind in ("sms", "email")},
        "channels": {"sms": "sms", "email": "email"},
        "sms": sms,
        "email": email,
    }


def teams_settings(fakes: RunningFakes) -> dict[str, Any]:
    """The fake Workflows host's webhooks: the office, the DSLs and senior leaders."""
    url = fakes.url_for("teams")
    return {
        **HTTP,
        "base_url": url,
        "webhooks": teams_fake.webhook_urls(url),
        "directory": {
            "roles": {
                StaffRole.OFFICE.value: ["office"],
                StaffRole.DSL.value: ["dsl"],
                StaffRole.SENIOR_LEADER.value: ["senior"],
                StaffRole.DUTY_SENIOR_LEADER.value: ["senior"],
                StaffRole.HEADTEACHER.value: ["senior"],
            }
        },
    }


def to_toml(data: dict[str, Any]) -> str:
    """``data`` as TOML: one ``key = value`` line per top-level key, tables inline."""
    return "".join(f"{_key(key)} = {_value(value)}\n" for key, value in data.items())


def _key(key: str) -> str:
    return json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")
