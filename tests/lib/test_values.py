"""Checks for values from outside (sitroom.lib.values)."""

from __future__ import annotations

import datetime as dt

import pytest

from sitroom.lib.values import MAX_ID, database_id, json_text, storable_utc


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), ("12", 12), (str(MAX_ID), MAX_ID), (True, None), (6.9, None), ("²", None),
     ("-3", None), (" 5", None), (0, None), (MAX_ID + 1, None), ("9" * 25, None), (None, None)],
)  # fmt: skip
def test_database_id(value, expected):
    assert database_id(value) == expected


def test_json_text():
    assert json_text(None) == "" and json_text(" a ") == " a "
    assert json_text(42) is None and json_text(42, numbers=True) == "42"
    assert json_text(True, numbers=True) is None and json_text(["a"]) is None


def test_storable_utc():
    east = dt.timezone(dt.timedelta(hours=14))
    assert storable_utc(dt.datetime(1, 1, 1, tzinfo=east)) is None
    assert storable_utc(dt.datetime(2027, 3, 2, 10, tzinfo=east)).hour == 20
