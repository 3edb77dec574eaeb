"""The ``postgres_url`` fixture: skip without PostgreSQL, fail under CI, isolate each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from hub.store.engine import build_engine

CONFTEST = Path(__file__).parents[2] / "conftest.py"
UNREACHABLE = "postgresql+psycopg://127.0.0.1:1/test"

USES_POSTGRES = """
def test_needs_postgres(postgres_url):
    assert postgres_url
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(USES_POSTGRES)
    monkeypatch.setenv("DOORSTEP_TEST_POSTGRES_URL", UNREACHABLE)
    return pytester


def test_unreachable_postgres_skips(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    suite.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(skipped=1)


def test_unreachable_postgres_fails_under_ci(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*PostgreSQL unreachable*CI=true needs it*"])


@pytest.mark.postgres
def test_each_test_gets_an_empty_schema_of_its_own(postgres_url: str) -> None:
    engine = build_engine(postgres_url)
    try:
        with engine.connect() as db:
            schema = db.scalar(text("SELECT current_schema()"))
            tables = db.scalar(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                {"s": schema},
            )
    finally:
        engine.dispose()
    assert str(schema).startswith("doorstep_test_")
    assert tables == 0
