"""The hub's web server serves the ics adapter's staff feeds from the shared feed folder."""

from pathlib import Path

import httpx

from hub.adapters.ics.client import FeedStore
from hub.adapters.ics.settings import IcsSettings
from hub.settings import load_settings
from hub.store import Store
from hub.web.app import create_web_app


def _settings(tmp_path: Path, feed_dir: Path | None):
    path = tmp_path / "doorstep.toml"
    table = "[schools.hhs.adapters.ics]\n"
    if feed_dir is not None:
        table += f'feed_dir = "{feed_dir}"\n'
    path.write_text(f'[schools.hhs]\nname = "Harrogate"\npolicy_pack = "harrogate"\n\n{table}')
    return load_settings(path)


async def test_a_staff_feed_is_served_and_unknown_tokens_are_404(tmp_path: Path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    settings = _settings(tmp_path, feeds)
    token = FeedStore("hhs", IcsSettings(feed_dir=feeds)).issue_token("s-1")
    with Store.open(f"sqlite:///{tmp_path / 'web.db'}") as store:
        app = create_web_app(settings=settings, store=store)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            feed = await client.get(f"/ics/{token}.ics")
            unknown = await client.get(f"/ics/{'x' * 43}.ics")
    assert feed.status_code == 200
    assert feed.text.startswith("BEGIN:VCALENDAR")
    assert unknown.status_code == 404


async def test_a_feed_kept_in_memory_is_not_served(tmp_path: Path):
    settings = _settings(tmp_path, None)
    with Store.open(f"sqlite:///{tmp_path / 'web.db'}") as store:
        app = create_web_app(settings=settings, store=store)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            response = await client.get(f"/ics/{'x' * 43}.ics")
    assert response.status_code == 404
