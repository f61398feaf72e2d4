"""Fact-check settings, read from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from sitroom.lib.env import env_int, env_str


def index_dir() -> Path:
    """Where the published fact-checks' MatchIndex lives (one directory, one writer at a time).

    Read on every call so tests (and ``settings`` overrides) can point it elsewhere.
    """
    override = getattr(settings, "FACTCHECK_INDEX_DIR", None) or env_str(
        "SITROOM_FACTCHECK_INDEX_DIR"
    )
    return Path(override) if override else Path(settings.DATA_DIR) / "indexes" / "factchecks"


def min_confidence() -> float:
    """SITROOM_MATCH_MIN_CONFIDENCE, else the threshold shipped with the engine's scoring model.

    The model's score is a calibrated P(the fact-check addresses the claim); 0.5 ("more likely
    than not") is used when the fitted model does not recommend a threshold of its own.
    """
    from django.core.exceptions import ImproperlyConfigured

    raw = getattr(settings, "MATCH_MIN_CONFIDENCE", None)
    if raw is None:
        raw = env_str("SITROOM_MATCH_MIN_CONFIDENCE")
    if raw not in (None, ""):
        try:
            value = float(raw)
        except ValueError:
            raise ImproperlyConfigured(
                f"SITROOM_MATCH_MIN_CONFIDENCE={raw!r}: expected a number between 0 and 1"
            ) from None
        if not 0.0 <= value <= 1.0:
            raise ImproperlyConfigured(
                f"SITROOM_MATCH_MIN_CONFIDENCE={raw!r}: expected a number between 0 and 1"
            )
        return value
    from sitroom.nlp.matching.engine import default_model

    meta = default_model().meta
    for key in ("min_confidence", "threshold", "recommended_threshold"):
        if isinstance(meta.get(key), int | float):
            return float(meta[key])
    return 0.5


def index_lock_wait_seconds() -> int:
    """How long a writer waits for another process's hold on the index before giving up."""
    return env_int("SITROOM_FACTCHECK_INDEX_LOCK_WAIT", 20, minimum=0)


def fetch_timeout_seconds() -> int:
    return env_int("SITROOM_FACTCHECK_FETCH_TIMEOUT", 20, minimum=1)


def fetch_max_bytes() -> int:
    return env_int("SITROOM_FACTCHECK_FETCH_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)


def match_rate_per_minute() -> int:
    return env_int("SITROOM_FACTCHECK_MATCH_RATE", 60, minimum=1)
