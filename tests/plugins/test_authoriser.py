"""The default authoriser comes from the pack."""

from __future__ import annotations

from hub.models import StaffRole
from hub.plugins import authoriser
from tests import factories
from tests.hub.hooks.support import hooks_for


def test_the_default_authoriser_is_the_packs_roles_and_cites_the_clause():
    answer = authoriser.default_authoriser(factories.pack("st-michaels"))
    assert answer.roles == (StaffRole.DEPUTY_HEAD,)
    assert "8.1.1" in answer.source


def test_hook_resolve_authoriser_default_through_the_facade():
    hooks = hooks_for(("authoriser", authoriser))
    assert hooks.resolve_authoriser(visit=factories.visit()).roles == (StaffRole.DEPUTY_HEAD,)
