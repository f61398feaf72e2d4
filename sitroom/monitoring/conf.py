"""Monitoring settings, read from the environment (listed in .env.example)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from sitroom.lib.env import env_bool, env_int, env_str


def _env_float(name: str, default: float, lo: float, hi: float) -> float:
    raw = env_str(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a number") from None
    if not lo <= value <= hi:
        raise ImproperlyConfigured(f"{name}={raw!r}: must be between {lo} and {hi}")
    return value


# Posts claimed and processed together (one embedding call for their new distinct texts).
# 512 rather than 256 (rather than 128): the embedder sorts a call's texts by length, so a
# larger call pads less; 342 posts/s against 300 on benchmarks/pipeline.py, arrival to
# visible p95 under 1 s (docs/monitoring.md).
PIPELINE_BATCH = env_int("SITROOM_PIPELINE_BATCH", 512, minimum=1)
# Failed attempts before a post is parked for a person to look at.
PIPELINE_MAX_ATTEMPTS = env_int("SITROOM_PIPELINE_MAX_ATTEMPTS", 3, minimum=1)
# A claim older than this is considered abandoned by a dead worker and taken again.
PIPELINE_CLAIM_STALE_SECONDS = env_int("SITROOM_PIPELINE_CLAIM_STALE_SECONDS", 300, minimum=5)
# Which distinct texts get the expensive, embedding-based steps (classifiers, fact-check
# matching, narratives): "relevant" = election-relevant (watchlist) or a hate-lexicon hit or
# from a source configured with {"scope": "all"}; "all" = every distinct text.
PIPELINE_SCOPE = env_str("SITROOM_PIPELINE_SCOPE", "relevant")
if PIPELINE_SCOPE not in {"relevant", "all"}:
    raise ImproperlyConfigured(
        f"SITROOM_PIPELINE_SCOPE={PIPELINE_SCOPE!r}: expected 'relevant' or 'all'"
    )
# Cosine similarity to a narrative's centroid needed to join it. Unset, it depends on the
# vectors (sitroom.monitoring.narratives.Space): 0.44 on language-centred ones, 0.87 on raw.
NARRATIVE_THRESHOLD: float | None = (
    _env_float("SITROOM_NARRATIVE_THRESHOLD", 0.0, 0.0, 1.0)
    if env_str("SITROOM_NARRATIVE_THRESHOLD")
    else None
)
# Distinct texts a candidate narrative needs to become active (shown by default).
NARRATIVE_ACTIVE_TEXTS = env_int("SITROOM_NARRATIVE_ACTIVE_TEXTS", 3, minimum=1)
# Largest batch accepted by POST /api/v1/posts.
PUSH_MAX_ITEMS = env_int("SITROOM_PUSH_MAX_ITEMS", 500, minimum=1)
# Optional hate-speech lexicon (CSV in the lexicon module's own or Hatebase format).
HATE_LEXICON = env_str("SITROOM_HATE_LEXICON")
# Connectors identify themselves to the services they poll.
USER_AGENT = env_str("SITROOM_MONITOR_USER_AGENT", "sitroom-monitor/1 (+https://example.invalid)")
HTTP_TIMEOUT = env_int("SITROOM_MONITOR_HTTP_TIMEOUT", 20, minimum=1)
# Largest response a connector reads (a Telegram export of 40,000 messages is about 25 MB).
HTTP_MAX_BYTES = env_int("SITROOM_MONITOR_HTTP_MAX_MB", 64, minimum=1) * 1024 * 1024
# Polling re-enqueues itself with run_after; off when a cron runs `sitroom monitor_poll`.
SELF_SCHEDULE = env_bool("SITROOM_MONITOR_SELF_SCHEDULE", True)
