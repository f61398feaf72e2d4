"""schema.org ClaimReview out (public pages, the JSON feed) and in (imports).

Out: https://schema.org/ClaimReview as Google's fact-check markup reads it. In: any JSON-LD
(an object, a list, an ``@graph``, a ``DataFeed``) or HTML with ``<script
type="application/ld+json">`` blocks; every object typed ClaimReview anywhere inside is found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

from django.conf import settings
from django.db.models import Max, Min

from sitroom.factchecks.models import Article, Rating
from sitroom.factchecks.selectors import article_public_url


def _organisation_ld(org: Any) -> dict[str, str]:
    return {"@type": "Organization", "name": org.name, "url": org.website or settings.SITE_URL}


def rating_bounds() -> tuple[int, int]:
    """(worst, best) ratingValue on the deployment's scale."""
    agg = Rating.objects.aggregate(lo=Min("value"), hi=Max("value"))
    return int(agg["lo"] or 1), int(agg["hi"] or 5)


def article_claimreview(
    article: Article, *, bounds: tuple[int, int] | None = None
) -> dict[str, Any]:
    """The ClaimReview of one published article, as a JSON-able dict."""
    worst, best = bounds or rating_bounds()
    claim = article.claim
    orgs = [_organisation_ld(o) for o in article.organisations.all()]
    item: dict[str, Any] = {"@type": "Claim"}
    if claim.claimant:
        item["author"] = {"@type": "Person", "name": claim.claimant}
    if claim.appeared_at:
        item["datePublished"] = claim.appeared_at.date().isoformat()
    appearances = [claim.appearance_url] if claim.appearance_url else []
    appearances += [s.url for s in claim.sources.all() if s.url and s.url not in appearances]
    if appearances:
        item["appearance"] = [{"@type": "CreativeWork", "url": u} for u in appearances]
        item["firstAppearance"] = {"@type": "CreativeWork", "url": appearances[0]}
    if claim.appeared_in and "appearance" not in item:
        item["appearance"] = [{"@type": "CreativeWork", "name": claim.appeared_in}]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": article_public_url(article),
        "headline": article.title,
        "datePublished": article.published_at.date().isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "author": orgs[0] if len(orgs) == 1 else orgs,
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": article.rating.value,
            "bestRating": best,
            "worstRating": worst,
            "alternateName": article.verdict_text,
        },
        "inLanguage": article.language,
    }
    if article.external_url:
        data["sameAs"] = article.external_url
    return data


def claimreview_script(data: dict[str, Any]) -> str:
    """JSON for a <script type="application/ld+json"> block, safe against </script> breakouts."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --- reading ClaimReview --------------------------------------------------------------------

_LD_SCRIPT = re.compile(
    r"<script[^>]*type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script\s*>",
    re.IGNORECASE | re.DOTALL,
)


class ClaimReviewParseError(ValueError):
    pass


def _is_claimreview(obj: dict[str, Any]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(
        isinstance(k, str) and k.split(":")[-1].split("/")[-1] == "ClaimReview" for k in kinds
    )


def _walk(obj: Any) -> Iterator[dict[str, Any]]:
    if isinstance(obj, list):
        for value in obj:
            yield from _walk(value)
    elif isinstance(obj, dict):
        if _is_claimreview(obj):
            yield obj
            return
        for value in obj.values():
            if isinstance(value, dict | list):
                yield from _walk(value)


def claimreviews_from_text(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """ClaimReview objects in JSON(-LD) or HTML; returns (items, problems found on the way)."""
    text = text.lstrip("\ufeff").strip()
    problems: list[str] = []
    blocks: list[str]
    if text.startswith(("{", "[")):
        blocks = [text]
    else:
        blocks = [unescape(b) if "&quot;" in b else b for b in _LD_SCRIPT.findall(text)]
        if not blocks:
            raise ClaimReviewParseError(
                'no JSON-LD found: expected JSON, or HTML with <script type="application/ld+json">'
            )
    items: list[dict[str, Any]] = []
    for n, block in enumerate(blocks, start=1):
        try:
            data = json.loads(block)
        except ValueError as exc:
            problems.append(f"JSON-LD block {n}: invalid JSON ({exc})")
            continue
        items.extend(_walk(data))
    return items, problems


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return _text(value.get("name") or value.get("@value") or "")
    if isinstance(value, list) and value:
        return _text(value[0])
    return ""


def _url(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return _url(value.get("url") or value.get("@id") or "")
    if isinstance(value, list) and value:
        return _url(value[0])
    return ""


def claimreview_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """The parts of one ClaimReview the importer uses (strings; empty when absent)."""
    item = obj.get("itemReviewed") if isinstance(obj.get("itemReviewed"), dict) else {}
    assert isinstance(item, dict)
    rating = obj.get("reviewRating")
    if isinstance(rating, list):
        rating = rating[0] if rating else {}
    rating = rating if isinstance(rating, dict) else {}
    appearance = item.get("firstAppearance") or item.get("appearance")
    language = obj.get("inLanguage")
    if isinstance(language, dict):
        language = language.get("alternateName") or language.get("name")
    return {
        "url": _url(obj.get("url")),
        "claim": _text(obj.get("claimReviewed")) or _text(item.get("name")),
        "title": _text(obj.get("headline")) or _text(obj.get("name")),
        "summary": _text(obj.get("description")),
        "rating": _text(rating.get("alternateName")) or _text(rating.get("name")),
        "rating_value": rating.get("ratingValue"),
        "best": rating.get("bestRating"),
        "worst": rating.get("worstRating"),
        "claimant": _text(item.get("author")),
        "claim_date": _text(item.get("datePublished")),
        "appearance_url": _url(appearance),
        "published": _text(obj.get("datePublished")),
        "language": _text(language),
        "author": _text(obj.get("author")),
    }
