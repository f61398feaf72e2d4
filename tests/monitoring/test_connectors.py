"""Each connector against a local fake of its service, with recorded real-format payloads."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from sitroom.monitoring.connectors import base
from sitroom.monitoring.models import Post, Source
from sitroom.monitoring.services import source_create, source_poll_now
from tests.monitoring.fakeserver import fake_server

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(base, "sleep", waits.append)
    return waits


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def make_source(world, django_capture_on_commit_callbacks):
    """Create a source; its first poll (and the pipeline) run as they would after commit."""

    def _make(kind: str, config: dict) -> Source:
        with django_capture_on_commit_callbacks(execute=True):
            return source_create(organisation=world.org, name=kind, kind=kind, config=config)

    return _make


@pytest.fixture
def poll(django_capture_on_commit_callbacks):
    def _poll(source: Source) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return source_poll_now(source_id=source.pk)

    return _poll


def test_rss_feed_is_polled_with_conditional_get_and_no_duplicates(make_source, poll, watchlist):
    def feed(path, query, headers):
        if headers.get("if-none-match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"ETag": '"v1"', "Content-Type": "application/rss+xml"}, _fixture("feed.xml")

    with fake_server({"/feed.xml": feed}) as server:
        source = make_source("rss", {"url": server.url + "/feed.xml"})
        assert Post.objects.filter(source=source).count() == 2  # polled once on creation
        source.refresh_from_db()
        assert source.cursor["etag"] == '"v1"'
        assert poll(source) == 0
        assert server.requests[-1][2]["if-none-match"] == '"v1"'
    post = Post.objects.get(source=source, external_id="news-example-10231")
    assert post.text.startswith("La CENI publie la liste des bureaux de vote")
    assert "Commission électorale" in post.text and "<b>" not in post.text
    assert post.published_at.isoformat() == "2027-03-02T08:15:00+00:00"
    assert post.url == "https://news.example/elections/2027/03/liste-bureaux-de-vote"  # canonical
    assert post.language == "fr" and post.is_relevant


def test_mastodon_hashtag_resumes_from_min_id_following_link_headers(
    make_source, poll, _no_waiting
):
    calls = {"n": 0}

    def tag(path, query, headers):
        calls["n"] += 1
        if calls["n"] == 1:
            return 503, {}, b"busy"  # the first request fails: backoff, then retry
        base_url = server.url + path
        min_id = query.get("min_id", [""])[0]
        if not min_id:
            link = (
                f'<{base_url}?min_id=113920000000000102>; rel="prev", '
                f'<{base_url}?max_id=113920000000000101>; rel="next"'
            )
            return 200, {"Link": link}, _fixture("mastodon_page1.json")
        if min_id == "113920000000000102":
            link = f'<{base_url}?min_id=113920000000000150>; rel="prev"'
            return 200, {"Link": link}, _fixture("mastodon_page2.json")
        return 200, {}, b"[]"

    with fake_server({"/api/v1/timelines/tag/Uchaguzi2027": tag}) as server:
        source = make_source(
            "mastodon", {"instance": server.url, "tag": "#Uchaguzi2027", "limit": 40}
        )
        assert _no_waiting == [2]  # one backoff before the retry
        source.refresh_from_db()
        assert source.cursor == {"min_id": "113920000000000102"}
        assert poll(source) == 1
        source.refresh_from_db()
        assert source.cursor == {"min_id": "113920000000000150"}
        assert poll(source) == 0
        queries = [q.get("min_id", [""])[0] for _p, q, _h in server.requests]
    assert queries == ["", "", "113920000000000102", "113920000000000150", "113920000000000150"]
    boost = Post.objects.get(source=source, external_id="113920000000000101")
    assert boost.author == "kenya_alerts@mastodon.example"
    assert boost.text.startswith("The electoral commission moved all polling stations")
    assert boost.extra == {"reblog_of": "113919999999999000"}
    first = Post.objects.get(source=source, external_id="113920000000000102")
    assert first.media[0]["url"].endswith("abc.jpg") and first.language == "sw"
    assert Post.objects.filter(source=source).count() == 3


def test_bluesky_search_pages_with_cursor_then_resumes_since_newest(make_source, poll):
    def search(path, query, headers):
        if query.get("since"):
            return 200, {}, json.dumps({"posts": []}).encode()
        if query.get("cursor") == ["25"]:
            return 200, {}, _fixture("bluesky_page2.json")
        return 200, {}, _fixture("bluesky_page1.json")

    with fake_server({"/xrpc/app.bsky.feed.searchPosts": search}) as server:
        source = make_source("bluesky", {"query": "#Elections2027", "service": server.url})
        source.refresh_from_db()
        assert source.cursor == {"since": "2027-03-02T12:01:05.120Z"}
        assert poll(source) == 0
        last_query = server.requests[-1][1]
    assert last_query["since"] == ["2027-03-02T12:01:05.120Z"] and last_query["sort"] == ["latest"]
    post = Post.objects.get(source=source, external_id__endswith="3lkq2xyzabc2a")
    assert post.url == "https://bsky.app/profile/verifica.example.com/post/3lkq2xyzabc2a"
    assert post.language == "es" and post.media[0]["alt"] == "camión"
    assert Post.objects.filter(source=source).count() == 3


def test_telegram_export_imports_new_messages_only(make_source, poll):
    def export(path, query, headers):
        return 200, {"Content-Type": "application/json"}, _fixture("telegram_result.json")

    with fake_server({"/habari/result.json": export}) as server:
        source = make_source(
            "telegram", {"url": server.url + "/habari/result.json", "channel": "habari_sasa"}
        )
        source.refresh_from_db()
        assert source.cursor == {"last_id": 1203}
        assert poll(source) == 0
    posts = {p.external_id: p for p in Post.objects.filter(source=source)}
    assert set(posts) == {"1712345678:1202", "1712345678:1203"}  # service message skipped
    entities = posts["1712345678:1203"]
    assert (
        entities.text
        == "Wino wa kidole unaondoka kwa siki. Soma zaidi: https://example.org/wino #Uchaguzi2027"
    )
    assert entities.url == "https://t.me/habari_sasa/1203"
    assert entities.extra == {"forwarded_from": "Kenya Alerts"}
    assert entities.published_at.isoformat() == "2027-03-01T10:02:11+00:00"


def test_persistent_errors_back_off_the_source_and_429_retry_after_is_honoured(
    make_source, poll, _no_waiting
):
    def limited(path, query, headers):
        return 429, {"Retry-After": "7"}, b"slow down"

    with fake_server({"/feed.xml": limited}) as server:
        source = make_source("rss", {"url": server.url + "/feed.xml"})
        assert len(server.requests) == base.RETRIES
    assert _no_waiting == [7.0] * (base.RETRIES - 1)
    source.refresh_from_db()
    assert source.consecutive_failures == 1 and "HTTP 429" in source.last_error
    assert (source.next_poll_at - source.last_polled_at).total_seconds() == pytest.approx(7, abs=1)
    assert not Post.objects.filter(source=source).exists()


def test_server_errors_back_off_exponentially(make_source, poll):
    def broken(path, query, headers):
        return 500, {}, b"oops"

    with fake_server({"/feed.xml": broken}) as server:
        source = make_source("rss", {"url": server.url + "/feed.xml"})
        poll(source)
    source.refresh_from_db()
    assert source.consecutive_failures == 2
    gap = (source.next_poll_at - source.last_polled_at).total_seconds()
    assert gap == pytest.approx(source.poll_interval_seconds * 4, abs=1)


@pytest.fixture
def jetstream_server():
    """A local Jetstream: replays the recorded events after the requested cursor, then idles."""
    import threading
    from urllib.parse import parse_qs, urlparse

    from websockets.sync.server import serve

    lines = _fixture("jetstream.jsonl").decode().splitlines()
    requests: list[dict[str, list[str]]] = []

    def handler(ws):
        query = parse_qs(urlparse(ws.request.path).query)
        requests.append(query)
        after = int(query.get("cursor", ["0"])[0])
        for line in lines:
            try:
                stamp = json.loads(line)["time_us"]
            except ValueError:
                stamp = after + 1
            if stamp > after:
                ws.send(line)
        with contextlib.suppress(Exception):
            ws.recv(timeout=5)  # keep the connection open, like the live stream

    server = serve(handler, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.socket.getsockname()[:2]
    server.url = f"ws://{host}:{port}"  # type: ignore[attr-defined]
    server.requests = requests  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    thread.join(timeout=5)


def test_jetstream_keeps_matching_posts_and_resumes_from_its_cursor(
    make_source, poll, jetstream_server, watchlist, monkeypatch
):
    from sitroom.monitoring import conf

    monkeypatch.setattr(conf, "HTTP_TIMEOUT", 1)  # the stream idles after the recording
    source = make_source(
        "jetstream",
        {
            "service": jetstream_server.url,
            "keywords": ["#elections2027"],
            "watchlist": True,
            "dids": ["did:plc:ufbl4k27gp6kzas5glhz7fim"],
        },
    )
    posts = {p.external_id: p for p in Post.objects.filter(source=source)}
    assert set(posts) == {
        "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3l3qo2vuowo2b",  # keyword
        "at://did:plc:ufbl4k27gp6kzas5glhz7fim/app.bsky.feed.post/3l3qo2vuowo2e",  # followed
    }
    first = posts["at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3l3qo2vuowo2b"]
    assert (
        first.url == "https://bsky.app/profile/did:plc:eygmaihciaxprqvxpfvl6flk/post/3l3qo2vuowo2b"
    )
    assert first.language == "fr" and first.published_at.isoformat().startswith("2026-03-02T09:00")
    assert jetstream_server.requests[0]["wantedCollections"] == ["app.bsky.feed.post"]
    assert "cursor" not in jetstream_server.requests[0]
    source.refresh_from_db()
    assert source.cursor["time_us"] == 1772445600000007

    # The next poll resumes a few seconds before the cursor: the replay brings nothing new.
    assert poll(source) == 0
    assert int(jetstream_server.requests[1]["cursor"][0]) == 1772445600000007 - 5_000_000


def test_jetstream_with_only_followed_accounts_lets_the_service_filter(
    make_source, jetstream_server, monkeypatch
):
    from sitroom.monitoring import conf

    monkeypatch.setattr(conf, "HTTP_TIMEOUT", 1)
    make_source(
        "jetstream",
        {"service": jetstream_server.url, "dids": ["did:plc:q6gjnaw2blty4crticxkmujt"]},
    )
    assert jetstream_server.requests[0]["wantedDids"] == ["did:plc:q6gjnaw2blty4crticxkmujt"]
    assert list(Post.objects.values_list("text", flat=True)) == [
        "Kura zimeahirishwa Mombasa, tume ya uchaguzi imethibitisha"
    ]


def test_jetstream_refuses_the_whole_firehose_and_reports_an_unreachable_service(world):
    from django.core.exceptions import ValidationError

    from sitroom.monitoring.connectors import jetstream

    with pytest.raises(ValidationError):
        source_create(
            organisation=world.org, name="all", kind="jetstream", config={"langs": ["fr"]}
        )
    with pytest.raises(base.FetchError):
        jetstream.fetch({"service": "ws://127.0.0.1:9", "keywords": ["x"]}, {})
