"""Bad input on the monitoring side: refused or repaired per item, never a 500, never lost.

Each case was found by probing a running instance (script links from feeds, impossible
dates, lone surrogates, merges into merged narratives, CSV files the sniffer misreads).
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from sitroom.accounts.models import Role
from sitroom.accounts.services import api_token_create, membership_grant
from sitroom.lib.urls import safe_href, web_url
from sitroom.monitoring.connectors import feeds, telegram
from sitroom.monitoring.connectors.base import FetchError, Response
from sitroom.monitoring.connectors.tabular import map_rows, read_table
from sitroom.monitoring.items import ItemError, PostIn, parse_when
from sitroom.monitoring.models import Escalation, Narrative, Post
from sitroom.monitoring.services import escalate, narrative_merge, posts_ingest, source_create

MAPPING = {"text": "text", "id": "id", "author": "author"}


@pytest.fixture
def feed(world):
    return source_create(
        organisation=world.org,
        name="Feed",
        kind="rss",
        config={"url": "https://feeds.example/rss"},
        enabled=False,
    )


@pytest.fixture
def monitor(world):
    membership_grant(user=world.member, organisation=world.org, role=Role.MONITOR)
    return world.member


def _push(user, body: object, *, huge: bool = False):
    _token, raw = api_token_create(user=user, name="pusher")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    data = json.dumps(body)
    if huge:  # a valid JSON number that is infinite as a float
        data = data.replace('"HUGE"', "1e400")
    return client.post("/api/v1/posts", data=data, content_type="application/json")


# ---------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " \tjava\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
    ],
)
def test_script_links_are_never_rendered_or_stored(url):
    assert safe_href(url) == ""
    assert web_url(url) == ""


@pytest.mark.parametrize(
    "url", ["https://example.org/a?b=1", "http://x.example", "/monitoring/ec/", "#top", "page"]
)
def test_web_and_relative_links_are_kept(url):
    assert safe_href(url) == url


def test_web_url_wants_an_absolute_http_link():
    assert web_url(" https://example.org/p ") == "https://example.org/p"
    assert web_url("photos/photo_1.jpg") == "" and web_url("https://") == ""
    assert web_url(42) == ""


@pytest.mark.django_db
def test_a_feed_link_that_runs_script_is_dropped_at_ingest(feed):
    posts_ingest(
        source=feed,
        items=[
            PostIn(
                external_id="f1",
                text="Ballots \ud800 found\x00 in a truck",
                url="javascript:alert(document.cookie)",
                author="\udfffme",
                media=[{"url": "data:text/html,<script>x</script>", "type": "image"}],
                extra={"k\ud800": ["v\x00"]},
            )
        ],
    )
    post = Post.objects.get(external_id="f1")
    assert post.url == "" and post.media == [{"type": "image"}]
    assert post.text == "Ballots \ufffd found in a truck" and post.author == "\ufffdme"
    assert post.extra == {"k\ufffd": ["v"]}


@pytest.mark.django_db
def test_a_stored_script_link_is_not_rendered_on_the_post_page(feed, login, monitor):
    posts_ingest(source=feed, items=[PostIn(external_id="x1", text="hello")])
    # As if stored by an older release, before ingest refused it.
    Post.objects.filter(external_id="x1").update(
        url="javascript:alert(1)", media=[{"url": "javascript:alert(2)", "type": "image"}]
    )
    post = Post.objects.get(external_id="x1")
    page = login(monitor).get(f"/monitoring/ec/posts/{post.pk}/")
    assert page.status_code == 200
    assert b'href="javascript:' not in page.content.replace(b" ", b"")


# ---------------------------------------------------------------------------- push API


@pytest.mark.django_db
def test_bad_dates_links_and_characters_fail_one_item_not_the_batch(push_source, monitor):
    push = push_source
    items = [
        {"id": "ok", "text": "good one", "published_at": 1735689600000000},
        {"id": "d1", "text": "no such day", "published_at": "2027-02-30T10:00:00Z"},
        {"id": "d2", "text": "no such month", "published_at": "2027-13-45T10:00:00Z"},
        {"id": "d3", "text": "too far", "published_at": 99999999999999999999},
        {"id": "d4", "text": "overflow", "published_at": "HUGE"},
        {"id": "d5", "text": "a boolean", "published_at": True},
        {"id": "m1", "text": "script media", "media": [{"url": "javascript:alert(1)"}]},
        {"id": "s1", "text": "election \ud800 fraud", "author": "\udfff"},
    ]
    response = _push(monitor, {"source": push.pk, "items": items}, huge=True)
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [r["status"] for r in rows] == ["created"] + ["invalid"] * 6 + ["created"]
    assert "2027-02-30" in rows[1]["error"] and "media url" in rows[6]["error"]
    assert Post.objects.get(external_id="ok").published_at.year == 2025  # microseconds
    assert Post.objects.get(external_id="s1").text == "election \ufffd fraud"


@pytest.mark.django_db
@pytest.mark.parametrize("source", [True, 6.9, "1x", 99999999999999999999999, None, [1]])
def test_the_source_must_be_an_integer_id(push_source, monitor, source):
    response = _push(monitor, {"source": source, "items": [{"id": "1", "text": "t"}]})
    assert response.status_code == 404
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_only_push_sources_take_pushed_posts(feed, monitor):
    response = _push(monitor, {"source": str(feed.pk), "items": [{"id": "1", "text": "t"}]})
    assert response.status_code == 400 and "push" in response.json()["detail"]
    assert not Post.objects.exists()


def test_parse_when_refuses_what_is_not_a_time():
    assert parse_when("1735689600").year == 2025
    assert parse_when(1735689600000).year == 2025
    for bad in ("2027-02-30", True, -99999999999999, float("inf")):
        with pytest.raises(ItemError):
            parse_when(bad)


# ---------------------------------------------------------------------------- uploads


def _rows(data: bytes, mapping=MAPPING):
    return list(map_rows(read_table(data), mapping))


def test_a_one_column_csv_keeps_its_commas():
    rows = _rows(b"text\nLe vote a lieu demain, venez nombreux\nsecond, line\n", {"text": "text"})
    assert [item.text for _n, item, _e in rows] == [
        "Le vote a lieu demain, venez nombreux",
        "second, line",
    ]


def test_a_csv_row_with_more_fields_than_the_header_is_reported():
    rows = _rows(b"id,text,author\nx1,hello, world,alice\nx2,fine,bob\n")
    (n1, item1, error1), (_n2, item2, _e2) = rows
    assert n1 == 1 and item1 is None and "1 more fields" in error1
    assert item2 is not None and item2.text == "fine"


def test_json_lines_fields_must_be_text_and_line_numbers_count_blank_lines():
    data = b'\n\n{"id": 1, "text": 42}\n{"id": 2, "text": ["a"]}\n{"id": 3, "text": "ok \\ud800"}\n'
    rows = _rows(data)
    assert [e for _n, _i, e in rows][:2] == [
        "text (column text) is not text",
        "text (column text) is not text",
    ]
    assert rows[2][1] is not None and rows[2][1].text == "ok \ufffd"
    assert rows[2][1].external_id == "3"
    with pytest.raises(ItemError, match="Line 4 "):
        read_table(b'\n\n{"id": 1, "text": "a"}\nnot json\n')


def test_a_json_array_is_read_as_rows():
    rows = _rows(json.dumps([{"id": "a", "text": "one"}, {"id": "b", "text": "two"}]).encode())
    assert [item.text for _n, item, _e in rows] == ["one", "two"]
    with pytest.raises(ItemError, match="array of objects"):
        read_table(b"[1, 2]")


def test_a_csv_field_beyond_the_csv_limit_is_a_clear_error():
    import csv

    old = csv.field_size_limit(131_072)  # csv's default; training code raises it process-wide
    try:
        with pytest.raises(ItemError, match="cannot be read as CSV"):
            read_table(b"id,text\n1," + b"x" * 200_000 + b"\n")
    finally:
        csv.field_size_limit(old)


# ---------------------------------------------------------------------------- connectors


def test_a_page_that_is_not_a_feed_is_a_failed_poll(monkeypatch):
    page = Response(200, {}, b"<!doctype html><html><body><p>Welcome</p></body></html>")
    monkeypatch.setattr(feeds, "http_get", lambda url, headers=None: page)
    with pytest.raises(FetchError, match="not an RSS or Atom feed"):
        feeds.fetch({"url": "http://127.0.0.1:9/page.html"}, {})


def test_telegram_skips_a_bad_message_and_keeps_the_others():
    export = {
        "name": "Channel",
        "username": "chan",
        "messages": [
            {"id": 1, "type": "message", "text": ["hello ", 5, {"type": "bold", "text": "all"}]},
            {"id": 2, "type": "message", "text": "bad date", "date": "2027-02-30T10:00:00"},
            {"id": "x", "type": "message", "text": "bad id"},
            {"id": 3, "type": "message", "text": "fine", "photo": "photos/p.jpg"},
        ],
    }
    items, newest = telegram.parse_export(export)
    assert [i.text for i in items] == ["hello all", "fine"] and newest == 3


# ---------------------------------------------------------------------------- workspace


@pytest.mark.django_db
def test_ids_beyond_64_bits_are_a_bad_filter_not_a_crash(world, login, monitor):
    client = login(monitor)
    for query in ({"source": "9" * 25}, {"narrative": str(2**63)}):
        assert client.get("/monitoring/ec/", query).status_code == 400


@pytest.mark.django_db
def test_a_merged_narrative_can_be_neither_merged_again_nor_merged_into(world, monitor):
    a, b, c = (Narrative.objects.create(organisation=world.org, title=t) for t in "abc")
    narrative_merge(narrative=a, into=b, by=monitor)
    a.refresh_from_db()
    with pytest.raises(ValidationError, match="already been merged"):
        narrative_merge(narrative=c, into=a, by=monitor)  # a stale dropdown still lists a
    with pytest.raises(ValidationError, match="already been merged"):
        narrative_merge(narrative=a, into=c, by=monitor)
    c.refresh_from_db()
    assert c.status != "merged"


@pytest.mark.django_db
def test_escalating_twice_gives_the_first_escalation(world, monitor):
    narrative = Narrative.objects.create(organisation=world.org, title="Ink washes off")
    first = escalate(organisation=world.org, target="claim", by=monitor, narrative=narrative)
    again = escalate(organisation=world.org, target="claim", by=monitor, narrative=narrative)
    assert again.pk == first.pk and Escalation.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "config", "field"),
    [
        ("mastodon", {"instance": "https://mastodon.social/@someone"}, "instance"),
        ("mastodon", {"instance": "https://mastodon.social", "tag": "a/../../admin"}, "tag"),
        ("mastodon", {"instance": "https://mastodon.social", "limit": "many"}, "limit"),
        ("bluesky", {"query": "#Elections2027", "lang": ";;;"}, "lang"),
        ("bluesky", {"query": "#Elections2027", "limit": 1000}, "limit"),
        ("bluesky", {"query": 5}, "query"),
        ("jetstream", {"dids": ["notadid"]}, "dids"),
        ("jetstream", {"keywords": ["x"], "langs": ["french!"]}, "langs"),
    ],
)
def test_source_settings_are_checked_before_the_first_poll(kind, config, field):
    from sitroom.monitoring.connectors import source_config_errors

    errors = source_config_errors(kind, config)
    assert errors and errors[0].startswith(field), errors


def test_good_source_settings_pass():
    from sitroom.monitoring.connectors import source_config_errors

    assert (
        source_config_errors(
            "mastodon",
            {"instance": "https://mastodon.social/", "tag": "#Uchaguzi2027", "limit": 40},
        )
        == []
    )
    assert source_config_errors("bluesky", {"query": "CENI", "lang": "pt-BR"}) == []
    assert source_config_errors("jetstream", {"dids": ["did:plc:abc123"], "langs": ["fr"]}) == []


@pytest.mark.django_db
def test_dates_outside_the_years_a_post_may_have_fail_the_item(push_source, monitor):
    """Year 1 at +14:00 is before year 1 in UTC: PostgreSQL stores it and cannot read it back."""
    push = push_source
    items = [
        {"id": "y1", "text": "a", "published_at": "0001-01-01T00:00:00+14:00"},
        {"id": "y2", "text": "b", "published_at": "9999-12-31T23:59:59-14:00"},
        {"id": "y3", "text": "c", "published_at": "\u00b2"},  # isdigit() but not a number
        {"id": "ok", "text": "d", "published_at": "2027-03-02T10:00:00+03:00"},
    ]
    rows = _push(monitor, {"source": push.pk, "items": items}).json()["results"]
    assert [r["status"] for r in rows] == ["invalid", "invalid", "invalid", "created"]
    assert Post.objects.get(external_id="ok").published_at.hour == 7


@pytest.mark.django_db
def test_json_nested_too_deeply_is_a_400_on_every_api(world, monitor):
    _token, raw = api_token_create(user=monitor, name="deep")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = '{"a":' * 100_000 + "1" + "}" * 100_000
    response = client.post("/api/v1/posts", data=body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]
