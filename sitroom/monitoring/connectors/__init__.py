"""Connectors: each turns one kind of source into posts and a cursor to resume from.

``fetch(config, cursor) -> FetchResult`` is all a connector is. Uploads and the push API do
not poll; they hand items straight to ``services.posts_ingest``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

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


_TAG = re.compile(r"^#?\w+$")


def _limit_error(config: dict[str, Any], most: int) -> list[str]:
    value = config.get("limit")
    if value is None or (
        isinstance(value, int) and not isinstance(value, bool) and 0 < value <= most
    ):
        return []
    return [f"limit: a whole number from 1 to {most}"]


def source_config_errors(kind: str, config: dict[str, Any]) -> list[str]:
    """What is wrong with a source's settings for its kind (empty when it can be polled)."""
    if not isinstance(config, dict):
        return ["settings must be a JSON object"]
    if kind == "rss" and not _http_url(config.get("url")):
        return ["url: the feed's http(s) address"]
    if kind == "mastodon":
        instance = config.get("instance")
        if not _http_url(instance) or urlsplit(str(instance)).path.strip("/"):
            return ["instance: the server's address, without a path, e.g. https://mastodon.social"]
        tag = config.get("tag")
        if tag is not None and not (isinstance(tag, str) and _TAG.match(tag)):
            return ["tag: one hashtag, letters, digits and _ only, e.g. Uchaguzi2027"]
        return _limit_error(config, 40)
    if kind == "bluesky":
        if not isinstance(config.get("query"), str) or not config["query"].strip():
            return ["query: what to search for, e.g. #Elections2027"]
        if "service" in config and not _http_url(config["service"]):
            return ["service: the AppView's http(s) address"]
        lang = config.get("lang")
        if lang is not None and not (isinstance(lang, str) and jetstream.LANG_CODE.match(lang)):
            return ["lang: a language code, e.g. fr or pt-BR"]
        return _limit_error(config, 100)
    if kind == "telegram" and config.get("url") and not _http_url(config.get("url")):
        return ["url: the export's http(s) address (or none, to upload exports)"]
    if kind == "jetstream":
        return jetstream.config_errors(config)
    return []


__all__ = ["CONNECTORS", "FetchError", "FetchResult", "source_config_errors"]
