"""The shape every connector, upload and the push API turn their input into."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from sitroom.lib.urls import web_url
from sitroom.lib.values import STORABLE_YEARS, json_text, storable_utc
from sitroom.monitoring.c2pa import c2pa_status
from sitroom.nlp.text import scrub

MAX_TEXT = 20_000
MAX_MEDIA_BYTES = 5 * 1024 * 1024


class ItemError(ValueError):
    """An item that cannot become a post; the message says what to fix."""


@dataclass
class PostIn:
    external_id: str
    text: str
    url: str = ""
    author: str = ""
    published_at: dt.datetime | None = None
    language: str = ""
    region: str = ""
    media: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def scrub_json(value: Any) -> Any:
    """``value`` (decoded JSON) with every string and key passed through ``text.scrub``."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): scrub_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(v) for v in value]
    return value


def stored_form(item: PostIn) -> PostIn:
    """The item as every path stores it, whatever it came from (feeds, platforms, uploads,
    the push API): links only if they are http(s) (a feed's ``javascript:`` link is dropped,
    never rendered), and no character a database or UTF-8 refuses (``text.scrub``)."""
    media = []
    for m in item.media:
        m = scrub_json(m)
        if "url" in m:
            m["url"] = web_url(m["url"])
            if not m["url"]:
                del m["url"]
        media.append(m)
    return dataclasses.replace(
        item,
        external_id=scrub(item.external_id),
        text=scrub(item.text),
        url=web_url(item.url),
        author=scrub(item.author),
        language=scrub(item.language),
        region=scrub(item.region),
        media=media,
        extra=scrub_json(item.extra),
    )


def parse_when(value: Any, fmt: str = "") -> dt.datetime | None:
    """ISO 8601, a Unix timestamp, or ``fmt`` (strptime); naive times are taken as UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, bool):
        raise ItemError(_("date %(value)r is not a date") % {"value": value})
    elif isinstance(value, int | float) or (
        isinstance(value, str) and value.isascii() and value.isdigit()
    ):
        seconds = float(value)
        if seconds > 1e14:  # microseconds
            seconds /= 1_000_000
        elif seconds > 1e11:  # milliseconds
            seconds /= 1000
        try:
            when = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise ItemError(
                _("date %(value)r is not a Unix time in seconds or milliseconds") % {"value": value}
            ) from None
    else:
        text = str(value).strip()
        parsed: dt.datetime | None
        if fmt:
            try:
                parsed = dt.datetime.strptime(text, fmt)
            except ValueError:
                raise ItemError(
                    _("date %(value)r does not match the format %(fmt)s")
                    % {"value": text, "fmt": fmt}
                ) from None
        else:
            try:
                parsed = parse_datetime(text.replace("Z", "+00:00"))
            except ValueError:  # well formed, but no such day or time ("2027-02-30")
                raise ItemError(_("date %(value)r does not exist") % {"value": text}) from None
            if parsed is None:
                try:
                    parsed = dt.datetime.fromisoformat(text)
                except ValueError:
                    raise ItemError(_("date %(value)r is not ISO 8601") % {"value": text}) from None
        when = parsed
    if timezone.is_naive(when):
        when = when.replace(tzinfo=dt.UTC)
    return within_years(when)


def within_years(when: dt.datetime) -> dt.datetime:
    """``when`` in UTC, or ItemError when its UTC year is outside ``values.STORABLE_YEARS``."""
    utc = storable_utc(when)
    if utc is None:
        first, last = STORABLE_YEARS
        raise ItemError(
            _("date %(value)s is outside the years %(first)d to %(last)d")
            % {"value": when.isoformat(), "first": first, "last": last}
        )
    return utc


def _media(value: Any) -> list[dict[str, Any]]:
    """Media descriptions; attached bytes are checked for content credentials, then dropped."""
    if not value:
        return []
    if not isinstance(value, list):
        raise ItemError(_("media must be a list"))
    out = []
    for m in value[:10]:
        if not isinstance(m, dict):
            raise ItemError(_("each media item must be an object"))
        item = {k: str(m[k])[:1000] for k in ("url", "type", "alt") if m.get(k)}
        if "url" in item and not web_url(item["url"]):
            raise ItemError(_("media url must start with http:// or https://"))
        data = m.get("data_base64")
        if data:
            try:
                raw = base64.b64decode(str(data), validate=True)
            except (binascii.Error, ValueError):
                raise ItemError(_("media data_base64 is not valid base64")) from None
            if len(raw) > MAX_MEDIA_BYTES:
                raise ItemError(_("media larger than 5 MB"))
            item["c2pa"] = c2pa_status(raw)
        out.append(item)
    return out


def _field(data: dict[str, Any], *keys: str, numbers: bool = False) -> str:
    """The first present ``keys`` value as a stripped string; other JSON types are refused.

    ``numbers`` allows integers (platform ids often are); booleans, floats, lists and objects
    are refused rather than turned into their ``str()``."""
    for key in keys:
        value = data.get(key)
        if value is None or value == "":
            continue
        text = json_text(value, numbers=numbers)
        if text is None:
            kind = _("a string or an integer") if numbers else _("a string")
            raise ItemError(_("%(key)s must be %(kind)s") % {"key": key, "kind": kind})
        return text.strip()
    return ""


def item_from_dict(data: Any) -> PostIn:
    """Validate one pushed item (see docs/monitoring.md for the fields)."""
    if not isinstance(data, dict):
        raise ItemError(_("each item must be an object"))
    external_id = _field(data, "id", "external_id", numbers=True)
    text = _field(data, "text")
    if not external_id:
        raise ItemError(_("id is required"))
    if len(external_id) > 300:
        raise ItemError(_("id is longer than 300 characters"))
    if not text:
        raise ItemError(_("text is required"))
    if len(text) > MAX_TEXT:
        raise ItemError(_("text is longer than %(n)d characters") % {"n": MAX_TEXT})
    url = _field(data, "url")
    if url and not url.startswith(("http://", "https://")):
        raise ItemError(_("url must start with http:// or https://"))
    extra = data.get("extra") or {}
    if not isinstance(extra, dict):
        raise ItemError(_("extra must be an object"))
    return PostIn(
        external_id=external_id,
        text=text,
        url=url[:1000],
        author=_field(data, "author", numbers=True)[:200],
        published_at=parse_when(data.get("published_at") or data.get("date")),
        language=_field(data, "language")[:12],
        region=_field(data, "region")[:100],
        media=_media(data.get("media")),
        extra=extra,
    )
