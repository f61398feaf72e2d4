"""Bluesky's live stream through Jetstream (JSON over WebSocket), resuming from a time cursor.

Jetstream (https://github.com/bluesky-social/jetstream) relays the network's firehose as
JSON events. A poll connects with ``wantedCollections=app.bsky.feed.post`` (and
``wantedDids`` when the source follows given accounts), replays from the cursor (the
``time_us`` of the last event read, rewound a few seconds: overlaps are harmless because
posts are unique per source and id), and reads until it reaches the live edge, MAX_EVENTS
events or MAX_SECONDS. Jetstream cannot filter by text, so the firehose is filtered here:
by the source's keywords, by the deployment's watchlist (``"watchlist": true``), by
language, or not at all for followed accounts.

Config: ``{"service": "wss://jetstream2.us-east.bsky.network", "keywords": ["#Elections2027"],
"watchlist": true, "langs": ["fr", "en"], "dids": ["did:plc:…"]}``; at least one of
keywords, watchlist or dids.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from sitroom.monitoring import conf
from sitroom.monitoring.connectors.base import FetchError, FetchResult
from sitroom.monitoring.items import PostIn, parse_when

DEFAULT_SERVICE = "wss://jetstream2.us-east.bsky.network"
MAX_EVENTS = 20_000
MAX_SECONDS = 20.0
REWIND_US = 5_000_000  # Jetstream's advice: resume a few seconds early
LIVE_EDGE_US = 2_000_000  # an event this close to now means we have caught up


_DID = re.compile(r"^did:(plc|web):[A-Za-z0-9._:%-]+$")
LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def config_errors(config: dict[str, Any]) -> list[str]:
    errors = []
    service = str(config.get("service", DEFAULT_SERVICE))
    if not service.startswith(("ws://", "wss://")):
        errors.append("service: a ws:// or wss:// address")
    for key in ("keywords", "langs", "dids"):
        value = config.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors.append(f"{key}: a list of strings")
    dids = config.get("dids")
    if isinstance(dids, list) and any(isinstance(d, str) and not _DID.match(d) for d in dids):
        errors.append("dids: account ids like did:plc:abc123 or did:web:example.org")
    langs = config.get("langs")
    if isinstance(langs, list) and any(
        isinstance(v, str) and not LANG_CODE.match(v) for v in langs
    ):
        errors.append("langs: language codes, e.g. fr or pt-BR")
    if not (config.get("keywords") or config.get("watchlist") or config.get("dids")):
        errors.append("give keywords, watchlist: true, or dids (the firehose is too big whole)")
    return errors


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Filter:
    def __init__(self, config: dict[str, Any]) -> None:
        self.keywords = [_fold(k) for k in config.get("keywords") or [] if k.strip()]
        self.langs = {lang.lower() for lang in config.get("langs") or []}
        self.dids = set(config.get("dids") or [])
        self.watchlist = None
        if config.get("watchlist"):
            from sitroom.monitoring.watchlist import current_matcher

            self.watchlist = current_matcher()

    def keep(self, did: str, text: str, langs: list[str]) -> bool:
        if self.langs and langs and not self.langs & {lang.lower()[:2] for lang in langs}:
            return False
        if did in self.dids:
            return True
        folded = _fold(text)
        if any(k in folded for k in self.keywords):
            return True
        return bool(self.watchlist and self.watchlist.match(text, langs[0] if langs else ""))


def _item(event: dict[str, Any]) -> PostIn | None:
    commit = event.get("commit") or {}
    if event.get("kind") != "commit" or commit.get("operation") != "create":
        return None
    if commit.get("collection") != "app.bsky.feed.post":
        return None
    record = commit.get("record") or {}
    text = (record.get("text") or "").strip()
    did, rkey = event.get("did", ""), commit.get("rkey", "")
    if not (text and did and rkey):
        return None
    media = []
    embed = record.get("embed") or {}
    for image in (embed.get("images") or []) + ((embed.get("media") or {}).get("images") or []):
        media.append({"type": "image", "alt": str(image.get("alt", ""))[:500]})
    langs = [str(lang) for lang in record.get("langs") or []]
    return PostIn(
        external_id=f"at://{did}/app.bsky.feed.post/{rkey}",
        text=text,
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        author=did[:200],
        published_at=parse_when(record.get("createdAt")),
        language=(langs[0] if langs else "")[:12],
        media=media,
    )


def _events(url: str) -> Iterator[dict[str, Any]]:
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    try:
        with connect(
            url,
            open_timeout=conf.HTTP_TIMEOUT,
            user_agent_header=conf.USER_AGENT,
            max_size=2**22,
        ) as ws:
            while True:
                try:
                    message = ws.recv(timeout=conf.HTTP_TIMEOUT)
                except TimeoutError:
                    return  # the stream went quiet: nothing more for now
                try:
                    event = json.loads(message)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    yield event
    except (OSError, WebSocketException) as exc:
        raise FetchError(f"Jetstream: {exc}") from exc


def fetch(config: dict[str, Any], cursor: dict[str, Any]) -> FetchResult:
    errors = config_errors(config)
    if errors:
        raise FetchError("; ".join(errors))
    keep = _Filter(config)
    params: list[tuple[str, str]] = [("wantedCollections", "app.bsky.feed.post")]
    # Jetstream filters by account itself when only followed accounts are wanted.
    if config.get("dids") and not (config.get("keywords") or config.get("watchlist")):
        params += [("wantedDids", did) for did in config["dids"]]
    last = int(cursor.get("time_us") or 0)
    if last:
        params.append(("cursor", str(max(0, last - REWIND_US))))
    service = str(config.get("service", DEFAULT_SERVICE)).rstrip("/")
    url = f"{service}/subscribe?{urlencode(params)}"

    items: list[PostIn] = []
    started = time.monotonic()
    for read, event in enumerate(_events(url), start=1):
        stamp = int(event.get("time_us") or 0)
        last = max(last, stamp)
        item = _item(event)
        langs = ((event.get("commit") or {}).get("record") or {}).get("langs") or []
        if item is not None and keep.keep(event.get("did", ""), item.text, [str(x) for x in langs]):
            items.append(item)
        if (
            read >= MAX_EVENTS
            or time.monotonic() - started >= MAX_SECONDS
            or (stamp and stamp >= time.time() * 1_000_000 - LIVE_EDGE_US)
        ):
            break
    return FetchResult(items, {**cursor, "time_us": last} if last else dict(cursor))
