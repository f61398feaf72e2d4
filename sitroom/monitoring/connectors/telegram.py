"""Telegram public channels, from Telegram Desktop's JSON export (``result.json``).

A message's ``text`` is a string or a list of strings and entity objects
(``{"type": "link", "text": "..."}``); both are flattened to plain text. The cursor is the
highest message id imported, so a newer export of the same channel adds only new messages.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sitroom.monitoring.connectors.base import FetchResult, http_get
from sitroom.monitoring.items import ItemError, PostIn, parse_when

logger = logging.getLogger(__name__)


def flatten(text: Any) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(
            part
            if isinstance(part, str)
            else part["text"]
            if isinstance(part, dict) and isinstance(part.get("text"), str)
            else ""
            for part in text
        )
    return ""


def parse_export(data: Any, *, after_id: int = 0, channel: str = "") -> tuple[list[PostIn], int]:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise ItemError("not a Telegram export: no 'messages' list")
    username = channel or str(data.get("username") or "").lstrip("@")
    items: list[PostIn] = []
    newest = after_id
    for message in data["messages"]:
        if not isinstance(message, dict) or message.get("type") != "message":
            continue
        mid = message.get("id", 0)
        if isinstance(mid, str) and mid.isascii() and mid.isdigit():
            mid = int(mid)
        if not isinstance(mid, int) or isinstance(mid, bool):
            logger.warning("telegram export: message id %r skipped", mid)
            continue
        try:
            item = _item(data, message, mid, username)
        except ItemError as exc:  # one bad message must not lose the others
            logger.warning("telegram export: message %s skipped: %s", mid, exc)
            continue
        newest = max(newest, mid)
        if mid <= after_id or item is None:
            continue
        items.append(item)
    return items, newest


def _item(data: dict[str, Any], message: dict[str, Any], mid: int, username: str) -> PostIn | None:
    """The message as a post (None without text); ItemError for a bad date."""
    text = flatten(message.get("text")).strip()
    if not text:
        return None
    media = []
    if message.get("photo"):
        media.append({"url": str(message["photo"]), "type": "image"})
    when = message.get("date_unixtime") or message.get("date")
    return PostIn(
        external_id=f"{data.get('id', username)}:{mid}",
        text=text,
        url=f"https://t.me/{username}/{mid}" if username else "",
        author=str(message.get("from") or data.get("name") or "")[:200],
        published_at=parse_when(when),
        media=media,
        extra={"forwarded_from": message["forwarded_from"]}
        if message.get("forwarded_from")
        else {},
    )


def fetch(config: dict[str, Any], cursor: dict[str, Any]) -> FetchResult:
    """Poll an export published at ``config["url"]`` (e.g. by an exporter on the LAN)."""
    data = json.loads(http_get(config["url"]).body.decode("utf-8"))
    items, newest = parse_export(
        data, after_id=int(cursor.get("last_id", 0)), channel=config.get("channel", "")
    )
    return FetchResult(items, {**cursor, "last_id": newest})
