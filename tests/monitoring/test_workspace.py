"""The monitors' workspace: scoping, stream, labels, narratives, escalation, uploads."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sitroom.audit.models import AuditEvent
from sitroom.monitoring import pipeline
from sitroom.monitoring.items import PostIn
from sitroom.monitoring.models import (
    Escalation,
    Narrative,
    Post,
    PostLabel,
    SavedMapping,
    WatchTerm,
)
from sitroom.monitoring.selectors import labelled_examples
from sitroom.monitoring.services import posts_ingest, source_create

pytestmark = pytest.mark.django_db

BALLOTS = [
    "Truck full of pre-marked ballots found in Yopougon, the rigging has started!",
    "A truck loaded with ballots already marked for the Progress Party was found in Yopougon.",
    "Pre-marked ballots for the Progress Party found in a truck near Yopougon this morning.",
]
INK = [
    "The ink on your finger washes off with vinegar, you can vote twice.",
    "Vinegar removes the election ink from your finger: vote twice, nobody will know.",
]


@pytest.fixture
def processed(push_source, watchlist):
    WatchTerm.objects.create(term="ink", kind="keyword")
    items = [
        PostIn(external_id=f"b{i}", text=t, author=f"acct{i % 2}", language="en", region="Abidjan")
        for i, t in enumerate(BALLOTS + BALLOTS[:1])
    ] + [
        PostIn(external_id=f"i{i}", text=t, author="tips", region="Nairobi")
        for i, t in enumerate(INK)
    ]
    posts_ingest(source=push_source, items=items)
    pipeline.pipeline_drain()
    return push_source


def _ballot_narrative() -> Narrative:
    return Post.objects.get(external_id="b0").narrative  # type: ignore[return-value]


def test_outsiders_get_404_everywhere_and_anonymous_is_sent_to_sign_in(world, login, processed):
    post = Post.objects.first()
    narrative = _ballot_narrative()
    pages = [
        "/monitoring/ec/",
        f"/monitoring/ec/posts/{post.pk}/",
        "/monitoring/ec/narratives/",
        f"/monitoring/ec/narratives/{narrative.pk}/",
        "/monitoring/ec/parked/",
        "/monitoring/ec/sources/",
        f"/monitoring/ec/sources/{processed.pk}/upload/",
    ]
    outsider = login(world.outsider)
    # The outsider is sent to their own organisation's workspace, never to this one.
    assert outsider.get("/monitoring/")["Location"] == "/monitoring/other/"
    for url in pages:
        assert outsider.get(url).status_code == 404, url
    posts = [
        (f"/monitoring/ec/posts/{post.pk}/label/", {"task": "hate", "value": "yes"}),
        (f"/monitoring/ec/posts/{post.pk}/escalate/", {"target": "case"}),
        (f"/monitoring/ec/narratives/{narrative.pk}/edit/", {"title": "x"}),
        (f"/monitoring/ec/narratives/{narrative.pk}/escalate/", {"target": "claim"}),
    ]
    for url, data in posts:
        assert outsider.post(url, data).status_code == 404, url
    assert not PostLabel.objects.exists() and not Escalation.objects.exists()
    assert Client().get("/monitoring/ec/").status_code == 302
    member = login(world.member)  # an analyst of the organisation
    for url in pages[:-1]:
        assert member.get(url).status_code == 200, url
    assert member.get(pages[-1]).status_code == 404  # uploads need monitor or admin


def test_stream_filters_and_htmx_refresh(world, login, processed):
    client = login(world.member)
    page = client.get("/monitoring/ec/")
    assert page.status_code == 200 and b"hx-trigger" in page.content
    assert BALLOTS[1].encode() in page.content and INK[0].encode() in page.content
    only_nairobi = client.get("/monitoring/ec/", {"region": "Nairobi"}).content
    assert INK[0].encode() in only_nairobi and BALLOTS[1].encode() not in only_nairobi
    reposts = client.get("/monitoring/ec/", {"signal": "duplicate"}).content
    assert reposts.count(b'class="post"') == 1
    narrative = _ballot_narrative()
    by_narrative = client.get("/monitoring/ec/", {"narrative": narrative.pk}).content
    assert by_narrative.count(b'class="post"') == 4
    partial = client.get("/monitoring/ec/", {"partial": "1"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and BALLOTS[0].encode() in partial.content


@pytest.mark.parametrize(
    "query",
    [{"signal": "hateful"}, {"since": "yesterday"}, {"source": "-3"}, {"narrative": "x"}],
)
def test_a_filter_the_stream_cannot_read_is_reported_not_ignored(world, login, processed, query):
    client = login(world.member)
    page = client.get("/monitoring/ec/", query)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'role="alert"' in html and next(iter(query.values())) in html
    assert 'class="post"' not in html  # not an unfiltered list that looks filtered
    assert client.get("/monitoring/ec/", {"signal": "hate"}).status_code == 200


def test_the_stream_offers_every_signal_the_selector_knows():
    from sitroom.monitoring.forms import SIGNAL_CHOICES
    from sitroom.monitoring.selectors import SIGNALS, StreamFilters, stream

    assert [value for value, _label in SIGNAL_CHOICES] == list(SIGNALS)
    with pytest.raises(ValueError, match="unknown signal"):
        stream(None, StreamFilters(signal="hateful"))  # type: ignore[arg-type]


def test_label_a_post_and_labels_feed_training(world, login, processed, monitor_user):
    post = Post.objects.get(external_id="b0")
    client = login(world.member)
    response = client.post(
        f"/monitoring/ec/posts/{post.pk}/label/", {"task": "checkworthy", "value": "yes"}
    )
    assert response.status_code == 302
    login(monitor_user).post(
        f"/monitoring/ec/posts/{post.pk}/label/", {"task": "checkworthy", "value": "yes"}
    )
    ink = Post.objects.get(external_id="i0")
    client.post(f"/monitoring/ec/posts/{ink.pk}/label/", {"task": "hate", "value": "no"})
    client.post(
        f"/monitoring/ec/posts/{ink.pk}/label/", {"task": "hate", "value": "yes"}
    )  # changed
    assert PostLabel.objects.count() == 3
    assert labelled_examples("checkworthy") == [(post.text, "yes", "en")]
    assert labelled_examples("hate") == [(ink.text, "hateful", "en")]
    assert AuditEvent.objects.filter(action="monitoring.post.label").count() == 4


@pytest.fixture
def monitor_user(world):
    from tests.conftest import make_user

    return make_user("kwame", org=world.org, roles=("monitor",))


def test_narrative_page_has_chart_accounts_and_can_be_named_merged_and_split(
    world, login, processed
):
    client = login(world.member)
    ballots = _ballot_narrative()
    ink = Post.objects.get(external_id="i0").narrative
    assert ballots.pk != ink.pk
    assert ballots.post_count == 4 and ballots.text_count == 3 and ballots.status == "active"
    page = client.get(f"/monitoring/ec/narratives/{ballots.pk}/")
    assert page.status_code == 200
    assert b"<svg" in page.content and b"<rect" in page.content and b"acct0" in page.content

    client.post(
        f"/monitoring/ec/narratives/{ballots.pk}/edit/",
        {"title": "Pre-marked ballots", "tags": "fraud, trucks"},
    )
    ballots.refresh_from_db()
    assert ballots.title == "Pre-marked ballots" and ballots.tags == ["fraud", "trucks"]

    response = client.post(f"/monitoring/ec/narratives/{ink.pk}/merge/", {"into": ballots.pk})
    assert response.status_code == 302
    ink.refresh_from_db()
    ballots.refresh_from_db()
    assert ink.status == "merged" and ballots.post_count == 6 and ballots.text_count == 5
    assert client.get(f"/monitoring/ec/narratives/{ink.pk}/").status_code == 302

    first_ink = Post.objects.get(external_id="i0")
    response = client.post(
        f"/monitoring/ec/narratives/{ballots.pk}/split/", {"post": [first_ink.pk], "title": "Ink"}
    )
    new = Narrative.objects.get(title="Ink")
    assert response["Location"].endswith(f"/narratives/{new.pk}/")
    assert new.post_count == 1 and new.text_count == 1
    ballots.refresh_from_db()
    assert ballots.post_count == 5
    # A later repost of the split-off text follows it to its new narrative.
    posts_ingest(source=processed, items=[PostIn(external_id="i9", text=f"RT {INK[0]}")])
    pipeline.pipeline_drain()
    assert Post.objects.get(external_id="i9").narrative_id == new.pk


def test_escalate_a_post_to_a_claim_and_a_narrative_to_a_case(world, login, processed):
    client = login(world.member)
    post = Post.objects.get(external_id="b1")
    response = client.post(
        f"/monitoring/ec/posts/{post.pk}/escalate/", {"target": "claim", "note": "spreading"}
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get(post=post)
    assert escalation.target_ref.startswith("factchecks.claim:")
    from sitroom.factchecks.models import Claim

    claim = Claim.objects.get(pk=int(escalation.target_ref.split(":")[1]))
    assert (
        claim.text == post.text
        and claim.sources.filter(kind="post", object_id=str(post.pk)).exists()
    )

    narrative = _ballot_narrative()
    client.post(f"/monitoring/ec/narratives/{narrative.pk}/escalate/", {"target": "case"})
    escalation = Escalation.objects.get(narrative=narrative)
    from sitroom.cases.models import Case

    assert Case.objects.filter(pk=int(escalation.target_ref.split(":")[1])).exists()
    assert AuditEvent.objects.filter(action="monitoring.escalate").count() == 2


def test_upload_with_column_mapping_saved_for_next_time(
    world, login, django_capture_on_commit_callbacks
):
    source = source_create(organisation=world.org, name="CT exports", kind="upload", enabled=False)
    client = login(world.owner)
    csv_data = (
        "post_id;message;created;handle;link\n"
        "1;La CENI reporte le vote à Bouaké;02/03/2027 10:15;verite_ci;https://fb.example/p/1\n"
        "2;Kura zimeahirishwa Mombasa;02/03/2027 11:00;habari;\n"
        "3;;02/03/2027 11:05;empty;\n"
    ).encode()
    step1 = client.post(
        f"/monitoring/ec/sources/{source.pk}/upload/",
        {"file": SimpleUploadedFile("export.csv", csv_data, content_type="text/csv")},
    )
    assert step1.status_code == 200 and b"Choose the columns" in step1.content
    token = step1.context["form"].initial["token"]
    assert step1.context["form"].initial["text"] == "message"  # guessed
    with django_capture_on_commit_callbacks(execute=True):
        step2 = client.post(
            f"/monitoring/ec/sources/{source.pk}/upload/columns/",
            {
                "token": token,
                "text": "message",
                "id": "post_id",
                "date": "created",
                "date_format": "%d/%m/%Y %H:%M",
                "author": "handle",
                "url": "link",
                "save_as": "CrowdTangle",
            },
        )
    assert step2.status_code == 302
    posts = {p.external_id: p for p in Post.objects.filter(source=source)}
    assert set(posts) == {"1", "2"}
    assert posts["1"].published_at.isoformat() == "2027-03-02T10:15:00+00:00"
    assert posts["1"].author == "verite_ci" and posts["1"].state == "done"
    saved = SavedMapping.objects.get(name="CrowdTangle")
    assert saved.mapping["text"] == "message" and saved.mapping["date_format"] == "%d/%m/%Y %H:%M"

    jsonl = "\n".join(
        json.dumps(r)
        for r in [
            {
                "post_id": "2",
                "message": "Kura zimeahirishwa Mombasa",
                "created": "02/03/2027 11:00",
            },
            {"post_id": "4", "message": "Urnas trocadas em Luanda", "created": "02/03/2027 12:00"},
        ]
    ).encode()
    again = client.post(
        f"/monitoring/ec/sources/{source.pk}/upload/",
        {"file": SimpleUploadedFile("more.jsonl", jsonl), "mapping": saved.pk},
    )
    assert again.status_code == 302
    assert set(Post.objects.filter(source=source).values_list("external_id", flat=True)) == {
        "1",
        "2",
        "4",
    }


def test_telegram_export_upload(world, login):
    from pathlib import Path

    source = source_create(
        organisation=world.org,
        name="TG",
        kind="telegram",
        enabled=False,
        config={"channel": "habari_sasa"},
    )
    data = (Path(__file__).parent / "fixtures" / "telegram_result.json").read_bytes()
    response = login(world.owner).post(
        f"/monitoring/ec/sources/{source.pk}/upload/",
        {"file": SimpleUploadedFile("result.json", data, content_type="application/json")},
    )
    assert response.status_code == 302
    assert Post.objects.filter(source=source).count() == 2


def test_an_admin_adds_sources_with_a_form_and_bad_settings_are_explained(world, login):
    from sitroom.monitoring.models import Source

    client = login(world.owner)
    page = client.get("/monitoring/ec/sources/")
    assert page.status_code == 200 and b"Add a source" in page.content

    bad = client.post(
        "/monitoring/ec/sources/",
        {"name": "Live", "kind": "jetstream", "poll_minutes": 5, "languages": "fr"},
    )
    assert bad.status_code == 400 and b"keywords" in bad.content
    assert not Source.objects.filter(name="Live").exists()

    ok = client.post(
        "/monitoring/ec/sources/",
        {
            "name": "Election hashtag",
            "kind": "mastodon",
            "poll_minutes": 2,
            "instance": "https://mastodon.example",
            "tag": "#Uchaguzi2027",
            "scope_all": "on",
        },
    )
    assert ok.status_code == 302
    source = Source.objects.get(name="Election hashtag")
    assert source.config == {
        "instance": "https://mastodon.example",
        "tag": "Uchaguzi2027",
        "scope": "all",
    }
    assert source.poll_interval_seconds == 120 and source.enabled
    assert AuditEvent.objects.filter(action="monitoring.source.create", object_id=str(source.pk))

    client.post(f"/monitoring/ec/sources/{source.pk}/toggle/")
    source.refresh_from_db()
    assert not source.enabled


def test_only_admins_add_or_pause_sources(world, login):
    from sitroom.monitoring.models import Source

    source = source_create(organisation=world.org, name="Push", kind="push", enabled=False)
    client = login(world.member)  # an analyst: in the workspace, not an admin
    assert b"Add a source" not in client.get("/monitoring/ec/sources/").content
    denied = client.post(
        "/monitoring/ec/sources/", {"name": "x", "kind": "rss", "url": "https://a.example/f"}
    )
    assert denied.status_code == 404
    assert client.post(f"/monitoring/ec/sources/{source.pk}/toggle/").status_code == 404
    assert not Source.objects.filter(name="x").exists()


def test_the_stream_offers_each_language_and_region_once(processed):
    from sitroom.monitoring.selectors import stream_facets

    facets = stream_facets(processed.organisation)
    assert facets["languages"] == sorted(set(facets["languages"])) and "en" in facets["languages"]
    assert facets["regions"] == ["Abidjan", "Nairobi"]
