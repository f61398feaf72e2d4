"""Settings of the cases app, read once from the environment (see .env.example).

A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from sitroom.lib.env import env_int, env_list, env_str


def _mapping(name: str, default: dict[str, int]) -> dict[str, int]:
    """``key:number,key:number`` from the environment, merged over ``default``."""
    result = dict(default)
    for item in env_list(name):
        key, sep, number = item.partition(":")
        if not sep or not key.strip():
            raise ImproperlyConfigured(f"{name}: expected key:number pairs, got {item!r}")
        try:
            result[key.strip()] = int(number)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {number!r} is not a whole number") from None
    return result


# How many reviewers assess each case independently (copied onto a case when it is created).
REVIEWERS_PER_CASE = env_int("SITROOM_CASE_REVIEWERS", 3, minimum=1)
# How a decision is taken: "majority" of the reviewers, or "chair" (the chair decides).
DECISION_RULE = env_str("SITROOM_CASE_DECISION_RULE", "majority")
if DECISION_RULE not in ("majority", "chair"):
    raise ImproperlyConfigured(
        f"SITROOM_CASE_DECISION_RULE={DECISION_RULE!r}: expected majority or chair"
    )
# Days after publication during which a decision may be appealed.
APPEAL_WINDOW_DAYS = env_int("SITROOM_APPEAL_WINDOW_DAYS", 14, minimum=1)
# Members of an appeal panel (none of them may have reviewed the case).
APPEAL_PANEL_SIZE = env_int("SITROOM_APPEAL_PANEL_SIZE", 3, minimum=1)
# Appeals accepted per hashed client address per hour on the public form.
APPEAL_RATE_LIMIT_PER_HOUR = env_int("SITROOM_APPEAL_RATE_LIMIT", 5, minimum=1)
# Organisation kinds whose reviewers and admins form the review body (besides organisations
# designated explicitly in the admin).
REVIEW_BODY_KINDS = env_list("SITROOM_REVIEW_BODY_KINDS", ["emb", "civil_society"])
_KINDS = {"emb", "factchecker", "media", "civil_society", "platform", "international"}
if not set(REVIEW_BODY_KINDS) <= _KINDS:
    raise ImproperlyConfigured(
        f"SITROOM_REVIEW_BODY_KINDS: unknown kind(s) {sorted(set(REVIEW_BODY_KINDS) - _KINDS)}"
    )
# Target time (hours) a case may spend in one state, per priority; beyond it, it is overdue.
TARGET_HOURS = _mapping(
    "SITROOM_CASE_TARGET_HOURS", {"critical": 4, "high": 12, "normal": 48, "low": 120}
)
# Severity (1-5) of report categories; a category not listed weighs DEFAULT_SEVERITY.
CATEGORY_SEVERITY = _mapping(
    "SITROOM_CASE_CATEGORY_SEVERITY",
    {
        "electoral_process": 5,
        "incitement": 5,
        "threats": 4,
        "hate_speech": 4,
        "impersonation": 3,
        "manipulated_media": 3,
        "other": 2,
    },
)
DEFAULT_SEVERITY = 2
# Share (percent) of equal MinHash positions for two texts to be the same content.
TEXT_SIMILARITY_PERCENT = env_int("SITROOM_CASE_TEXT_SIMILARITY_PERCENT", 70, minimum=1)
if TEXT_SIMILARITY_PERCENT > 100:
    raise ImproperlyConfigured("SITROOM_CASE_TEXT_SIMILARITY_PERCENT: at most 100")
# Texts shorter than this (after normalisation) are too generic to group by.
MIN_GROUPING_TEXT_CHARS = 24
