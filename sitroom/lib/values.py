"""Checks for values that come from outside (JSON bodies, files, feeds), shared by the apps."""

from __future__ import annotations

import datetime as dt
from typing import Any

# Years a stored date may have. Outside them a date is a typing or unit mistake, and at the
# edges it cannot be stored: "0001-01-01T00:00+14:00" is a year before 1 in UTC, which
# PostgreSQL stores but cannot give back (every query touching the row then fails).
STORABLE_YEARS = (1900, 2999)


def storable_utc(when: dt.datetime) -> dt.datetime | None:
    """``when`` (aware) in UTC, or None when its UTC year is outside ``STORABLE_YEARS``."""
    try:
        utc = when.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None
    first, last = STORABLE_YEARS
    return utc if first <= utc.year <= last else None


def json_text(value: Any, *, numbers: bool = False) -> str | None:
    """A JSON value that should be text: "" for null, the string itself, with ``numbers`` an
    integer's digits (platform ids often are integers); None for any other type (a boolean,
    float, list or object), which the caller refuses rather than store its ``str()``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


MAX_ID = 2**63 - 1  # the largest database id (SQLite integer, PostgreSQL bigint)


def database_id(value: Any) -> int | None:
    """An id from a request: an integer (not a boolean) or a string of ASCII digits, from 1 to
    ``MAX_ID``; None otherwise ("²" passes ``str.isdigit`` but is no number, and a larger
    number is a 500 in the database)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None
