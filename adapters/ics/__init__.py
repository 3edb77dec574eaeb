"""Private ICS feeds of visit bookings, served by the hub. See README.md."""

from hub.adapters.ics.adapter import IcsAdapter
from hub.adapters.ics.feed import create_feed_app

__all__ = ["IcsAdapter", "create_feed_app"]
