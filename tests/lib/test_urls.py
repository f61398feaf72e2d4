from __future__ import annotations

import pytest

from sitroom.lib.urls import canonical_url, platform_of


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # scheme and host case, fragments, default ports, www
        ("HTTPS://WWW.Example.ORG/Path#section", "https://example.org/Path"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("example.org/news", "https://example.org/news"),
        ("  https://example.org/a/  ", "https://example.org/a"),
        # tracking parameters go, meaningful ones stay (sorted)
        (
            "https://example.org/a?utm_source=x&utm_medium=y&b=2&a=1&fbclid=F&gclid=G",
            "https://example.org/a?a=1&b=2",
        ),
        ("https://example.org/a?ref=home&id=7", "https://example.org/a?id=7"),
        ("https://example.org/a?si=abc", "https://example.org/a"),
        # x / twitter
        ("https://twitter.com/Jack/status/20", "https://x.com/jack/status/20"),
        ("https://mobile.twitter.com/jack/status/20?s=20&t=abcd", "https://x.com/jack/status/20"),
        ("https://www.x.com/jack/status/20/photo/1", "https://x.com/jack/status/20"),
        ("https://twitter.com/i/web/status/20", "https://x.com/i/status/20"),
        ("https://x.com/SomeOne", "https://x.com/someone"),
        ("https://t.co/AbCdEf", "https://t.co/AbCdEf"),
        # youtube
        ("https://youtu.be/dQw4w9WgXcQ", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ?si=tracking", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ?t=42", "https://youtube.com/watch?t=42&v=dQw4w9WgXcQ"),
        (
            "https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&pp=x",
            "https://youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://www.youtube.com/live/dQw4w9WgXcQ", "https://youtube.com/watch?v=dQw4w9WgXcQ"),
        (
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            "https://youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        ("https://www.youtube.com/@Channel", "https://youtube.com/@Channel"),
        # facebook
        (
            "https://m.facebook.com/story.php?story_fbid=123&id=456&__tn__=R",
            "https://facebook.com/permalink.php?id=456&story_fbid=123",
        ),
        (
            "https://www.facebook.com/permalink.php?story_fbid=123&id=456&mibextid=Z",
            "https://facebook.com/permalink.php?id=456&story_fbid=123",
        ),
        ("https://fb.watch/abcDEF/", "https://fb.watch/abcDEF"),
        ("https://web.facebook.com/watch/?v=99", "https://facebook.com/watch?v=99"),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fnews.example%2Fa%3Futm_source%3Dfb&h=AT",
            "https://news.example/a",
        ),
        # instagram keeps the case-sensitive shortcode and the trailing slash
        ("https://www.instagram.com/p/CxYz_1/?igshid=abc", "https://instagram.com/p/CxYz_1/"),
        ("https://instagram.com/reels/CxYz_1", "https://instagram.com/reel/CxYz_1/"),
        ("https://www.instagram.com/someone/p/CxYz_1/", "https://instagram.com/p/CxYz_1/"),
        # tiktok: short links cannot be resolved offline and are kept, but normalised
        ("https://vm.tiktok.com/ZMabc123/", "https://vm.tiktok.com/ZMabc123"),
        (
            "https://www.tiktok.com/@User.Name/video/7123456?is_from_webapp=1&sender_device=pc",
            "https://tiktok.com/@user.name/video/7123456",
        ),
        # telegram
        ("https://t.me/s/CENCI/123", "https://t.me/cenci/123"),
        ("https://telegram.me/cenci/123", "https://t.me/cenci/123"),
        ("https://t.me/+AbCdEfGh", "https://t.me/+AbCdEfGh"),
        ("https://t.me/joinchat/AbCdEf", "https://t.me/joinchat/AbCdEf"),
        # others are normalised generically
        (
            "https://bsky.app/profile/a.bsky.social/post/3kx",
            "https://bsky.app/profile/a.bsky.social/post/3kx",
        ),
        ("https://mastodon.social/@alice/1099#x", "https://mastodon.social/@alice/1099"),
        ("https://wa.me/2250700000000", "https://wa.me/2250700000000"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://twitter.com/jack/status/20", "https://x.com/JACK/status/20?s=46"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&si=x"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ"),
        ("https://t.me/s/channel/5", "https://t.me/channel/5"),
        (
            "https://m.facebook.com/story.php?id=1&story_fbid=2",
            "https://facebook.com/permalink.php?story_fbid=2&id=1",
        ),
    ],
)
def test_equivalent_forms_meet(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)


def test_canonical_url_is_idempotent() -> None:
    samples = [
        "https://youtu.be/dQw4w9WgXcQ?t=3",
        "https://m.facebook.com/story.php?story_fbid=1&id=2",
        "https://t.me/s/x_channel/9",
        "https://example.org/a?b=1&a=2#f",
        "https://www.instagram.com/p/AbC/",
    ]
    for url in samples:
        once = canonical_url(url)
        assert canonical_url(once) == once


@pytest.mark.parametrize(
    "raw", ["", "   ", "ftp://example.org/file", "mailto:a@b.c", "http://[::1"]
)
def test_odd_input_never_raises(raw: str) -> None:
    assert isinstance(canonical_url(raw), str)
    assert platform_of(raw) == "web"


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.facebook.com/page/posts/1", "facebook"),
        ("https://fb.watch/abc", "facebook"),
        ("https://m.facebook.com/story.php?story_fbid=1", "facebook"),
        ("https://twitter.com/a/status/1", "x"),
        ("https://x.com/a/status/1", "x"),
        ("https://www.instagram.com/p/abc/", "instagram"),
        ("https://vm.tiktok.com/ZM1/", "tiktok"),
        ("https://www.tiktok.com/@a/video/1", "tiktok"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube"),
        ("https://music.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
        ("https://t.me/channel/1", "telegram"),
        ("https://wa.me/123", "whatsapp"),
        ("https://chat.whatsapp.com/AbC", "whatsapp"),
        ("https://bsky.app/profile/a/post/b", "bluesky"),
        ("https://mastodon.social/@a/1", "mastodon"),
        ("https://some.instance.example/@someone/110000000000", "mastodon"),
        ("https://news.example.org/article", "web"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fnews.example%2Fa", "web"),
        ("facebook.com.evil.example/x", "web"),
        ("https://notfacebook.com/x", "web"),
    ],
)
def test_platform_of(url: str, platform: str) -> None:
    assert platform_of(url) == platform
