"""Authentication and the per-request checks of ``hub.api.access`` as FastAPI dependencies.

``Authorization: Bearer <token>``: the token's SHA-256 is looked up with the caller's
memberships and remembered for a few seconds (``hub.api.principals``): a token revoked
or a role removed through this process stops working at once, through another process
(the CLI) within ``TOKEN_CACHE_SECONDS`` (ASVS 8.3.2). Failures answer 401 with
``WWW-Authenticate: Bearer`` and say nothing about why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.api.access import Op, allowed, sees
from hub.api.context import ApiContext, context_of
from hub.api.problems import ApiProblemError, forbidden, not_found
from hub.auth.roles import Membership, Principal
from hub.auth.secrets import token_hash
from hub.models import StaffMember, Visit

bearer = HTTPBearer(auto_error=False, description="An API token from `doorstep users token`.")

MAX_TOKEN_LENGTH = 200


def unauthorised() -> ApiProblemError:
    """The one 401."""
    detail = "Send a valid API token: Authorization: Bearer <token>."
    return ApiProblemError(401, "unauthorised", detail, headers={"WWW-Authenticate": "Bearer"})


async def authenticate(request: Request) -> Principal:
    """The caller of ``request`` (cached on the request), or a 401 problem."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        raise unauthorised()
    ctx = context_of(request)
    principal = await ctx.principal_for(token_hash(token))
    if principal is None:
        raise unauthorised()
    request.state.principal = principal
    return principal


async def current_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Dependency: the authenticated caller."""
    return await authenticate(request)


@dataclass(frozen=True)
class Caller:
    """An authenticated caller at the school named in the URL."""

    ctx: ApiContext
    principal: Principal
    membership: Membership

    @property
    def school_id(self) -> str:
        """The school of the URL."""
        return self.membership.school_id

    def require(self, op: Op, visit: Visit | None = None) -> None:
        """403 unless the caller may do ``op``."""
        if not allowed(op, self.membership, visit):
            raise forbidden("Your role at this school does not allow this.")

    async def staff(self) -> StaffMember:
        """The caller as a member of staff of this school (the workflow's actor)."""
        found = await self.ctx.io(
            self.ctx.store.get_staff, self.school_id, self.membership.staff_id
        )
        if found is None:
            detail = "Your account is not linked to a member of staff the hub knows at this school."
            raise forbidden(detail)
        return found

    async def visit(self, visit_id: str, op: Op) -> Visit:
        """The visit, if the caller may see it (else 404) and do ``op`` on it (else 403)."""
        found = await self.ctx.look_up(self.ctx.store.get_visit, self.school_id, visit_id)
        if found is None or not sees(self.membership, found):
            raise not_found()
        self.require(op, found)
        return found


async def caller_at_school(
    school_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
) -> Caller:
    """Dependency: the caller at ``{school_id}``; 404 when they hold no role there."""
    membership = principal.at(school_id)
    if membership is None:
        raise not_found()
    return Caller(ctx=context_of(request), principal=principal, membership=membership)


CallerDep = Annotated[Caller, Depends(caller_at_school)]
