"""Connectors: each turns one kind of source into posts and a cursor to resume from.

``fetch(config, cursor) -> FetchResult`` is all a connector is. Uploads and the push API do
not poll; they hand items straight to ``services.posts_ingest``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sitroom.monitoring.connectors import bluesky, feeds, jetstream, mastodon, telegram
from sitroom.monitoring.connectors.base import FetchError, FetchResult

CONNECTORS: dict[str, Callable[[dict[str, Any], dict[str, Any]], FetchResult]] = {
    "rss": feeds.fetch,
    "mastodon": mastodon.fetch,
    "bluesky": bluesky.fetch,
    "jetstream": jetstream.fetch,
    "telegram": telegram.fetch,
}


def _http_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://")) and len(value) > 8


def source_config_errors(kind: str, config: dict[str, Any]) -> list[str]:
    """What is wrong with a source's settings for its kind (empty when it can be polled)."""
    if not isinstance(config, dict):
        return ["settings must be a JSON object"]
    if kind == "rss" and not _http_url(config.get("url")):
        return ["url: the feed's http(s) address"]
    if kind == "mastodon" and not _http_url(config.get("instance")):
        return ["instance: the server's address, e.g. https://mastodon.social"]
    if kind == "bluesky" and not str(config.get("query") or "").strip():
        return ["query: what to search for, e.g. #Elections2027"]
    if kind == "telegram" and config.get("url") and not _http_url(config.get("url")):
        return ["url: the export's http(s) address (or none, to upload exports)"]
    if kind == "jetstream":
        return jetstream.config_errors(config)
    return []


__all__ = ["CONNECTORS", "FetchError", "FetchResult", "source_config_errors"]
