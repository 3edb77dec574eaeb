"""``PrincipalCache``: a token's caller, remembered for a few seconds, never past a change."""

from __future__ import annotations

from hub.api.principals import TOKEN_CACHE_SECONDS, PrincipalCache
from hub.auth.roles import Membership, Principal, Role
from tests.factories import SCHOOL


def _principal(user_id: str = "u-1") -> Principal:
    membership = Membership(
        user_id=user_id, school_id=SCHOOL, staff_id="s-1", roles=frozenset({Role.STAFF})
    )
    return Principal(user_id=user_id, memberships=(membership,))


def _cache(now: list[float], limit: int = 100) -> PrincipalCache:
    return PrincipalCache(clock=lambda: now[0], limit=limit)


def test_a_caller_is_remembered_for_the_ttl_only() -> None:
    now = [100.0]
    cache = _cache(now)
    cache.put("hash-1", _principal(), changes=7, read_at=cache.clock())
    now[0] += TOKEN_CACHE_SECONDS - 0.01
    assert cache.get("hash-1", changes=7) == _principal()
    now[0] += 0.01
    assert cache.get("hash-1", changes=7) is None
    now[0] = 100.0
    assert cache.get("hash-1", changes=7) is None  # forgotten, not merely hidden


def test_any_change_to_users_tokens_or_roles_forgets_it() -> None:
    cache = _cache([0.0])
    cache.put("hash-1", _principal(), changes=7, read_at=cache.clock())
    assert cache.get("hash-1", changes=8) is None
    assert cache.get("hash-1", changes=7) is None


def test_callers_are_kept_by_token_hash() -> None:
    cache = _cache([0.0])
    cache.put("hash-1", _principal("u-1"), changes=0, read_at=cache.clock())
    cache.put("hash-2", _principal("u-2"), changes=0, read_at=cache.clock())
    assert cache.get("hash-1", changes=0) == _principal("u-1")
    assert cache.get("hash-2", changes=0) == _principal("u-2")
    assert cache.get("hash-3", changes=0) is None


def test_a_full_cache_starts_again_empty() -> None:
    cache = _cache([0.0], limit=2)
    cache.put("hash-1", _principal(), changes=0, read_at=cache.clock())
    cache.put("hash-2", _principal(), changes=0, read_at=cache.clock())
    cache.put("hash-3", _principal(), changes=0, read_at=cache.clock())
    assert cache.get("hash-1", changes=0) is None
    assert cache.get("hash-3", changes=0) == _principal()


def test_the_ttl_runs_from_when_the_database_was_read() -> None:
    now = [100.0]
    cache = _cache(now)
    read_at = cache.clock()
    now[0] += 3.0  # a slow look-up
    cache.put("hash-1", _principal(), changes=0, read_at=read_at)
    now[0] = read_at + TOKEN_CACHE_SECONDS - 0.01
    assert cache.get("hash-1", changes=0) == _principal()
    now[0] = read_at + TOKEN_CACHE_SECONDS
    assert cache.get("hash-1", changes=0) is None
