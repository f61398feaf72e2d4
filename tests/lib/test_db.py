"""The raw bulk helpers store values exactly as the ORM would, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from sitroom.lib.db import bulk_set, insert_ignore
from sitroom.monitoring.models import DistinctText, LshKey

pytestmark = pytest.mark.django_db


def test_bulk_set_writes_json_binary_and_foreign_keys_and_honours_where():
    a = DistinctText.objects.create(exact_key="a", text="a")
    b = DistinctText.objects.create(exact_key="b", text="b", language="fr")
    a.matched_terms = [{"term": "CENI", "kind": "election_body"}]
    a.minhash = b"\x00\x01\xff"
    a.representative_id = b.pk  # type: ignore[attr-defined]
    b.matched_terms = []
    assert bulk_set([a, b], ["matched_terms", "minhash", "representative"]) == 2
    a.refresh_from_db()
    assert a.matched_terms == [{"term": "CENI", "kind": "election_body"}]
    assert bytes(a.minhash) == b"\x00\x01\xff" and a.representative_id == b.pk  # type: ignore[attr-defined]

    # Only rows meeting the condition change.
    a.language = b.language = "sw"
    assert bulk_set([a, b], ["language"], where={"language": "fr"}) == 1
    assert dict(DistinctText.objects.values_list("exact_key", "language")) == {
        "a": "",
        "b": "sw",
    }
    assert bulk_set([], ["language"]) == 0


def test_insert_ignore_skips_rows_that_exist():
    t = DistinctText.objects.create(exact_key="t", text="t")
    insert_ignore(LshKey, ["key", "text_id"], [(1, t.pk), (2, t.pk)])
    insert_ignore(LshKey, ["key", "text_id"], [(2, t.pk), (3, t.pk), (3, t.pk)])
    assert sorted(LshKey.objects.values_list("key", flat=True)) == [1, 2, 3]
