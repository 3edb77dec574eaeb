"""What every signed-in page shows around its content: the school, the links the
caller's roles allow, and the sign-out form's CSRF token."""

from __future__ import annotations

from dataclasses import dataclass

from hub.api.report_routes import READS_REPORTS
from hub.api.security import Caller
from hub.auth.roles import SEES_EVERY_VISIT, SEES_RISK_DETAIL, Role
from hub.web.sessions import SessionKeys, WebSession


@dataclass(frozen=True)
class Nav:
    """The page's frame: school id, CSRF token and which links to show."""

    school_id: str
    user_id: str
    csrf: str
    board: bool
    queue: bool
    mine: bool
    reports: bool


def nav_for(caller: Caller, session: WebSession, keys: SessionKeys) -> Nav:
    """The frame of a page at the caller's school."""
    roles = caller.membership.roles
    return Nav(
        school_id=caller.school_id,
        user_id=caller.principal.user_id,
        csrf=keys.csrf_token(session.session_id),
        board=bool(roles & SEES_EVERY_VISIT),
        queue=bool(roles & SEES_RISK_DETAIL),
        mine=bool(roles - {Role.ADMIN}),
        reports=bool(roles & READS_REPORTS),
    )


def home_for(caller: Caller) -> str:
    """Where a signed-in user lands at a school: the board, the queue or their visits."""
    roles = caller.membership.roles
    base = f"/web/schools/{caller.school_id}"
    if roles & {Role.OFFICE, Role.SENIOR_LEADER}:
        return f"{base}/board"
    if Role.DSL in roles:
        return f"{base}/queue"
    return f"{base}/mine"
