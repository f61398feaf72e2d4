"""Canonical forms of content URLs, so two links to the same post compare equal.

``canonical_url`` works offline: it never follows redirects, so short links that only the
platform can resolve (vm.tiktok.com, t.co, bit.ly) are normalised but kept as they are.
``platform_of`` names the platform a URL belongs to ("web" when none is recognised).
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only track who shared a link, never what it points to.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "igsh",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "_ga",
        "_gl",
        "yclid",
        "twclid",
        "ttclid",
        "share_id",
        "sender_device",
        "sender_web_id",
        "is_from_webapp",
        "is_copy_url",
        "mibextid",
        "rdid",
        "sfnsn",
        "__tn__",
        "__cft__[0]",
        "__xts__[0]",
        "hc_ref",
    }
)
_TRACKING_PREFIXES = ("utm_", "__cft__", "__xts__", "at_", "pk_")
# Parameters that track only on particular platforms (elsewhere they may carry meaning).
_PLATFORM_TRACKING = {
    "x": frozenset({"s", "t", "cn", "lang"}),
    "youtube": frozenset({"si", "ab_channel", "feature", "pp", "embeds_referring_euri"}),
    "instagram": frozenset({"utm_source", "img_index"}),
    "tiktok": frozenset({"_r", "_t", "u_code", "preview_pb", "language", "timestamp", "user_id"}),
    "spotify": frozenset({"si"}),
    "telegram": frozenset({"single"}),
}
# The generic "si" tracker is dropped everywhere except where it is meaningful (none known).
_GLOBAL_SOMETIMES = frozenset({"si"})

_HOST_PREFIXES = ("www.", "m.", "mobile.", "mbasic.", "touch.", "web.", "l.", "lm.")

_PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    "facebook": ("facebook.com", "fb.com", "fb.watch", "fb.me", "messenger.com"),
    "x": ("x.com", "twitter.com", "t.co", "nitter.net"),
    "instagram": ("instagram.com", "instagr.am"),
    "tiktok": ("tiktok.com",),
    "youtube": ("youtube.com", "youtu.be", "youtube-nocookie.com"),
    "telegram": ("t.me", "telegram.me", "telegram.org", "telegram.dog"),
    "whatsapp": ("whatsapp.com", "wa.me"),
    "bluesky": ("bsky.app", "bsky.social"),
    "threads": ("threads.net", "threads.com"),
    "reddit": ("reddit.com", "redd.it"),
    "linkedin": ("linkedin.com", "lnkd.in"),
}
_MASTODON_HOSTS = (
    "mastodon.social",
    "mastodon.online",
    "mstdn.social",
    "mas.to",
    "fosstodon.org",
    "hachyderm.io",
    "infosec.exchange",
    "mastodon.world",
    "mstdn.jp",
    "troet.cafe",
    "framapiaf.org",
    "piaille.fr",
    "mamot.fr",
    "masto.ai",
)
# Path shapes of a Mastodon (or other ActivityPub) status on an unknown instance.
_MASTODON_PATH = re.compile(
    r"^/@[A-Za-z0-9_.]+(@[A-Za-z0-9.-]+)?(/\d+)?/?$|^/users/[^/]+/statuses/\d+/?$"
)

_UNWRAP = "\x00unwrap"
_Parts = tuple[str, str, list[tuple[str, str]]]
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")


def _strip_host(host: str) -> str:
    host = host.lower().rstrip(".")
    changed = True
    while changed:
        changed = False
        for prefix in _HOST_PREFIXES:
            if host.startswith(prefix) and host.count(".") >= 2:
                host = host[len(prefix) :]
                changed = True
    return host


def _host_platform(host: str) -> str | None:
    for platform, domains in _PLATFORM_HOSTS.items():
        for domain in domains:
            if host == domain or host.endswith("." + domain):
                return platform
    for domain in _MASTODON_HOSTS:
        if host == domain or host.endswith("." + domain):
            return "mastodon"
    if host.startswith(("mastodon.", "mstdn.", "masto.")):
        return "mastodon"
    return None


def _with_scheme(url: str) -> str:
    url = url.strip()
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        url = "https://" + url.lstrip("/")
    return url


def platform_of(url: str) -> str:
    """facebook, x, instagram, tiktok, youtube, telegram, whatsapp, bluesky, threads, reddit,
    linkedin, mastodon or web."""
    try:
        # The canonical form first, so a redirector (l.facebook.com/l.php?u=…) names its target.
        parts = urlsplit(_with_scheme(canonical_url(url) or url))
    except ValueError:
        return "web"
    host = _strip_host(parts.hostname or "")
    platform = _host_platform(host)
    if platform:
        return platform
    if _MASTODON_PATH.match(parts.path or ""):
        return "mastodon"
    return "web"


def _is_tracking(name: str, platform: str) -> bool:
    lowered = name.lower()
    if lowered in _TRACKING_PARAMS or lowered in _GLOBAL_SOMETIMES:
        return True
    if lowered.startswith(_TRACKING_PREFIXES):
        return True
    return lowered in _PLATFORM_TRACKING.get(platform, frozenset())


def _youtube(host: str, path: str, query: list[tuple[str, str]]) -> _Parts:
    params = dict(query)
    video: str | None = None
    if host == "youtu.be":
        video = path.strip("/").split("/")[0] or None
    elif path.startswith(("/shorts/", "/live/", "/embed/", "/v/", "/e/")):
        video = path.strip("/").split("/")[1] if path.count("/") >= 2 else None
    elif path.rstrip("/") == "/watch":
        video = params.get("v")
    if video and _YOUTUBE_ID.match(video):
        keep = [("v", video)]
        if "t" in params:
            keep.append(("t", params["t"]))
        if "list" in params:
            keep.append(("list", params["list"]))
        return "youtube.com", "/watch", keep
    return "youtube.com", path, query


def _facebook(host: str, path: str, query: list[tuple[str, str]]) -> _Parts:
    params = dict(query)
    if host == "fb.watch":
        return host, path, query  # a short link: only Facebook can resolve it
    if path.rstrip("/") == "/l.php" and params.get("u", "").startswith(("http://", "https://")):
        # Facebook's outbound redirector: the report is about the target, not the wrapper.
        return _UNWRAP, params["u"], []
    if host in ("fb.com", "facebook.com"):
        host = "facebook.com"
    if path.rstrip("/") in ("/permalink.php", "/story.php") and "story_fbid" in params:
        keep = [("story_fbid", params["story_fbid"])]
        if "id" in params:
            keep.append(("id", params["id"]))
        return host, "/permalink.php", keep
    if path.rstrip("/") == "/watch" and "v" in params:
        return host, "/watch", [("v", params["v"])]
    if path.rstrip("/") == "/photo.php" and "fbid" in params:
        return host, "/photo.php", [("fbid", params["fbid"])]
    if path.rstrip("/") == "/photo" and "fbid" in params:
        return host, "/photo.php", [("fbid", params["fbid"])]
    return host, path, query


def _telegram(host: str, path: str, query: list[tuple[str, str]]) -> _Parts:
    host = "t.me"
    if path.startswith("/s/"):
        path = path[2:]
    # Channel names are case-insensitive; invite links (+hash, joinchat/hash) are not.
    m = re.match(r"^/([A-Za-z][A-Za-z0-9_]{3,})(/.*)?$", path)
    if m and m.group(1).lower() not in ("joinchat", "addstickers"):
        path = "/" + m.group(1).lower() + (m.group(2) or "")
    return host, path, query


def _x(host: str, path: str, query: list[tuple[str, str]]) -> _Parts:
    if host == "t.co":
        return host, path, query
    host = "x.com"
    # /user/status/123/photo/1, /i/web/status/123 and #!/user/status/123 name one post;
    # handles are case-insensitive.
    m = re.match(r"^/i/web/status/(\d+)", path)
    if m:
        return host, f"/i/status/{m.group(1)}", query
    m = re.match(r"^/([^/]+)/status(?:es)?/(\d+)", path)
    if m:
        return host, f"/{m.group(1).lower()}/status/{m.group(2)}", query
    m = re.match(r"^/([A-Za-z0-9_]{1,15})/?$", path)
    if m:
        return host, f"/{m.group(1).lower()}", query
    return host, path, query


def _instagram(host: str, path: str, query: list[tuple[str, str]]) -> _Parts:
    host = "instagram.com"
    m = re.match(r"^/(?:[^/]+/)?(p|reel|reels|tv)/([A-Za-z0-9_-]+)", path)
    if m:
        kind = "reel" if m.group(1) in ("reel", "reels") else m.group(1)
        return host, f"/{kind}/{m.group(2)}/", []
    return host, path, query


def _tiktok(host: str, path: str, query: list[tuple[str, str]]) -> _Parts:
    if host in ("vm.tiktok.com", "vt.tiktok.com"):
        return host, path, query  # short links need the network to resolve
    host = "tiktok.com"
    m = re.match(r"^/(@[^/]+)/(video|photo)/(\d+)", path)
    if m:
        return host, f"/{m.group(1).lower()}/{m.group(2)}/{m.group(3)}", []
    return host, path, query


def canonical_url(url: str, *, _depth: int = 0) -> str:
    """The URL in one canonical form: tracking removed, platform variants unified.

    Unparseable input comes back stripped, never raises.
    """
    raw = (url or "").strip()
    if not raw:
        return ""
    try:
        parts = urlsplit(_with_scheme(raw))
        port = parts.port
    except ValueError:
        return raw
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return raw
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return raw
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    platform = _host_platform(_strip_host(host))
    bare = _strip_host(host)
    if platform is not None:
        # Platform hosts: the m./www./mobile. variants are the same post, and https is universal.
        host = bare
        scheme = "https"
    elif host.startswith("www."):
        host = host[4:]
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=~-._%")
    path = re.sub(r"/{2,}", "/", path)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(k, platform or "web")
    ]
    if platform == "youtube":
        host, path, query = _youtube(host, path, query)
    elif platform == "facebook":
        host, path, query = _facebook(host, path, query)
        if host == _UNWRAP and _depth < 3:
            return canonical_url(path, _depth=_depth + 1)
    elif platform == "telegram":
        host, path, query = _telegram(host, path, query)
    elif platform == "x":
        host, path, query = _x(host, path, query)
    elif platform == "instagram":
        host, path, query = _instagram(host, path, query)
    elif platform == "tiktok":
        host, path, query = _tiktok(host, path, query)
    if path != "/" and path.endswith("/") and platform not in ("instagram",):
        path = path.rstrip("/")
    default_port = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    query_string = urlencode(sorted(query), doseq=True)
    return urlunsplit((scheme, netloc, path, query_string, ""))


# A URL scheme as browsers read it once they have dropped ASCII whitespace and controls.
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")
WEB_SCHEMES = ("http", "https")


def safe_href(url: object) -> str:
    """``url`` if a browser following it cannot run script: no scheme (a relative link) or
    http(s); otherwise "" (``javascript:``, ``data:``, ``vbscript:``, also when disguised with
    tabs, newlines or leading controls, which browsers drop)."""
    if not isinstance(url, str):
        return ""
    m = _SCHEME.match(_IGNORED_BY_BROWSERS.sub("", url))
    if m and m.group(1).lower() not in WEB_SCHEMES:
        return ""
    return url


def web_url(url: object) -> str:
    """``url`` stripped if it is an absolute http(s) link with a host, else "" (for links that
    come from outside: a post's address, its media)."""
    if not isinstance(url, str):
        return ""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return ""
    if _IGNORED_BY_BROWSERS.search(url):
        return ""
    return url
