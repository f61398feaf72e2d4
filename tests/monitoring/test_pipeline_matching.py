"""Fact-check matching in the pipeline: batched, on vectors from the batch's one embedding call."""

from __future__ import annotations

import pytest

from sitroom.monitoring import pipeline
from sitroom.monitoring.items import PostIn
from sitroom.monitoring.models import Post, StepResult
from sitroom.monitoring.services import posts_ingest
from sitroom.nlp.embedder import get_embedder
from tests.factchecks.conftest import (  # noqa: F401  (fixtures)
    _private_index,
    newsrooms,
    publish_factcheck,
)

pytestmark = pytest.mark.django_db

HASHTAG_POST = "#Uchaguzi2027 Election ink can be washed off with vinegar, people vote twice!"
HANDLE_POST = "The presidential election is postponed to December 15, says @CENI_Official."


@pytest.fixture
def published(newsrooms, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        return {
            "ink": publish_factcheck(
                newsrooms,
                claim_text="Election ink can be washed off with vinegar.",
                title="Election ink does not wash off with vinegar",
            ),
            "postponed": publish_factcheck(
                newsrooms,
                claim_text="The presidential election has been postponed to December 15.",
                title="No, the presidential election has not been postponed",
            ),
        }


@pytest.fixture
def calls(monkeypatch) -> list[list[str]]:
    embedder = get_embedder()
    seen: list[list[str]] = []
    real, real_mid = embedder.encode_queries, embedder.encode_queries_mid
    monkeypatch.setattr(embedder, "encode_queries", lambda t: seen.append(list(t)) or real(t))
    monkeypatch.setattr(
        embedder, "encode_queries_mid", lambda t: seen.append(list(t)) or real_mid(t)
    )
    return seen


def _run(source, *texts: str) -> list[Post]:
    posts_ingest(
        source=source,
        items=[PostIn(external_id=f"m{i}", text=t) for i, t in enumerate(texts)],
    )
    pipeline.pipeline_drain()
    return list(Post.objects.order_by("external_id"))


def test_relevant_posts_are_matched_with_one_embedding_call_for_the_batch(
    push_source, watchlist, published, calls
):
    posts = _run(push_source, HASHTAG_POST, HANDLE_POST, "Lovely weather at the beach today.")
    assert [p.has_factcheck for p in posts] == [True, True, False]
    ink = StepResult.objects.get(text=posts[0].content, step="factcheck")
    assert ink.result["matches"][0]["article_id"] == published["ink"].pk
    postponed = StepResult.objects.get(text=posts[1].content, step="factcheck")
    assert postponed.result["matches"][0]["article_id"] == published["postponed"].pk
    # One call: the classifiers' input of both relevant texts, and the matching input of the
    # post with a handle (the classifiers see "@user", matching "CENI Official"); the hashtag
    # post's inputs differ only by the split hashtag, so its one vector serves both.
    assert len(calls) == 1
    assert sorted(calls[0]) == sorted(
        [
            HASHTAG_POST,
            "The presidential election is postponed to December 15, says @user.",
            "The presidential election is postponed to December 15, says CENI Official.",
        ]
    )


def test_matching_on_the_batch_vectors_finds_what_matching_alone_finds(
    push_source, watchlist, published
):
    from sitroom.factchecks.selectors import factchecks_matching

    posts = _run(push_source, HASHTAG_POST, HANDLE_POST)
    for post in posts:
        stored = StepResult.objects.get(text=post.content, step="factcheck").result["matches"]
        alone = factchecks_matching(post.text, language=post.language, limit=3)
        assert [m["article_id"] for m in stored] == [m.article_id for m in alone]
        # The hashtag post was matched on its unsplit-hashtag vector: close, not identical.
        assert [m["confidence"] for m in stored] == pytest.approx(
            [m.confidence for m in alone], abs=0.05
        )


def test_nothing_is_embedded_for_matching_while_no_fact_check_is_published(
    push_source, watchlist, calls
):
    posts = _run(push_source, HANDLE_POST)
    assert not posts[0].has_factcheck
    assert len(calls) == 1 and len(calls[0]) == 1  # the classifiers' input only
