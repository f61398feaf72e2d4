"""RSS and Atom feeds (feedparser), with conditional GET (ETag / Last-Modified)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import feedparser

from sitroom.monitoring.connectors.base import FetchError, FetchResult, http_get, strip_html
from sitroom.monitoring.items import PostIn


def fetch(config: dict[str, Any], cursor: dict[str, Any]) -> FetchResult:
    headers = {}
    if cursor.get("etag"):
        headers["If-None-Match"] = cursor["etag"]
    if cursor.get("last_modified"):
        headers["If-Modified-Since"] = cursor["last_modified"]
    resp = http_get(config["url"], headers=headers)
    if resp.status == 304:
        return FetchResult([], dict(cursor))
    feed = feedparser.parse(resp.body)
    if not feed.version and not feed.entries:
        # An HTML page or a JSON answer parses as an empty feed: say so instead of polling it
        # for ever with no posts and no error.
        reason = getattr(feed.get("bozo_exception"), "args", [""])[0] if feed.get("bozo") else ""
        raise FetchError(
            f"{config['url']} is not an RSS or Atom feed" + (f" ({reason})" if reason else "")
        )
    items = []
    for entry in feed.entries:
        link = entry.get("link", "")
        external_id = entry.get("id") or link or entry.get("title", "")
        title = strip_html(entry.get("title", ""))
        summary = strip_html(entry.get("summary", ""))
        text = title if not summary or summary.startswith(title) else f"{title}\n{summary}"
        if not external_id or not text:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append(
            PostIn(
                external_id=str(external_id)[:300],
                text=text or summary,
                url=link,
                author=entry.get("author", "")[:200],
                published_at=(
                    dt.datetime.fromtimestamp(calendar.timegm(when), tz=dt.UTC) if when else None
                ),
                language=(feed.feed.get("language") or "")[:2],
            )
        )
    new_cursor = dict(cursor)
    if resp.headers.get("etag"):
        new_cursor["etag"] = resp.headers["etag"]
    if resp.headers.get("last-modified"):
        new_cursor["last_modified"] = resp.headers["last-modified"]
    return FetchResult(items, new_cursor)
