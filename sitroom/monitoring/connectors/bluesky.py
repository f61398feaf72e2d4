"""Bluesky search (``app.bsky.feed.searchPosts``), newest first, resuming from a date.

Each poll asks for posts ``since`` the newest one already seen and follows ``cursor`` for
up to MAX_PAGES pages. The public AppView is https://public.api.bsky.app (no login).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sitroom.monitoring.connectors.base import FetchResult, http_get
from sitroom.monitoring.items import PostIn, parse_when

MAX_PAGES = 5


def _web_url(post: dict[str, Any]) -> str:
    handle = (post.get("author") or {}).get("handle", "")
    rkey = post.get("uri", "").rsplit("/", 1)[-1]
    return f"https://bsky.app/profile/{handle}/post/{rkey}" if handle and rkey else ""


def _item(post: dict[str, Any]) -> PostIn | None:
    record = post.get("record") or {}
    text = (record.get("text") or "").strip()
    if not text:
        return None
    media = []
    embed = post.get("embed") or {}
    for image in embed.get("images") or []:
        media.append(
            {"url": image.get("fullsize", ""), "type": "image", "alt": image.get("alt", "")}
        )
    langs = record.get("langs") or []
    return PostIn(
        external_id=post["uri"],
        text=text,
        url=_web_url(post),
        author=(post.get("author") or {}).get("handle", "")[:200],
        published_at=parse_when(record.get("createdAt") or post.get("indexedAt")),
        language=(langs[0] if langs else "")[:12],
        media=media,
    )


def fetch(config: dict[str, Any], cursor: dict[str, Any]) -> FetchResult:
    base = config.get("service", "https://public.api.bsky.app").rstrip("/")
    params: dict[str, Any] = {
        "q": config["query"],
        "sort": "latest",
        "limit": int(config.get("limit", 100)),
    }
    if config.get("lang"):
        params["lang"] = config["lang"]
    if cursor.get("since"):
        params["since"] = cursor["since"]
    items: list[PostIn] = []
    newest = cursor.get("since", "")
    page_cursor = None
    for _page in range(MAX_PAGES):
        query = dict(params, **({"cursor": page_cursor} if page_cursor else {}))
        data = http_get(
            f"{base}/xrpc/app.bsky.feed.searchPosts?{urlencode(query)}",
            headers={"Accept": "application/json"},
        ).json()
        for post in data.get("posts") or []:
            indexed = post.get("indexedAt") or (post.get("record") or {}).get("createdAt", "")
            newest = max(newest, indexed)
            item = _item(post)
            if item is not None:
                items.append(item)
        page_cursor = data.get("cursor")
        if not page_cursor or not data.get("posts"):
            break
    return FetchResult(items, {**cursor, "since": newest} if newest else dict(cursor))
