"""Mastodon public timelines and hashtags (REST API, no account needed on most instances).

First poll: the newest page. Later polls: ``min_id`` = the newest id seen, following the
``Link: <...>; rel="prev"`` header page by page towards the present.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from sitroom.monitoring.connectors.base import FetchResult, http_get, strip_html
from sitroom.monitoring.items import PostIn, parse_when

MAX_PAGES = 10
_LINK = re.compile(r'<([^>]+)>;\s*rel="([^"]+)"')


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in _LINK.findall(header or "")}


def _item(status: dict[str, Any]) -> PostIn | None:
    shown = status.get("reblog") or status
    text = strip_html(shown.get("content", ""))
    if shown.get("spoiler_text"):
        text = f"{shown['spoiler_text']}\n{text}"
    if not text:
        return None
    account = shown.get("account") or {}
    return PostIn(
        external_id=str(status["id"]),
        text=text,
        url=shown.get("url") or shown.get("uri") or "",
        author=str(account.get("acct", ""))[:200],
        published_at=parse_when(status.get("created_at")),
        language=(shown.get("language") or "")[:12],
        media=[
            {"url": m.get("url", ""), "type": m.get("type", ""), "alt": m.get("description") or ""}
            for m in shown.get("media_attachments") or []
        ],
        extra={"reblog_of": str(status["reblog"]["id"])} if status.get("reblog") else {},
    )


def _endpoint(config: dict[str, Any]) -> str:
    base = config["instance"].rstrip("/")
    if config.get("tag"):
        return f"{base}/api/v1/timelines/tag/{quote(config['tag'].lstrip('#'), safe='')}"
    return f"{base}/api/v1/timelines/public"


def fetch(config: dict[str, Any], cursor: dict[str, Any]) -> FetchResult:
    params: dict[str, Any] = {"limit": int(config.get("limit", 40))}
    if config.get("local"):
        params["local"] = "true"
    if cursor.get("min_id"):
        params["min_id"] = cursor["min_id"]
    url: str | None = f"{_endpoint(config)}?{urlencode(params)}"
    items: list[PostIn] = []
    newest = int(cursor.get("min_id") or 0)
    pages = 0
    while url and pages < MAX_PAGES:
        resp = http_get(url, headers={"Accept": "application/json"})
        statuses = resp.json()
        pages += 1
        if not statuses:
            break
        for status in statuses:
            newest = max(newest, int(status["id"]))
            item = _item(status)
            if item is not None:
                items.append(item)
        if not cursor.get("min_id"):
            break  # first poll: take the newest page only, then go forward from it
        url = _links(resp.headers.get("link", "")).get("prev")
    return FetchResult(items, {**cursor, "min_id": str(newest)} if newest else dict(cursor))
