"""The matching index follows publication, and factchecks_matching is the seam others call."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from sitroom.accounts.services import api_token_create
from sitroom.factchecks import conf
from sitroom.factchecks.index import main_doc_id, variant_doc_id
from sitroom.factchecks.selectors import FactCheckMatch, factchecks_matching
from sitroom.factchecks.services import (
    article_translation_save,
    article_unpublish,
    factchecks_reindex,
)
from sitroom.nlp.matching import MatchIndex
from tests.factchecks.conftest import publish_factcheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(newsrooms, django_capture_on_commit_callbacks):
    n = newsrooms
    with django_capture_on_commit_callbacks(execute=True):
        postponed = publish_factcheck(
            n,
            claim_text="The presidential election has been postponed to December 15.",
            title="No, the presidential election has not been postponed",
            summary="The electoral commission confirms the vote takes place as planned.",
        )
        passport = publish_factcheck(
            n,
            claim_text="You need a passport to vote this year.",
            title="A passport is not required to vote",
            rating=n.true,
        )
        ink = publish_factcheck(
            n,
            claim_text="Election ink can be washed off with vinegar.",
            title="Election ink does not wash off with vinegar",
        )
    return {"postponed": postponed, "passport": passport, "ink": ink}


def test_publish_makes_it_matchable_at_once_and_unpublish_removes_it(
    corpus, newsrooms, django_capture_on_commit_callbacks
):
    matches = factchecks_matching("The election was postponed to December 15", limit=3)
    assert matches and matches[0].article_id == corpus["postponed"].pk
    # A reader in another process (here: another handle) sees the same index.
    reader = MatchIndex.open(conf.index_dir(), readonly=True)
    assert main_doc_id(corpus["ink"].pk) in reader

    with django_capture_on_commit_callbacks(execute=True):
        article_unpublish(article=corpus["postponed"], by=newsrooms.edna)
    assert main_doc_id(corpus["postponed"].pk) not in reader  # the reader refreshed
    again = factchecks_matching("The election was postponed to December 15", limit=3)
    assert corpus["postponed"].pk not in [m.article_id for m in again]


def test_match_fields_and_cross_lingual(corpus):
    (best, *_rest) = factchecks_matching(
        "L'élection présidentielle a été reportée au 15 décembre", language="fr", limit=2
    )
    assert isinstance(best, FactCheckMatch)
    with pytest.raises(dataclasses.FrozenInstanceError):
        best.title = "x"  # type: ignore[misc]
    article = corpus["postponed"]
    assert best.article_id == article.pk and best.slug == article.slug
    assert best.normalised_rating == "false" and best.rating_label == "Faux"  # in French
    assert best.url.endswith(f"/factchecks/{article.slug}/")
    assert 0.0 < best.confidence <= 1.0
    assert article.title in best.reason and "similarity" in best.reason
    assert best.organisations == tuple(o.name for o in article.organisations.all())
    assert best.organisations and best.published_at == article.published_at.isoformat()

    spanish = factchecks_matching("Se necesita pasaporte para votar", language="es", limit=1)
    assert spanish[0].article_id == corpus["passport"].pk


def test_translations_are_indexed_and_titles_localised(
    corpus, newsrooms, django_capture_on_commit_callbacks
):
    article = corpus["ink"]
    with django_capture_on_commit_callbacks(execute=True):
        article_translation_save(
            article=article,
            language="sw",
            title="Wino wa uchaguzi haufutiki kwa siki",
            claim_text="Wino wa uchaguzi unaweza kuoshwa kwa siki.",
            by=newsrooms.edna,
        )
    index = MatchIndex.open(conf.index_dir(), readonly=True)
    assert variant_doc_id(article.pk, "sw") in index
    (best,) = factchecks_matching("wino unaoshwa kwa siki", language="sw", limit=1)
    assert best.article_id == article.pk
    assert best.title == "Wino wa uchaguzi haufutiki kwa siki"
    assert best.url.endswith("?lang=sw")


def test_threshold_from_settings(corpus, settings):
    assert factchecks_matching("The election was postponed", limit=3)
    settings.MATCH_MIN_CONFIDENCE = "1"
    assert factchecks_matching("The election was postponed", limit=3) == []
    settings.MATCH_MIN_CONFIDENCE = None  # unset: the engine's recommendation, else 0.5
    assert 0.0 < conf.min_confidence() < 1.0
    settings.MATCH_MIN_CONFIDENCE = "2"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        conf.min_confidence()


def test_reindex_rebuilds_from_the_database(corpus, newsrooms):
    # Simulate a lost index: reindex brings every published article back, and only those.
    import shutil

    shutil.rmtree(conf.index_dir())
    from sitroom.factchecks.index import forget_readers

    forget_readers()
    assert factchecks_matching("election ink vinegar") == []
    article_unpublish(article=corpus["passport"], by=newsrooms.edna)  # on_commit not run
    indexed, _removed = factchecks_reindex()
    assert indexed == 2
    forget_readers()
    assert factchecks_matching("election ink vinegar", limit=1)[0].article_id == corpus["ink"].pk
    assert corpus["passport"].pk not in [
        m.article_id for m in factchecks_matching("passport to vote", limit=3)
    ]
    call_command("factchecks_reindex", stdout=__import__("io").StringIO())


def test_match_api(corpus, newsrooms, cache_table):
    _t, secret = api_token_create(user=newsrooms.lucia, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.post(
        "/api/v1/factchecks/match",
        {"text": "Il faut un passeport pour voter", "language": "fr", "limit": 1},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    (match,) = response.json()["matches"]
    assert match["article_id"] == corpus["passport"].pk and match["rating_label"] == "Vrai"
    bad = client.post("/api/v1/factchecks/match", {"limit": 0}, content_type="application/json")
    assert bad.status_code == 400


def test_matching_many_agrees_with_one_by_one_and_uses_given_vectors(corpus, monkeypatch):
    from sitroom.factchecks.selectors import factchecks_matching_many
    from sitroom.nlp.embedder import get_embedder
    from sitroom.nlp.matching import query_input

    texts = ["The election was postponed to December 15", "", "passport to vote", "   "]
    one_by_one = [factchecks_matching(t, language="fr", limit=2) for t in texts]
    assert factchecks_matching_many(texts, languages=["fr"] * 4, limit=2) == one_by_one
    assert one_by_one[1] == [] and one_by_one[3] == []

    embedder = get_embedder()
    vectors = embedder.encode_queries([query_input(t) for t in texts])
    monkeypatch.setattr(embedder, "encode_queries", lambda t: pytest.fail(f"embedded again: {t}"))
    given = factchecks_matching_many(texts, languages=["fr"] * 4, vectors=list(vectors), limit=2)
    assert [[m.article_id for m in ms] for ms in given] == [
        [m.article_id for m in ms] for ms in one_by_one
    ]
    with pytest.raises(ValueError, match="2 vectors for 4 texts"):
        factchecks_matching_many(texts, vectors=list(vectors[:2]))
    with pytest.raises(ValueError, match="query vector of shape"):
        factchecks_matching_many(texts[:1], vectors=[vectors[0][:10]])


def test_an_index_built_with_another_embedder_is_rebuilt_not_left_silent(corpus, caplog):
    """Switching SITROOM_EMBEDDER_ENGINE must not leave matching empty until someone notices."""
    import json

    from django.core.cache import cache

    from sitroom.factchecks import index as fc_index

    def pretend_other_embedder() -> None:
        manifest = Path(conf.index_dir()) / "MANIFEST.json"
        data = json.loads(manifest.read_text())
        data["embedder_version"] = "some-other-engine"
        manifest.write_text(json.dumps(data))
        fc_index.forget_readers()
        cache.clear()

    pretend_other_embedder()
    # The first search finds the mismatch and requests a rebuild (run at once by the tests'
    # immediate task backend); the next search matches again.
    assert factchecks_matching("The election was postponed to December 15") == []
    assert "built with another embedder" in caplog.text
    matches = factchecks_matching("The election was postponed to December 15", limit=1)
    assert matches[0].article_id == corpus["postponed"].pk

    # The command the log names works too (it used to fail on the mismatch it was named for).
    pretend_other_embedder()
    call_command("factchecks_reindex", stdout=io.StringIO())
    assert factchecks_matching("passport to vote", limit=1)[0].article_id == corpus["passport"].pk


def test_an_article_unpublished_before_the_index_caught_up_gives_way_to_the_next(corpus):
    from sitroom.factchecks.models import Article, ArticleStatus

    query = "The election was postponed to December 15"
    before = [m.article_id for m in factchecks_matching(query, limit=3)]
    assert before[0] == corpus["postponed"].pk and len(before) == 3
    # The database changed, the index not yet (its update task has not run).
    Article.objects.filter(pk=corpus["postponed"].pk).update(status=ArticleStatus.APPROVED)
    assert [m.article_id for m in factchecks_matching(query, limit=2)] == before[1:3]
