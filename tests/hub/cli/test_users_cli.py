"""`doorstep users`: add, grant, a token shown once that works, revoke, list."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.auth.secrets import token_hash
from hub.cli import main
from hub.store import Store
from hub.store.users import UserStore
from tests.factories import SCHOOL


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'doorstep.db'}"


@pytest.fixture(autouse=True)
def config(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "doorstep.toml"
    path.write_text(
        f'database_url = "{database_url}"\n'
        f"[schools.{SCHOOL}]\n"
        'name = "St Michael\'s"\n'
        f'policy_pack = "{SCHOOL}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DOORSTEP_CONFIG", str(path))
    monkeypatch.setenv("DOORSTEP_LOAD_PLUGINS", "risk_rules,ladder,authoriser,audit")
    return path


def test_a_token_is_shown_once_and_only_its_hash_is_kept(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "add", "alex"]) == 0
    assert (
        main(
            [
                "users",
                "grant",
                "alex",
                "--school",
                SCHOOL,
                "--role",
                "dsl",
                "--role",
                "office",
                "--staff",
                "s-9",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["users", "token", "alex", "--label", "laptop"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    with Store.open(database_url) as store:
        users = UserStore(store.engine)
        principal = users.principal_for_token(token_hash(token))
        stored = users.tokens("alex")
    assert principal is not None
    membership = principal.at(SCHOOL)
    assert membership is not None
    assert sorted(membership.roles) == ["dsl", "office"]
    assert token not in repr(stored)
    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert f"token {stored[0].id} (laptop): active" in listing
    assert token not in listing
    assert main(["users", "revoke", stored[0].id]) == 0
    with Store.open(database_url) as store:
        assert UserStore(store.engine).principal_for_token(token_hash(token)) is None


def test_unknown_users_and_tokens_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "token", "nobody"]) == 2
    assert main(["users", "revoke", "nope"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("doorstep:")]
    assert err == [
        "doorstep: error: no user nobody: add them first",
        "doorstep: error: no active token nope",
    ]
