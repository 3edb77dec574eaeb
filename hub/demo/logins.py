"""The live demo's sign-ins: one user per role at the demo school, for the web UI.

Each user is a member of the demo's generated staff (a fake person) holding one role.
All five share one password, random for every run and printed once at the start: the
users live only in the demo's scratch database, removed when the demo ends.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from hub.auth.roles import Membership, Role
from hub.auth.secrets import hash_password
from hub.demo.roster import DemoRoster
from hub.models import StaffRole
from hub.store.users import UserStore

PLAYED_BY: dict[Role, tuple[StaffRole, ...]] = {
    Role.OFFICE: (StaffRole.OFFICE,),
    Role.DSL: (StaffRole.LEAD_DSL, StaffRole.DSL),
    Role.SENIOR_LEADER: (StaffRole.DEPUTY_HEAD,),
    Role.STAFF: (StaffRole.ATTENDANCE_OFFICER,),
    Role.ADMIN: (StaffRole.HEADTEACHER,),
}
"""Which of the demo's staff signs in with each role (staff: the lead on the visit)."""
SHOWS = {
    Role.OFFICE: "the office board: watch the visit go overdue and escalate",
    Role.DSL: "the DSL's queue",
    Role.SENIOR_LEADER: "the board, with risk detail",
    Role.STAFF: "the visit's lead: their visits and the check-in page",
    Role.ADMIN: "no visit data (deliveries, policy, users)",
}
"""What each login is for, as the demo prints it."""


@dataclass(frozen=True)
class DemoLogin:
    """One demo user: their sign-in name, role, the staff member they are, and what for."""

    user_id: str
    role: Role
    staff_id: str
    shows: str


def demo_logins(roster: DemoRoster) -> list[DemoLogin]:
    """One login per role, each played by a member of the demo's staff."""
    return [
        DemoLogin(
            user_id=f"demo-{role.value.replace('_', '-')}",
            role=role,
            staff_id=roster.staff_with(*staff_roles).id,
            shows=SHOWS[role],
        )
        for role, staff_roles in PLAYED_BY.items()
    ]


def new_demo_password() -> str:
    """A password for one run of the demo."""
    return secrets.token_urlsafe(9)


def add_demo_users(
    users: UserStore, school_id: str, logins: list[DemoLogin], password: str, now: datetime
) -> None:
    """Create each login's user with ``password`` and its one role at ``school_id``."""
    hashed = hash_password(password)
    for login in logins:
        users.add_user(login.user_id, now, password_hash=hashed)
        users.grant(
            Membership(
                user_id=login.user_id,
                school_id=school_id,
                staff_id=login.staff_id,
                roles=frozenset({login.role}),
            )
        )
