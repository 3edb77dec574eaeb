"""Built-in plugin: by default, the pack's authorisation roles may authorise a visit.

Registered ``trylast``, so a school's own plugin can answer first (for example, a
welfare visit that must go to the lead DSL whatever the pack's usual authoriser).
"""

from __future__ import annotations

from hub import hookimpl
from hub.hooks.types import Authoriser
from hub.models import School, Visit
from hub.policy import PolicyPack


def default_authoriser(pack: PolicyPack) -> Authoriser:
    """Any one of the pack's authorisation roles, citing the pack's clause."""
    return Authoriser(
        roles=tuple(pack.authorisation.roles),
        source=f"pack {pack.id}: authorisation ({pack.authorisation.source})",
    )


@hookimpl(trylast=True)
def hub_resolve_authoriser(school: School, pack: PolicyPack, visit: Visit) -> Authoriser:
    """Default: the pack's authorisation roles."""
    return default_authoriser(pack)
