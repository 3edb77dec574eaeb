"""``UserStore.principal_for_token``: the per-request look-up, on both backends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from hub.auth.roles import Membership, Role
from hub.store import Store
from hub.store.users import UserStore
from tests.factories import T0
from tests.hub.store.records import SCHOOL_A, SCHOOL_B


def _users(store: Store) -> UserStore:
    users = UserStore(store.engine, writer=store.writer)
    users.add_user("u-1", T0)
    users.add_token("u-1", "t-1", "hash-1", "phone", T0)
    return users


def test_a_token_names_its_user_with_every_membership(store: Store) -> None:
    users = _users(store)
    staff = Membership(
        user_id="u-1", school_id=SCHOOL_A, staff_id="s-1", roles=frozenset({Role.STAFF})
    )
    office = Membership(
        user_id="u-1",
        school_id=SCHOOL_B,
        staff_id="s-9",
        roles=frozenset({Role.OFFICE, Role.DSL}),
    )
    users.grant(staff)
    users.grant(office)

    found = users.principal_for_token("hash-1")

    assert found is not None
    assert found.user_id == "u-1"
    assert sorted(found.memberships, key=lambda m: m.school_id) == [staff, office]


def test_a_user_without_roles_is_still_the_tokens_user(store: Store) -> None:
    found = _users(store).principal_for_token("hash-1")
    assert found is not None
    assert (found.user_id, found.memberships) == ("u-1", ())


def test_unknown_revoked_and_disabled_tokens_name_nobody(store: Store) -> None:
    users = _users(store)
    assert users.principal_for_token("no-such-hash") is None
    users.add_token("u-1", "t-2", "hash-2", "laptop", T0)
    users.revoke_token("t-1", T0)
    assert users.principal_for_token("hash-1") is None
    assert users.principal_for_token("hash-2") is not None
    users.disable_user("u-1", T0)
    assert users.principal_for_token("hash-2") is None


def test_every_change_is_counted_for_the_callers_cache(store: Store) -> None:
    users = _users(store)
    counts = [users.changes]
    users.revoke_token("t-1", T0)
    counts.append(users.changes)
    users.disable_user("u-1", T0)
    counts.append(UserStore(store.engine).changes)  # any repository of this process
    assert counts[0] < counts[1] < counts[2]


def test_changes_from_worker_threads_are_all_counted(store: Store) -> None:
    users = _users(store)
    before = users.changes
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: users.add_user(f"u-{n + 2}", T0), range(40)))
    assert users.changes == before + 40
