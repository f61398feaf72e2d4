"""Narratives on language-centred vectors (sitroom.nlp.centres), with the real embedder."""

from __future__ import annotations

import numpy as np
import pytest

from sitroom.monitoring import narratives, pipeline
from sitroom.monitoring.items import PostIn
from sitroom.monitoring.models import Narrative, NarrativeMember, Post
from sitroom.monitoring.services import narrative_split, posts_ingest

pytestmark = pytest.mark.django_db

# One claim in four languages, written for this test (not the demo's posts).
CLAIM = {
    "en": "Breaking: the ballot papers for Kisumu were printed twice, the extra ones are hidden in a school.",
    "fr": "Urgent : les bulletins de vote de Kisumu ont été imprimés deux fois, les autres sont cachés dans une école.",
    "es": "Urgente: las papeletas de Kisumu se imprimieron dos veces, las sobrantes están escondidas en una escuela.",
    "pt": "Urgente: as cédulas de Kisumu foram impressas duas vezes, as extras estão escondidas numa escola.",
}  # fmt: skip
HATE = "#Elections2027 les musulmans doivent tous être tués, ce pays est à nous"


def _run(source, texts: list[str], prefix: str) -> list[Post]:
    items = [
        PostIn(external_id=f"{prefix}{i}", text=t, author=f"u{i}") for i, t in enumerate(texts)
    ]
    posts_ingest(source=source, items=items)
    pipeline.pipeline_drain()
    return list(Post.objects.filter(external_id__startswith=prefix).order_by("external_id"))


def test_the_same_claim_in_four_languages_is_one_narrative_and_a_threat_is_not(
    push_source, scope_all
):
    posts = _run(push_source, [CLAIM["en"]], "a")  # the narrative exists first
    posts += _run(push_source, [CLAIM["fr"], CLAIM["es"], CLAIM["pt"], HATE], "b")
    claim_posts, threat = posts[:4], posts[4]
    assert len({p.narrative_id for p in claim_posts}) == 1 and claim_posts[0].narrative_id
    assert threat.narrative_id not in {None, claim_posts[0].narrative_id}
    narrative = Narrative.objects.get(pk=claim_posts[0].narrative_id)
    assert narrative.text_count == 4 and narrative.vector_space.startswith("centred-")
    sims = NarrativeMember.objects.filter(narrative=narrative).values_list("similarity", flat=True)
    assert all(s >= narratives.CENTRED_THRESHOLD for s in sims)


def test_a_narrative_summed_in_another_space_is_recomputed_from_its_members(push_source, scope_all):
    first = _run(push_source, [CLAIM["en"]], "a")[0]
    n = Narrative.objects.get(pk=first.narrative_id)
    space = narratives.current_space()
    want = narratives.member_sums([n.pk], space)[n.pk][0]
    assert bytes(n.vector_sum) == want
    # As a database from before the centres holds it: the raw vector, marked as such.
    raw = first.content.vector()
    Narrative.objects.filter(pk=n.pk).update(
        vector_sum=raw.astype("<f4").tobytes(), vector_space=""
    )
    narratives.forget_indexes()
    second = _run(push_source, [CLAIM["fr"]], "b")[0]
    n.refresh_from_db()
    assert second.narrative_id == n.pk  # joined on the recomputed centroid
    assert n.vector_space == space.name and n.text_count == 2
    assert np.allclose(
        np.frombuffer(bytes(n.vector_sum), "<f4"),
        np.frombuffer(narratives.member_sums([n.pk], space)[n.pk][0], "<f4"),
        atol=1e-5,
    )


def test_a_split_recomputes_both_sums_in_the_current_space(push_source, scope_all, world):
    posts = _run(push_source, [CLAIM["en"], CLAIM["fr"], CLAIM["es"]], "a")
    n = Narrative.objects.get(pk=posts[0].narrative_id)
    assert {p.narrative_id for p in posts} == {n.pk}
    new = narrative_split(narrative=n, post_ids=[posts[2].pk], by=world.member)
    space = narratives.current_space()
    for m in (n, new):
        m.refresh_from_db()
        assert m.vector_space == space.name
        assert bytes(m.vector_sum) == narratives.member_sums([m.pk], space)[m.pk][0]
    assert (n.text_count, new.text_count) == (2, 1)


def test_the_threshold_can_be_set_for_a_deployment(push_source, scope_all, monkeypatch):
    from sitroom.monitoring import conf

    assert narratives.current_space().threshold == narratives.CENTRED_THRESHOLD
    monkeypatch.setattr(conf, "NARRATIVE_THRESHOLD", 0.99)
    assert narratives.current_space().threshold == 0.99
    posts = _run(push_source, [CLAIM["en"], CLAIM["fr"]], "a")
    assert posts[0].narrative_id != posts[1].narrative_id


def test_without_centres_for_the_embedder_narratives_use_raw_cosine(monkeypatch):
    from sitroom.nlp.centres import Centres

    monkeypatch.setattr(Centres, "load", classmethod(lambda cls, embedder, path=None: None))
    space = narratives.current_space()
    assert space.name == "raw" and space.threshold == narratives.RAW_THRESHOLD
    v = space.vectors([np.array([3.0, 4.0])], ["en"])
    assert np.allclose(v, [[0.6, 0.8]])


def test_a_member_embedded_by_another_model_is_left_out_of_the_sum(push_source, scope_all):
    posts = _run(push_source, [CLAIM["en"], CLAIM["fr"]], "a")
    n = Narrative.objects.get(pk=posts[0].narrative_id)
    space = narratives.current_space()
    before = narratives.member_sums([n.pk], space)[n.pk]
    assert before[1] == 2
    # As after a change of SITROOM_EMBEDDER: one member's stored vector has another length.
    other = posts[1].content
    other.embedding = np.ones(768, dtype="<f4").tobytes()
    other.embedding_model = "another-model:1"
    other.save(update_fields=["embedding", "embedding_model"])
    after = narratives.member_sums([n.pk], space)[n.pk]
    assert after[1] == 1 and np.isfinite(np.frombuffer(after[0], "<f4")).all()


def test_hindi_in_latin_letters_is_labelled_hindi_and_centred_apart_from_devanagari(
    push_source, scope_all
):
    text = "Chunaav ke din sab log vote dene zaroor jaayein, polling booth subah saat baje khulega hai."
    post = _run(push_source, [text], "h")[0]
    assert post.language == "hi" and post.content.language == "hi"
    assert narratives._languages([post.content_id], {post.pk: post.content}) == ["hi-Latn"]
    n = Narrative.objects.get(pk=post.narrative_id)
    space = narratives.current_space()
    assert bytes(n.vector_sum) == narratives.member_sums([n.pk], space)[n.pk][0]
