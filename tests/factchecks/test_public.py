"""The public library: pages with ClaimReview JSON-LD, the JSON and Atom feeds."""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from django.test import Client

from sitroom.factchecks.services import article_translation_save, article_unpublish
from tests.factchecks.conftest import publish_factcheck

pytestmark = pytest.mark.django_db

REQUIRED = {
    "@context",
    "@type",
    "url",
    "datePublished",
    "author",
    "claimReviewed",
    "itemReviewed",
    "reviewRating",
    "inLanguage",
}


def _jsonld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return [json.loads(b) for b in blocks]


@pytest.fixture
def published(newsrooms):
    n = newsrooms
    article = publish_factcheck(
        n,
        claim_text="The presidential election has been postponed by one week.",
        title="No, the election has not been postponed",
        summary="The commission confirms the date. </script><script>alert(1)</script>",
    )
    claim = article.claim
    claim.claimant = "Viral WhatsApp message"
    claim.appearance_url = "https://social.example/post/1"
    claim.save()
    article_translation_save(
        article=article, language="fr", title="Non, l'élection n'a pas été reportée", by=n.edna
    )
    return article


def test_public_page_has_valid_claimreview(published):
    response = Client().get(f"/factchecks/{published.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    (data,) = _jsonld(html)
    assert set(data) >= REQUIRED
    assert data["@context"] == "https://schema.org" and data["@type"] == "ClaimReview"
    assert data["url"].endswith(f"/factchecks/{published.slug}/")
    assert data["author"] == {
        "@type": "Organization",
        "name": "FactCheck Afrique",
        "url": "https://afrique.example",
    }
    assert data["claimReviewed"] == published.claim.text
    item = data["itemReviewed"]
    assert item["@type"] == "Claim" and item["author"]["name"] == "Viral WhatsApp message"
    assert item["firstAppearance"]["url"] == "https://social.example/post/1"
    assert item["appearance"][0]["url"] == "https://social.example/post/1"
    rating = data["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"] == "False"
    assert (rating["worstRating"], rating["ratingValue"], rating["bestRating"]) == (1, 1, 4)
    assert data["inLanguage"] == "en"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["datePublished"])
    # The summary's markup cannot break out of the JSON-LD script.
    assert "<script>alert(1)" not in html


def test_translation_is_shown_in_its_language(published):
    page = Client().get(f"/factchecks/{published.slug}/?lang=fr").content.decode()
    assert "Non, l&#x27;élection n&#x27;a pas été reportée" in page and "Faux" in page


def test_claimreview_feed_lists_every_published_item(published, newsrooms):
    other = publish_factcheck(newsrooms, claim_text="Ink washes off", title="Ink does not wash off")
    article_unpublish(article=other, by=newsrooms.edna)
    response = Client().get("/factchecks/claimreview.json")
    assert response.status_code == 200
    feed = json.loads(response.content)
    assert feed["@type"] == "DataFeed"
    items = feed["dataFeedElement"]
    assert [i["claimReviewed"] for i in items] == [published.claim.text]
    assert items[0]["@type"] == "ClaimReview" and items[0]["reviewRating"]["alternateName"]


def test_atom_feed_parses(published):
    response = Client().get("/factchecks/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    (entry,) = parsed.entries
    assert entry.title == "False: No, the election has not been postponed"
    assert entry.link.endswith(f"/factchecks/{published.slug}/")


def test_list_and_search(published):
    client = Client()
    assert published.title in client.get("/factchecks/").content.decode()
    assert published.title in client.get("/factchecks/?q=postponed").content.decode()
    assert published.title in client.get("/factchecks/?q=reportée").content.decode()
    assert published.title not in client.get("/factchecks/?q=passport").content.decode()


def test_unpublished_is_gone_from_public(published, newsrooms):
    article_unpublish(article=published, by=newsrooms.edna)
    assert Client().get(f"/factchecks/{published.slug}/").status_code == 404
    assert Client().get("/api/v1/factchecks").json()["results"] == []


def test_public_api_lists_published(published):
    data = Client().get("/api/v1/factchecks").json()
    (row,) = data["results"]
    assert row["slug"] == published.slug and row["normalised_rating"] == "false"
    assert row["translations"][0]["language"] == "fr"
