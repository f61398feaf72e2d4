from __future__ import annotations

import pytest

from sitroom.monitoring import pipeline
from sitroom.monitoring.items import PostIn
from sitroom.monitoring.models import (
    DistinctText,
    LshKey,
    Narrative,
    NarrativeMember,
    Post,
    PostState,
    StepResult,
)
from sitroom.monitoring.services import posts_ingest

pytestmark = pytest.mark.django_db


def _items(*texts: str, prefix: str = "p") -> list[PostIn]:
    return [
        PostIn(external_id=f"{prefix}{i}", text=t, author=f"user{i}") for i, t in enumerate(texts)
    ]


def test_posts_are_processed_with_language_relevance_and_one_embedding_per_text(
    push_source, watchlist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        results = posts_ingest(
            source=push_source,
            items=_items(
                "La CENI a reporté le vote dans trois régions, les bulletins sont bloqués.",
                "RT @someone: La CENI a reporté le vote dans trois régions, les bulletins sont bloqués.",
                "Lovely weather at the beach this weekend, see you all there!",
            ),
        )
    assert [r.status for r in results] == ["created"] * 3
    posts = list(Post.objects.order_by("external_id"))
    assert {p.state for p in posts} == {PostState.DONE}
    assert posts[0].language == "fr" and posts[0].is_relevant
    assert posts[0].content_id == posts[1].content_id  # the repost shares the distinct text
    assert posts[1].is_duplicate and not posts[0].is_duplicate
    assert not posts[2].is_relevant
    assert DistinctText.objects.count() == 2
    # Only the election-relevant text is in scope for the embedding-based steps.
    assert list(DistinctText.objects.exclude(embedding=None)) == [posts[0].content]
    assert posts[0].narrative_id is not None and posts[0].narrative_id == posts[1].narrative_id
    assert posts[2].narrative_id is None and posts[2].language == "en"
    relevance = StepResult.objects.get(text=posts[0].content, step="relevance")
    assert {t["term"] for t in relevance.result["terms"]} >= {"CENI", "bulletins"}


def test_scope_all_and_sources_set_to_all_analyse_every_text(push_source, monkeypatch):
    from sitroom.monitoring import conf

    beach = "Lovely weather at the beach this weekend, see you all there!"
    posts_ingest(source=push_source, items=_items(beach))
    pipeline.pipeline_drain()
    assert DistinctText.objects.get().embedding is None

    # A source whose every post matters (say, a candidate's own account).
    push_source.config = {"scope": "all"}
    push_source.save()
    posts_ingest(source=push_source, items=_items(beach + " Again.", prefix="q"))
    pipeline.pipeline_drain()
    again = DistinctText.objects.get(text__endswith="Again.")
    assert again.embedding is not None or again.representative_id is not None
    rep = DistinctText.objects.get(pk=again.representative_id or again.pk)
    assert rep.embedding is not None  # a representative left out earlier is taken up now

    push_source.config = {}
    push_source.save()
    monkeypatch.setattr(conf, "PIPELINE_SCOPE", "all")
    posts_ingest(source=push_source, items=_items("The new bakery opens on Saturday.", prefix="r"))
    pipeline.pipeline_drain()
    assert DistinctText.objects.get(text__startswith="The new bakery").embedding is not None


@pytest.fixture
def encoded(monkeypatch):
    """Every text the shared embedder encodes (the real model still runs)."""
    from sitroom.nlp.embedder import get_embedder

    embedder = get_embedder()
    seen: list[str] = []
    real, real_mid = embedder.encode_queries, embedder.encode_queries_mid

    def counting(texts):
        seen.extend(texts)
        return real(texts)

    def counting_mid(texts):
        seen.extend(texts)
        return real_mid(texts)

    monkeypatch.setattr(embedder, "encode_queries", counting)
    monkeypatch.setattr(embedder, "encode_queries_mid", counting_mid)
    return seen


def _ingest_and_run(source, items):
    posts_ingest(source=source, items=items)
    return pipeline.pipeline_drain()


def test_reposts_and_near_duplicates_reuse_results_without_a_second_embedding(
    push_source, encoded, scope_all
):
    original = "Les bureaux de vote de Bouaké sont déplacés dans les commissariats dimanche, faites passer."
    _ingest_and_run(push_source, _items(original, prefix="a"))
    assert len(encoded) == 1
    _ingest_and_run(
        push_source,
        _items(
            f"RT @amina: {original}",  # exact duplicate once normalised
            f"{original} https://t.co/xyz",
            original.replace("faites passer", "partagez vite à tous"),  # near-duplicate
            prefix="b",
        ),
    )
    assert len(encoded) == 1  # nothing new was embedded
    texts = list(DistinctText.objects.order_by("id"))
    assert len(texts) == 2 and texts[1].representative_id == texts[0].pk
    assert texts[1].embedding is None
    posts = list(Post.objects.order_by("id"))
    assert [p.is_duplicate for p in posts] == [False, True, True, True]
    assert len({p.narrative_id for p in posts}) == 1


def test_a_deleted_narrative_is_not_handed_out_again_from_memory(push_source, scope_all):
    original = (
        "Les urnes de Goma ont été bourrées pendant la nuit, faites passer avant la suppression"
    )
    posts_ingest(source=push_source, items=_items(original, prefix="a"))
    pipeline.pipeline_drain()
    first = Post.objects.get()
    assert first.narrative_id is not None
    Narrative.objects.filter(pk=first.narrative_id).delete()  # e.g. by an admin

    similar = original.replace("Goma", "Bukavu").replace("faites passer", "partagez")
    posts_ingest(source=push_source, items=_items(similar, prefix="b"))
    pipeline.pipeline_drain()
    later = Post.objects.get(external_id="b0")
    assert later.state == PostState.DONE
    assert Narrative.objects.filter(pk=later.narrative_id).exists()


def test_new_distinct_texts_of_a_batch_are_embedded_in_one_call(
    push_source, monkeypatch, scope_all
):
    from sitroom.nlp.embedder import get_embedder

    embedder = get_embedder()
    calls: list[int] = []
    real, real_mid = embedder.encode_queries, embedder.encode_queries_mid
    monkeypatch.setattr(embedder, "encode_queries", lambda t: calls.append(len(t)) or real(t))
    monkeypatch.setattr(
        embedder, "encode_queries_mid", lambda t: calls.append(len(t)) or real_mid(t)
    )
    _ingest_and_run(
        push_source,
        _items(
            "Kura zimeahirishwa.",
            "Las urnas llegaron abiertas.",
            "As urnas foram trocadas.",
            "Kura zimeahirishwa.",
        ),
    )
    assert calls == [3]


def test_rerunning_a_batch_stores_nothing_twice(push_source, watchlist):
    _ingest_and_run(
        push_source, _items("La CENI ferme les bureaux de vote à 18h.", "ballots were burnt")
    )
    before = (StepResult.objects.count(), DistinctText.objects.count(), LshKey.objects.count())
    # A worker died after finishing the steps but before marking the posts done.
    Post.objects.update(state=PostState.NEW, processed_at=None)
    assert pipeline.pipeline_drain() == 2
    after = (StepResult.objects.count(), DistinctText.objects.count(), LshKey.objects.count())
    assert before == after
    assert Narrative.objects.count() == 2 and NarrativeMember.objects.count() == 2
    assert sum(Narrative.objects.values_list("text_count", flat=True)) == 2
    assert set(Post.objects.values_list("claims", flat=True)) == {2}


def test_a_failing_post_is_retried_then_parked_and_the_batch_goes_on(
    push_source, world, login, django_capture_on_commit_callbacks
):
    class Exploding(pipeline.LanguageStep):
        name = "exploding"

        def model(self):
            return "exploding", "1"

        def run(self, texts, vectors):
            if any("BOOM" in t.text for t in texts):
                raise RuntimeError("cannot read this text")
            return [{"ok": True} for _t in texts]

    pipeline.STEPS.append(Exploding())
    posts_ingest(source=push_source, items=_items("fine one", "BOOM goes this one", "fine two"))
    assert pipeline.pipeline_drain() == 2
    bad = Post.objects.get(text__startswith="BOOM")
    assert bad.state == PostState.NEW and bad.attempts == 1 and "cannot read" in bad.last_error
    for _attempt in range(2):
        Post.objects.filter(pk=bad.pk).update(retry_after=None)
        pipeline.pipeline_drain()
    bad.refresh_from_db()
    assert bad.state == PostState.PARKED and bad.attempts == 3
    assert Post.objects.filter(state=PostState.DONE).count() == 2

    page = login(world.owner).get("/monitoring/ec/parked/")
    assert b"cannot read this text" in page.content
    pipeline.STEPS.pop()  # the bug is fixed
    client = login(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/monitoring/ec/posts/{bad.pk}/retry/")
    assert response.status_code == 302
    bad.refresh_from_db()
    assert bad.state == PostState.DONE and bad.attempts == 0


def test_two_claimers_never_take_the_same_post_and_stale_claims_are_taken_back(push_source):
    posts_ingest(source=push_source, items=_items(*[f"post number {i}" for i in range(10)]))
    t1, first = pipeline.posts_claim(worker="w1", limit=6)
    _t2, second = pipeline.posts_claim(worker="w2", limit=6)
    assert len(first) == 6 and len(second) == 4 and not set(first) & set(second)
    assert pipeline.posts_claim(worker="w3")[1] == []
    # w1 dies; once its claim is stale, another worker takes its posts.
    from datetime import timedelta

    from django.utils import timezone

    Post.objects.filter(claimed_by=t1).update(claimed_at=timezone.now() - timedelta(hours=1))
    t3, third = pipeline.posts_claim(worker="w3")
    assert sorted(third) == sorted(first)
    assert pipeline.process_batch(t1, first) == []  # the dead worker's late finish is ignored
    assert len(pipeline.process_batch(t3, third)) == 6


def test_post_processed_signal_fires_after_commit(push_source, django_capture_on_commit_callbacks):
    from sitroom.monitoring.signals import post_processed

    received: list[list[int]] = []

    def on_posts(sender, post_ids, **kwargs):
        received.append(post_ids)

    post_processed.connect(on_posts)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            posts_ingest(source=push_source, items=_items("one post", "another post"))
    finally:
        post_processed.disconnect(on_posts)
    assert [sorted(ids) for ids in received] == [sorted(Post.objects.values_list("id", flat=True))]


@pytest.mark.parametrize("forced", [True, None])
def test_mid_vectors_are_computed_in_the_same_call_stored_and_reused(
    push_source, monkeypatch, scope_all, forced
):

    from sitroom.nlp.classifiers import load_classifier
    from sitroom.nlp.embedder import get_embedder

    # None: as the shipped models want (mid vectors if a check-worthiness route reads them).
    mid = pipeline._mid_wanted() if forced is None else forced
    monkeypatch.setattr(pipeline, "_mid_wanted", lambda: mid)
    assert mid or not load_classifier("checkworthy").needs_mid
    embedder = get_embedder()
    calls: list[str] = []
    real, real_mid = embedder.encode_queries, embedder.encode_queries_mid
    monkeypatch.setattr(embedder, "encode_queries", lambda t: calls.append("q") or real(t))
    monkeypatch.setattr(
        embedder, "encode_queries_mid", lambda t: calls.append("mid") or real_mid(t)
    )
    texts = ["The commission says 40% of ballots arrived late.", "Kura zimeahirishwa jana."]
    _ingest_and_run(push_source, _items(*texts))
    assert calls == (["mid"] if mid else ["q"])
    stored = DistinctText.objects.get(text=texts[0])
    assert len(stored.vector()) == 384 and len(bytes(stored.embedding)) == 4 * (768 if mid else 384)
    assert stored.embedding_model.endswith("+mid") == mid
    assert (stored.mid_vector() is not None) == mid
    clf = load_classifier("checkworthy")
    got = StepResult.objects.get(text=stored, step="checkworthy").result["score"]
    # The same score as the classifier on its own (it may read the mid vectors or not).
    assert got == pytest.approx(float(clf.predict([texts[0]])[0].score), abs=2e-3)
    # A rerun reads the stored vectors, mid vectors included: nothing is encoded again.
    calls.clear()
    Post.objects.update(state=PostState.NEW, processed_at=None)
    StepResult.objects.all().delete()
    assert pipeline.pipeline_drain() == 2
    assert calls == []
    assert StepResult.objects.get(text=stored, step="checkworthy").result["score"] == got
    if mid:  # the vector stays the sentence vector (narratives read it)
        assert float(stored.vector() @ embedder.encode_queries([texts[0]])[0]) > 0.9999


def test_signals_are_each_classifiers_own_decision_not_a_fixed_cut(
    push_source, scope_all, django_capture_on_commit_callbacks
):
    """A post's hate, toxic and check-worthy flags are the labels the classifiers give at
    their own thresholds (what `sitroom classify` prints for the same text), and the
    stream's signal filter agrees with the flags."""
    from sitroom.monitoring.models import CLASSIFIER_FIELDS
    from sitroom.monitoring.selectors import SIGNALS
    from sitroom.nlp.classifiers import LABELS, load_classifier

    texts = [
        "Muslims are vermin and should be driven out of this country.",
        "The ink on your finger washes off, you can vote twice.",
        "Polling stations open at 7am on Sunday, bring your voter card.",
        "All immigrants are rats, keep them away from the polling stations.",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        posts_ingest(source=push_source, items=_items(*texts, prefix="sig"))
    posts = list(Post.objects.filter(external_id__startswith="sig").order_by("external_id"))
    assert {p.state for p in posts} == {PostState.DONE}
    for task, (score, decision) in CLASSIFIER_FIELDS.items():
        preds = load_classifier(task).predict([p.text for p in posts])
        assert [getattr(p, decision) for p in posts] == [q.label == LABELS[task][1] for q in preds]
        assert [getattr(p, score) for p in posts] == [round(q.score, 4) for q in preds]
    assert posts[0].is_hateful and "hate" in posts[0].flags
    assert not posts[2].is_hateful
    for signal in ("hate", "toxic", "checkworthy"):
        flagged = set(Post.objects.filter(SIGNALS[signal]).values_list("pk", flat=True))
        assert flagged == {p.pk for p in posts if signal in p.flags}, signal


def test_the_migration_gives_processed_posts_their_texts_newest_decisions(push_source):
    """0004 backfills the decisions from the stored step results: the newest result of the
    post's text, or of its representative for a near-duplicate."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "sitroom.monitoring.migrations.0004_post_classifier_decisions"
    )
    rep = DistinctText.objects.create(exact_key="a", text="rep")
    near = DistinctText.objects.create(exact_key="b", text="near", representative=rep)
    other = DistinctText.objects.create(exact_key="c", text="other")
    for text, step, version, label in [
        (rep, "hate", "v1", "hateful"),
        (rep, "hate", "v2", "non-hateful"),  # newer: wins
        (rep, "checkworthy", "v1", "yes"),
        (other, "toxicity", "v1", "toxic"),
        (other, "hate", "v1", "hateful"),
    ]:
        StepResult.objects.create(
            text=text, step=step, model_version=version, result={"label": label, "score": 0.9}
        )
    made = {
        name: Post.objects.create(
            organisation=push_source.organisation, source=push_source, external_id=name,
            text=name, content=content, is_hateful=True,
        )
        for name, content in [("rep", rep), ("near", near), ("other", other), ("none", None)]
    }  # fmt: skip
    migration.backfill(apps, None)
    got = {
        p.external_id: (p.is_hateful, p.is_toxic, p.is_checkworthy)
        for p in Post.objects.filter(pk__in=[p.pk for p in made.values()])
    }
    assert got == {
        "rep": (False, False, True),
        "near": (False, False, True),
        "other": (True, True, False),
        "none": (True, False, False),  # never processed: left as it was
    }
