"""Settings of the public intake, read once from the environment (see .env.example).

A bad value stops start-up with a message naming the variable. Code reads them as
``conf.NAME`` at call time, so tests can override one with ``monkeypatch.setattr``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from sitroom.lib.env import env_int, env_list, env_str

# --- Regions: "code:Name;code:Name" ---------------------------------------------------------
DEFAULT_REGIONS = (
    "abidjan:Abidjan;bas-sassandra:Bas-Sassandra;comoe:Comoé;denguele:Denguélé;"
    "goh-djiboua:Gôh-Djiboua;lacs:Lacs;lagunes:Lagunes;montagnes:Montagnes;"
    "sassandra-marahoue:Sassandra-Marahoué;savanes:Savanes;vallee-du-bandama:Vallée du Bandama;"
    "woroba:Woroba;yamoussoukro:Yamoussoukro;zanzan:Zanzan;diaspora:Diaspora"
)


def parse_regions(raw: str, *, name: str = "SITROOM_REGIONS") -> list[tuple[str, str]]:
    regions: list[tuple[str, str]] = []
    for item in raw.split(";"):
        if not item.strip():
            continue
        code, sep, label = item.partition(":")
        code, label = code.strip(), label.strip()
        if not sep or not code or not label or len(code) > 40:
            raise ImproperlyConfigured(
                f"{name}: expected code:Name pairs separated by ';' (code up to 40 chars), "
                f"got {item!r}"
            )
        regions.append((code, label))
    if not regions:
        raise ImproperlyConfigured(f"{name}: no regions given")
    return regions


REGIONS = parse_regions(env_str("SITROOM_REGIONS", DEFAULT_REGIONS))

# Languages a reporter may pick for their report (detected automatically when not given).
REPORT_LANGUAGES = env_list(
    "SITROOM_REPORT_LANGUAGES",
    ["en", "fr", "es", "pt", "sw", "ar", "ha", "yo", "ig", "am", "so", "zu", "wo", "ln", "rw"],
)

# --- Uploads --------------------------------------------------------------------------------
MAX_FILE_BYTES = env_int("SITROOM_REPORT_MAX_FILE_BYTES", 8 * 1024 * 1024, minimum=1024)
MAX_REPORT_BYTES = env_int("SITROOM_REPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
MAX_FILES = env_int("SITROOM_REPORT_MAX_FILES", 5, minimum=0)
MAX_IMAGE_PIXELS = env_int("SITROOM_REPORT_MAX_IMAGE_PIXELS", 40_000_000, minimum=1)
MAX_TEXT_CHARS = env_int("SITROOM_REPORT_MAX_TEXT_CHARS", 10_000, minimum=100)
MAX_URLS = env_int("SITROOM_REPORT_MAX_URLS", 10, minimum=1)


# --- Abuse resistance -----------------------------------------------------------------------
@dataclass(frozen=True)
class RateLimit:
    requests: int
    seconds: int


def parse_rate_limits(
    raw: str, *, name: str = "SITROOM_REPORT_RATE_LIMITS"
) -> dict[str, RateLimit]:
    """``channel=count/seconds,channel=count/seconds``, e.g. ``web=10/600,api=30/600``."""
    limits: dict[str, RateLimit] = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        channel, sep, rule = item.partition("=")
        count, slash, seconds = rule.partition("/")
        try:
            limit = RateLimit(int(count), int(seconds))
        except ValueError:
            limit = RateLimit(0, 0)
        if not sep or not slash or limit.requests < 1 or limit.seconds < 1:
            raise ImproperlyConfigured(
                f"{name}: expected channel=count/seconds pairs, got {item.strip()!r}"
            )
        limits[channel.strip()] = limit
    return limits


# Per hashed client address (web, api) or hashed sender (gateway), per channel.
RATE_LIMITS = {
    "web": RateLimit(10, 600),
    "api": RateLimit(30, 600),
    "gateway": RateLimit(20, 600),
    "track": RateLimit(60, 600),
    # Staff sign-in and password reset (accounts.views), per address and per name asked for.
    "login": RateLimit(30, 600),
    "login-user": RateLimit(10, 600),
    "reset": RateLimit(10, 3600),
    "reset-user": RateLimit(3, 3600),
} | parse_rate_limits(env_str("SITROOM_REPORT_RATE_LIMITS"))
# A cache alias shared by every web process (Redis in production; the database cache otherwise).
RATE_LIMIT_CACHE = env_str("SITROOM_REPORT_RATE_LIMIT_CACHE", "default")
# The same content from the same sender and channel within this window returns the first code.
DEDUP_MINUTES = env_int("SITROOM_REPORT_DEDUP_MINUTES", 30, minimum=0)


# --- Instant answers -----------------------------------------------------------------------
# Upper bound of one instant-answer call (fact-check matching), in milliseconds; 0 runs it
# inline without a bound. A slow or failing matcher means no instant answer, never an error.
INSTANT_ANSWER_TIMEOUT_MS = env_int("SITROOM_INSTANT_ANSWER_TIMEOUT_MS", 2500, minimum=0)
# How long a report's computed instant answers are cached for GET .../answers.
INSTANT_ANSWER_CACHE_SECONDS = env_int("SITROOM_INSTANT_ANSWER_CACHE_SECONDS", 600, minimum=0)


# --- Messaging gateways ---------------------------------------------------------------------
@dataclass(frozen=True)
class Gateway:
    name: str
    kind: str  # "generic" | "twilio" | "telegram"
    secret: str
    channel: str  # what the reporter used: sms, whatsapp, telegram
    push_url: str = ""  # generic: outbound messages are POSTed here; empty: gateway pulls


GATEWAY_KINDS = ("generic", "twilio", "telegram")
GATEWAY_CHANNELS = ("sms", "whatsapp", "telegram", "messenger", "signal", "other")


def parse_gateways(raw: str, *, name: str = "SITROOM_GATEWAY_SECRETS") -> dict[str, Gateway]:
    """JSON: ``{"<name>": {"kind": "generic|twilio|telegram", "secret": "...",
    "channel": "sms|whatsapp|telegram", "push_url": "https://..."}}``.

    ``secret`` is the HMAC key (generic), the auth token (twilio) or the webhook secret token
    (telegram). A string value is short for ``{"kind": "generic", "secret": value}``.
    """
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{name}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"{name}: expected a JSON object of gateways")
    gateways: dict[str, Gateway] = {}
    for gw_name, spec in data.items():
        if isinstance(spec, str):
            spec = {"kind": "generic", "secret": spec}
        if not isinstance(spec, dict):
            raise ImproperlyConfigured(f"{name}: gateway {gw_name!r} must be an object")
        kind = spec.get("kind", "generic")
        secret = spec.get("secret", "")
        default_channel = {"telegram": "telegram"}.get(kind, "sms")
        channel = spec.get("channel", default_channel)
        if kind not in GATEWAY_KINDS:
            raise ImproperlyConfigured(
                f"{name}: gateway {gw_name!r} kind {kind!r} is not one of {', '.join(GATEWAY_KINDS)}"
            )
        if not isinstance(secret, str) or len(secret) < 16:
            raise ImproperlyConfigured(
                f"{name}: gateway {gw_name!r} needs a secret of at least 16 characters"
            )
        if channel not in GATEWAY_CHANNELS:
            raise ImproperlyConfigured(
                f"{name}: gateway {gw_name!r} channel {channel!r} is not one of "
                f"{', '.join(GATEWAY_CHANNELS)}"
            )
        if not gw_name.replace("-", "").replace("_", "").isalnum():
            raise ImproperlyConfigured(
                f"{name}: gateway name {gw_name!r}: letters, digits, - and _"
            )
        gateways[gw_name] = Gateway(
            name=gw_name,
            kind=kind,
            secret=secret,
            channel=channel,
            push_url=str(spec.get("push_url", "")),
        )
    return gateways


GATEWAYS = parse_gateways(env_str("SITROOM_GATEWAY_SECRETS"))
