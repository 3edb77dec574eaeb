"""Browser tests: Playwright driving Debian's chromium (``/usr/bin/chromium``, installed by
``make test``; never a downloaded browser), headless, against a live hub.

Under ``CI=true`` they must run: a missing chromium or playwright fails them. Elsewhere
they skip when chromium is not installed. Screenshots go to ``test-artifacts/browser/``
(git-ignored), named after the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.live import LiveHub, build_live_hub

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (make test installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless chromium, shared by one module's browser tests.

    Module scope, not session: Playwright's sync API keeps an event loop running in
    the main thread while it is open, and every later asyncio test would fail.
    """
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    """The live hub, for one test module."""
    hub, app = build_live_hub(tmp_path_factory.mktemp("live"))
    hub.start(app)
    try:
        yield hub
    finally:
        hub.stop()
        hub.store.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """Where the test saves screenshots; copied to ``test-artifacts/browser/`` after it."""
    yield tmp_path
    target = request.config.rootpath / "test-artifacts" / "browser"
    target.mkdir(parents=True, exist_ok=True)
    for shot in tmp_path.glob("*.png"):
        shutil.copy2(shot, target / f"{request.node.name}-{shot.name}")
