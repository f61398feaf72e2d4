"""Connectors: each turns one kind of source into posts and a cursor to resume from.

``fetch(config, cursor) -> FetchResult`` is all a connector is. Uploads and the push API do
not poll; they hand items straight to ``services.posts_ingest``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sitroom.monitoring.connectors import bluesky, feeds, mastodon, telegram
from sitroom.monitoring.connectors.base import FetchError, FetchResult

CONNECTORS: dict[str, Callable[[dict[str, Any], dict[str, Any]], FetchResult]] = {
    "rss": feeds.fetch,
    "mastodon": mastodon.fetch,
    "bluesky": bluesky.fetch,
    "telegram": telegram.fetch,
}

__all__ = ["CONNECTORS", "FetchError", "FetchResult"]
