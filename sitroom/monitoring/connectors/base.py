"""HTTP for connectors: timeouts, a User-Agent, and backoff on 429 and 5xx."""

from __future__ import annotations

import email.utils
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sitroom.monitoring import conf
from sitroom.monitoring.items import PostIn

# Replaced in tests so backoff does not wait.
sleep: Callable[[float], None] = time.sleep
RETRIES = 3


class FetchError(Exception):
    """A poll that failed; ``retry_after`` is what the service asked for, if anything."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class FetchResult:
    items: list[PostIn] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isascii() and value.strip().isdigit():
        return float(value)
    parsed = email.utils.parsedate_to_datetime(value)
    return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def http_get(url: str, *, headers: dict[str, str] | None = None) -> Response:
    """GET with retries: 429 and 5xx are retried with backoff (Retry-After honoured).

    A 304 is returned as is; other 4xx raise at once, they will not get better by waiting.
    """
    if not url.startswith(("http://", "https://")):
        raise FetchError(f"not an http(s) URL: {url!r}")
    attempt = 0
    while True:
        attempt += 1
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url, headers={"User-Agent": conf.USER_AGENT, "Accept": "*/*", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=conf.HTTP_TIMEOUT) as resp:  # noqa: S310
                body = resp.read(conf.HTTP_MAX_BYTES + 1)
                if len(body) > conf.HTTP_MAX_BYTES:
                    raise FetchError(
                        f"{url} sent more than {conf.HTTP_MAX_BYTES // 2**20} MB "
                        "(SITROOM_MONITOR_HTTP_MAX_MB)"
                    )
                return Response(resp.status, {k.lower(): v for k, v in resp.headers.items()}, body)
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return Response(304, {k.lower(): v for k, v in exc.headers.items()}, b"")
            retry_after = _retry_after(exc.headers.get("Retry-After"))
            if (exc.code == 429 or exc.code >= 500) and attempt < RETRIES:
                sleep(min(retry_after if retry_after is not None else 2**attempt, 60))
                continue
            raise FetchError(
                f"HTTP {exc.code} from {url}", status=exc.code, retry_after=retry_after
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            if attempt < RETRIES:
                sleep(2**attempt)
                continue
            raise FetchError(f"cannot reach {url}: {exc}") from None


def strip_html(html: str) -> str:
    """Plain text of a post's HTML (Mastodon content, feed summaries)."""
    from html.parser import HTMLParser

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag in ("br", "p", "div", "li"):
                self.parts.append("\n")

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = _Text()
    parser.feed(html or "")
    return "\n".join(" ".join(line.split()) for line in "".join(parser.parts).splitlines()).strip()
