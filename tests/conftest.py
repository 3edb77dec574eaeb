"""Fixtures shared by the whole suite.

``postgres_url``: a fresh, empty schema in the test PostgreSQL for one test, dropped
afterwards, so parallel runs and leftovers never collide. The server comes from
``DOORSTEP_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://127.0.0.1:5432/test``).
When it is unreachable the test is skipped, except under ``CI=true``, where it fails.
Mark such tests ``@pytest.mark.postgres``.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import pytest
import structlog
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Every CLI call configures logging; put the root logger and structlog back after
    each test so one test's handlers never capture (or hide) another's log lines."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers = handlers
    root.setLevel(level)
    structlog.reset_defaults()


DEFAULT_POSTGRES_URL = "postgresql+psycopg://127.0.0.1:5432/test"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database URL whose ``search_path`` is a schema of its own, dropped after the test."""
    base = make_url(os.environ.get("DOORSTEP_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    schema = f"doorstep_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        where = base.render_as_string(hide_password=True)
        message = f"PostgreSQL unreachable at {where} ({type(exc.orig).__name__})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true needs it")
        pytest.skip(message)
    try:
        isolated = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield isolated.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
